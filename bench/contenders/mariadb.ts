import * as mariadb from "mariadb";
import { utcText } from "../lib/data.js";
import { BULK_COLUMNS, INSERT_CHUNK, SQL, mysqlConfig, type Client, type OpenOptions, type Row } from "../lib/types.js";

/** Raw `mariadb` connector (polysql's MySQL/MariaDB driver): a pool, text protocol `query`. */
export async function openMariadb(options: OpenOptions): Promise<Client> {
  const pool = mariadb.createPool({ ...mysqlConfig(), connectionLimit: options.pool, minimumIdle: options.pool, timezone: "+00:00" });
  const held = await Promise.all(Array.from({ length: options.pool }, () => pool.getConnection()));
  for (const c of held) await c.release();
  const client: Client = {
    lookup: async (id) => ((await pool.query(SQL.lookup.question, [id])) as Row[])[0],
    wide: async () => [...((await pool.query(SQL.wide)) as Row[])],
    transfer: async (id) => {
      const c = await pool.getConnection();
      try {
        await c.beginTransaction();
        await c.query(SQL.balance.question, [id]);
        await c.query(SQL.credit.question, [id]);
        await c.commit();
      } catch (err) {
        await c.rollback().catch(() => undefined);
        throw err;
      } finally {
        await c.release();
      }
    },
    insertBulk: async (rows) => {
      const c = await pool.getConnection();
      try {
        await c.beginTransaction();
        if (options.variant === "batch") {
          // batch() of 1,000,000 rows overflows the connector's result spread (`rs.push(...rows)`): send 10,000 at a time.
          for (let start = 0; start < rows.length; start += 10_000) {
            await c.batch(
              `INSERT INTO bench_bulk (${BULK_COLUMNS.join(", ")}) VALUES (?, ?, ?, ?, ?)`,
              rows.slice(start, start + 10_000).map((r) => [r.id, r.name, r.qty, r.price, utcText(r.created_at)]),
            );
          }
        } else {
          for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
            const chunk = rows.slice(start, start + INSERT_CHUNK);
            const values: unknown[] = [];
            for (const r of chunk) values.push(r.id, r.name, r.qty, r.price, utcText(r.created_at));
            await c.query(`INSERT INTO bench_bulk (${BULK_COLUMNS.join(", ")}) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")}`, values);
          }
        }
        await c.commit();
      } finally {
        await c.release();
      }
    },
    stream: async (onRow) => {
      const c = await pool.getConnection();
      try {
        for await (const row of c.queryStream(SQL.stream)) onRow(row as Row);
      } finally {
        await c.release();
      }
    },
    close: () => pool.end(),
  };
  if (options.variant === "array") client.wideArrays = async () => [...((await pool.query({ sql: SQL.wide, rowsAsArray: true })) as unknown[][])];
  return client;
}
