import knexModule from "knex";
import type { Knex } from "knex";
import { INSERT_CHUNK, URLS, mysqlConfig, type BulkRow, type Client, type Engine, type OpenOptions, type Row } from "../lib/types.js";
import { utcText } from "../lib/data.js";

const knexFactory = ((knexModule as unknown as { knex?: typeof knexModule }).knex ?? knexModule) as (config: Knex.Config) => Knex;

/** Knex with its query builder, as its docs write it; pg / mysql2 / better-sqlite3 underneath. */
export async function openKnex(engine: Engine, options: OpenOptions): Promise<Client> {
  const pool = { min: engine === "sqlite" ? 1 : options.pool, max: engine === "sqlite" ? 1 : options.pool };
  const config: Knex.Config =
    engine === "sqlite"
      ? { client: "better-sqlite3", connection: { filename: URLS.sqlite }, useNullAsDefault: true, pool }
      : engine === "postgres"
        ? { client: "pg", connection: URLS.postgres, pool }
        : { client: "mysql2", connection: { ...mysqlConfig(), timezone: "Z" }, pool };
  const db = knexFactory(config);
  await Promise.all(Array.from({ length: pool.max }, () => db.raw("SELECT 1")));
  const timestamp = (d: Date) => (engine === "postgres" ? d : utcText(d));
  return {
    lookup: (id) => db<Row>("bench_items").where("id", id).first() as Promise<Row | undefined>,
    wide: () => db<Row>("bench_items").where("id", "<=", 1000).orderBy("id") as unknown as Promise<Row[]>,
    transfer: (id) =>
      db.transaction(async (trx) => {
        await trx("bench_accounts").select("balance").where("id", id).first();
        await trx("bench_accounts").where("id", id).increment("balance", 1);
      }),
    insertBulk: async (rows: BulkRow[]) => {
      const records = rows.map((r) => ({ id: r.id, name: r.name, qty: r.qty, price: r.price, created_at: timestamp(r.created_at) }));
      // SQLite caps a compound SELECT (Knex's multi-row form there) at 500 terms.
      await db.batchInsert("bench_bulk", records, engine === "sqlite" ? 500 : INSERT_CHUNK);
    },
    close: () => db.destroy(),
  };
}
