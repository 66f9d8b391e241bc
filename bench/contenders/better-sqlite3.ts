import Database from "better-sqlite3";
import { BULK_COLUMNS, SQL, URLS, type BulkRow, type Client, type OpenOptions, type Row } from "../lib/types.js";
import { utcText } from "../lib/data.js";

/** Raw better-sqlite3: prepared statements, synchronous calls (the limit on SQLite). */
export async function openBetterSqlite3(options: OpenOptions): Promise<Client> {
  const db = new Database(URLS.sqlite);
  db.pragma("foreign_keys = ON");
  db.pragma("journal_mode = WAL");
  const lookup = db.prepare(SQL.lookup.question);
  const wide = db.prepare(SQL.wide);
  const balance = db.prepare(SQL.balance.question);
  const credit = db.prepare(SQL.credit.question);
  const transfer = db.transaction((id: number) => {
    balance.get(id);
    credit.run(id);
  });
  const insert = db.prepare(`INSERT INTO bench_bulk (${BULK_COLUMNS.join(", ")}) VALUES (?, ?, ?, ?, ?)`);
  const insertAll = db.transaction((rows: BulkRow[]) => {
    for (const r of rows) insert.run(r.id, r.name, r.qty, r.price, utcText(r.created_at));
  });
  const stream = db.prepare(SQL.stream);
  // Variant "raw": the wide rows as arrays (a statement of its own: raw() is a statement's mode).
  const wideRaw = db.prepare(SQL.wide).raw(true);
  const client: Client = {
    lookup: async (id) => lookup.get(id) as Row | undefined,
    wide: async () => wide.all() as Row[],
    transfer: async (id) => transfer(id),
    insertBulk: async (rows) => insertAll(rows),
    stream: async (onRow) => {
      for (const row of stream.iterate()) onRow(row as Row);
    },
    close: async () => {
      db.close();
    },
  };
  if (options.variant === "raw") client.wideArrays = async () => wideRaw.all() as unknown[][];
  return client;
}
