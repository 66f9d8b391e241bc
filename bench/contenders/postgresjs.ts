import postgres from "postgres";
import { URLS, type Client, type OpenOptions, type Row } from "../lib/types.js";

/** Raw postgres.js (porsager/postgres) as its README writes it: tagged templates, prepared statements. */
export async function openPostgresJs(options: OpenOptions): Promise<Client> {
  const sql = postgres(URLS.postgres, { max: options.pool, onnotice: () => undefined });
  await Promise.all(Array.from({ length: options.pool }, () => sql`SELECT 1`));
  return {
    lookup: async (id) => (await sql<Row[]>`SELECT * FROM bench_items WHERE id = ${id}`)[0],
    wide: async () => [...(await sql<Row[]>`SELECT * FROM bench_items WHERE id <= 1000 ORDER BY id`)],
    transfer: async (id) => {
      await sql.begin(async (tx) => {
        await tx`SELECT balance FROM bench_accounts WHERE id = ${id}`;
        await tx`UPDATE bench_accounts SET balance = balance + 1 WHERE id = ${id}`;
      });
    },
    close: () => sql.end(),
  };
}
