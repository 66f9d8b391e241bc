import postgres from "postgres";
import { SQL, URLS, type Client, type OpenOptions, type Row } from "../lib/types.js";

/** Raw postgres.js (porsager/postgres), its defaults (prepared statements). */
export async function openPostgresJs(options: OpenOptions): Promise<Client> {
  const sql = postgres(URLS.postgres, { max: options.pool, onnotice: () => undefined });
  await Promise.all(Array.from({ length: options.pool }, () => sql`SELECT 1`));
  return {
    lookup: async (id) => (await sql.unsafe(SQL.lookup.dollar, [id], { prepare: true }))[0] as Row | undefined,
    wide: async () => (await sql.unsafe(SQL.wide, [], { prepare: true })) as unknown as Row[],
    transfer: async (id) => {
      await sql.begin(async (tx) => {
        await tx.unsafe(SQL.balance.dollar, [id], { prepare: true });
        await tx.unsafe(SQL.credit.dollar, [id], { prepare: true });
      });
    },
    close: () => sql.end(),
  };
}
