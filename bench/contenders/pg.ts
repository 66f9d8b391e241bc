import { createRequire } from "node:module";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { BULK_COLUMNS, INSERT_CHUNK, SQL, URLS, type BulkRow, type Client, type OpenOptions, type Row } from "../lib/types.js";

interface Cursor {
  read(rows: number, cb: (err: Error | undefined, rows: Row[]) => void): void;
  close(): Promise<void>;
}
const require = createRequire(import.meta.url);
const PgCursor = require("pg-cursor") as new (text: string, values?: unknown[]) => Cursor;

/** Raw `pg` (node-postgres): one Client for serial work, a pg.Pool otherwise. */
export async function openPg(options: OpenOptions): Promise<Client> {
  const pool = new pg.Pool({ connectionString: URLS.postgres, max: options.pool, min: options.pool });
  // An idle client dropped by the server (e.g. a test suite terminating backends) must not crash the run.
  pool.on("error", () => undefined);
  const held = await Promise.all(Array.from({ length: options.pool }, () => pool.connect()));
  for (const c of held) c.release();
  // Variant "prepared": named statements, parsed once per connection (what postgres.js does by default).
  const prepared = options.variant === "prepared";
  const q = (name: string, text: string, values: unknown[]) => (prepared ? { name, text, values } : { text, values });
  const client: Client = {
    lookup: async (id) => (await pool.query(q("lookup", SQL.lookup.dollar, [id]))).rows[0],
    wide: async () => (await pool.query(q("wide", SQL.wide, []))).rows,
    transfer: async (id) => {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        await c.query(q("balance", SQL.balance.dollar, [id]));
        await c.query(q("credit", SQL.credit.dollar, [id]));
        await c.query("COMMIT");
      } catch (err) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    },
    insertBulk: async (rows) => (options.variant === "copy" ? copy(pool, rows) : multiRow(pool, rows)),
    stream: async (onRow) => {
      const c = await pool.connect();
      try {
        const cursor = c.query(new PgCursor(SQL.stream) as never) as unknown as Cursor;
        for (;;) {
          const rows = await new Promise<Row[]>((resolve, reject) => cursor.read(500, (err, r) => (err ? reject(err) : resolve(r))));
          if (rows.length === 0) break;
          for (const row of rows) onRow(row);
        }
        await cursor.close();
      } finally {
        c.release();
      }
    },
    close: () => pool.end(),
  };
  if (options.variant === "array") client.wideArrays = async () => (await pool.query({ text: SQL.wide, values: [], rowMode: "array" })).rows;
  return client;
}

/** `COPY ... FROM STDIN` in text format, rows encoded in 64 KiB-ish chunks. */
async function copy(pool: pg.Pool, rows: BulkRow[]): Promise<void> {
  const c = await pool.connect();
  try {
    const sink = c.query(copyFrom(`COPY bench_bulk (${BULK_COLUMNS.join(", ")}) FROM STDIN`));
    function* lines(): Generator<string> {
      let buf = "";
      for (const r of rows) {
        buf += `${r.id}\t${escapeCopy(r.name)}\t${r.qty}\t${r.price}\t${r.created_at.toISOString()}\n`;
        if (buf.length > 65_536) {
          yield buf;
          buf = "";
        }
      }
      if (buf !== "") yield buf;
    }
    await pipeline(Readable.from(lines()), sink);
  } finally {
    c.release();
  }
}

function escapeCopy(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r") : text;
}

/** Multi-row `INSERT ... VALUES ($1..), (...)` of INSERT_CHUNK rows per statement, in one transaction. */
async function multiRow(pool: pg.Pool, rows: BulkRow[]): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const chunk = rows.slice(start, start + INSERT_CHUNK);
      const values: unknown[] = [];
      const tuples: string[] = [];
      for (const r of chunk) {
        const n = values.push(r.id, r.name, r.qty, r.price, r.created_at);
        tuples.push(`($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`);
      }
      await c.query(`INSERT INTO bench_bulk (${BULK_COLUMNS.join(", ")}) VALUES ${tuples.join(", ")}`, values);
    }
    await c.query("COMMIT");
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
