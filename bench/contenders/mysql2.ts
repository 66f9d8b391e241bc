import mysql from "mysql2/promise";
import { SQL, mysqlConfig, type Client, type OpenOptions, type Row } from "../lib/types.js";

/** Raw `mysql2` (promise API): a pool, text protocol `query` like the mariadb connector. */
export async function openMysql2(options: OpenOptions): Promise<Client> {
  const pool = mysql.createPool({ ...mysqlConfig(), connectionLimit: options.pool, timezone: "Z" });
  const held = await Promise.all(Array.from({ length: options.pool }, () => pool.getConnection()));
  for (const c of held) c.release();
  return {
    lookup: async (id) => ((await pool.query(SQL.lookup.question, [id]))[0] as Row[])[0],
    wide: async () => (await pool.query(SQL.wide))[0] as Row[],
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
        c.release();
      }
    },
    close: () => pool.end(),
  };
}
