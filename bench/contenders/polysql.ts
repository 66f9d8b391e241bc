import type { Database } from "../../src/database.js";
import { polysqlModule } from "../lib/polysql-src.js";
import { SQL, URLS, type BulkRow, type Client, type Engine, type OpenOptions, type Row } from "../lib/types.js";

type WithInsertMany = Database & { insertMany?: (table: string, rows: readonly object[]) => Promise<number> };

/** polysql itself, through its public API only. */
export async function openPolysql(engine: Engine, options: OpenOptions): Promise<Client> {
  const url = engine === "sqlite" ? `sqlite:${URLS.sqlite}` : URLS[engine];
  const { connect } = await polysqlModule<typeof import("../../src/connect.js")>("connect.js");
  const db: WithInsertMany = await connect({ url, pool: { max: options.pool, min: options.pool } });
  const client: Client = {
    lookup: (id) => db.one(SQL.lookup.named, { id }),
    wide: () => db.all(SQL.wide),
    transfer: (id) =>
      db.transaction(async (tx) => {
        await tx.one(SQL.balance.named, { id });
        await tx.execute(SQL.credit.named, { id });
      }),
    stream: async (onRow: (row: Row) => void) => {
      for await (const row of db.stream<Row>(SQL.stream)) onRow(row);
    },
    close: () => db.close(),
  };
  if (options.variant === "query") client.wideArrays = async () => (await db.query(SQL.wide)).rows;
  if (typeof db.insertMany === "function") {
    client.insertBulk = async (rows: BulkRow[]) => {
      const count = await db.insertMany!("bench_bulk", rows);
      if (count !== rows.length) throw new Error(`insertMany reported ${count} rows, expected ${rows.length}`);
    };
  }
  return client;
}

/** True when this polysql build has `db.insertMany` (scenario 5 is skipped otherwise). */
export async function polysqlHasInsertMany(): Promise<boolean> {
  const { Database: DatabaseClass } = await polysqlModule<typeof import("../../src/database.js")>("database.js");
  return typeof (DatabaseClass.prototype as { insertMany?: unknown }).insertMany === "function";
}
