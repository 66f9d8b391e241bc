import type { Database } from "../database.js";
import type { CheckContext } from "./conformance-check.js";

/** Creates a fresh `cf_<name>` table (dropping a stale one first) and returns its name. */
export async function createTable(ctx: CheckContext, name: string, columns: string, db: Database = ctx.db): Promise<string> {
  const table = ctx.table(name);
  await db.execute(`DROP TABLE IF EXISTS ${table}`);
  await db.execute(`CREATE TABLE ${table} (${columns})`);
  return table;
}

/** The people table most query checks read: four rows, ids 1 to 4. */
export async function people(ctx: CheckContext, db: Database = ctx.db): Promise<string> {
  const table = await createTable(
    ctx,
    "people",
    `id ${ctx.type("INTEGER")} PRIMARY KEY, name ${ctx.type("VARCHAR")}(40) NOT NULL, age ${ctx.type("INTEGER")}`,
    db,
  );
  await db.execute(`INSERT INTO ${table} (id, name, age) VALUES (1, 'Ada', 36), (2, 'Grace', 45), (3, 'Linus', 17), (4, 'Edsger', 72)`);
  return table;
}

/**
 * A query over `count` generated rows `n` = 1..count in order, built by cross
 * joining a table of ten digits (recursive CTEs are capped on some engines:
 * MariaDB stops silently at 1,000 iterations).
 */
export async function series(ctx: CheckContext, count: number, pad = "", db: Database = ctx.db): Promise<{ sql: string; params: { count: number } }> {
  const digits = ctx.table("digits");
  if (!(await db.tableExists(digits))) {
    await db.execute(`CREATE TABLE ${digits} (d ${ctx.type("INTEGER")} NOT NULL)`);
    await db.execute(`INSERT INTO ${digits} (d) VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)`);
  }
  const places = Math.max(1, Math.ceil(Math.log10(count)));
  const aliases = Array.from({ length: places }, (_, i) => `d${i}`);
  const sum = aliases.map((a, i) => (i === 0 ? `${a}.d` : `${10 ** i} * ${a}.d`)).join(" + ");
  const from = aliases.map((a) => `${digits} ${a}`).join(" CROSS JOIN ");
  const extra = pad === "" ? "" : `, '${pad}' AS pad`;
  return { sql: `SELECT n${extra} FROM (SELECT ${sum} + 1 AS n FROM ${from}) s WHERE n <= :count ORDER BY n`, params: { count } };
}
