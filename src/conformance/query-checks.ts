import { quoteIdentifier, sql } from "../index.js";
import type { ConformanceCheck } from "./conformance-check.js";
import { expectCode, expectEqual, ensure } from "./expect.js";
import { people } from "./fixtures.js";

const area = "queries";

/** Queries and parameters: named, positional, IN lists, missing ones, the sql tag, data never becoming SQL. */
export const QUERY_CHECKS: ConformanceCheck[] = [
  {
    area,
    name: "named parameters bind by name, in any order, and may repeat",
    async run(ctx) {
      const t = await people(ctx);
      const rows = await ctx.db.all(`SELECT name FROM ${t} WHERE age >= :min AND age <= :max ORDER BY id`, { max: 50, min: 18 });
      expectEqual(rows, [{ name: "Ada" }, { name: "Grace" }], "all() with :min and :max");
      const again = await ctx.db.all(`SELECT id FROM ${t} WHERE id = :x OR age = :x * 9 ORDER BY id`, { x: 4 });
      expectEqual(again, [{ id: 1 }, { id: 4 }], "a repeated :x");
    },
  },
  {
    area,
    name: "? placeholders bind from an array in order",
    async run(ctx) {
      const t = await people(ctx);
      expectEqual(
        await ctx.db.all(`SELECT name FROM ${t} WHERE age > ? AND name <> ? ORDER BY id`, [20, "Grace"]),
        [{ name: "Ada" }, { name: "Edsger" }],
        "all() with ?",
      );
    },
  },
  {
    area,
    name: "one() returns the first row or undefined; value() the first column, count(*) as a number",
    async run(ctx) {
      const t = await people(ctx);
      expectEqual(await ctx.db.one(`SELECT id, name FROM ${t} WHERE id = :id`, { id: 2 }), { id: 2, name: "Grace" }, "one() of id 2");
      expectEqual(await ctx.db.one(`SELECT id FROM ${t} WHERE id = :id`, { id: 99 }), undefined, "one() of a missing id");
      expectEqual(await ctx.db.value(`SELECT count(*) FROM ${t}`), 4, "value() of count(*)");
      expectEqual(await ctx.db.value(`SELECT id FROM ${t} WHERE id = 99`), undefined, "value() with no row");
    },
  },
  {
    area,
    name: "execute() reports the affected row count",
    async run(ctx) {
      const t = await people(ctx);
      expectEqual((await ctx.db.execute(`UPDATE ${t} SET age = age + 1 WHERE age > :a`, { a: 40 })).rowCount, 2, "rowCount of an UPDATE of 2 rows");
      expectEqual((await ctx.db.execute(`DELETE FROM ${t} WHERE id = :id`, { id: 3 })).rowCount, 1, "rowCount of a DELETE of 1 row");
      expectEqual((await ctx.db.execute(`INSERT INTO ${t} (id, name, age) VALUES (:id, :n, NULL)`, { id: 9, n: "Tmp" })).rowCount, 1, "rowCount of an INSERT");
    },
  },
  {
    area,
    name: "an array bound to IN (:ids) expands; an empty one is an invalid_parameter error",
    async run(ctx) {
      const t = await people(ctx);
      expectEqual(
        await ctx.db.all(`SELECT name FROM ${t} WHERE age IN (:ages) ORDER BY id`, { ages: [17, 72] }),
        [{ name: "Linus" }, { name: "Edsger" }],
        "IN (:ages)",
      );
      expectEqual(await ctx.db.all(`SELECT name FROM ${t} WHERE id IN (?) ORDER BY id`, [[2]]), [{ name: "Grace" }], "IN (?) with one item");
      await expectCode(ctx.db.all(`SELECT 1 FROM ${t} WHERE age IN (:ages)`, { ages: [] }), "invalid_parameter", "IN with an empty array");
    },
  },
  {
    area,
    name: "a missing named parameter is a missing_parameter error, never NULL",
    async run(ctx) {
      const t = await people(ctx);
      const e = await expectCode(ctx.db.all(`SELECT * FROM ${t} WHERE name = :name AND age = :age`, { name: "Ada" }), "missing_parameter", "leaving out :age");
      ensure(/age/.test(e.message), `the error names the parameter: ${e.message}`);
    },
  },
  {
    area,
    name: "the sql tag binds interpolations as values, arrays as IN lists, nested queries as SQL",
    async run(ctx) {
      const t = await people(ctx);
      const table = sql.id(t);
      expectEqual(await ctx.db.one(sql`SELECT age FROM ${table} WHERE name = ${"Ada"}`), { age: 36 }, "a bound name");
      const filter = sql`age > ${40}`;
      expectEqual(await ctx.db.value(sql`SELECT count(*) FROM ${table} WHERE ${filter} AND id IN (${[2, 3, 4]})`), 2, "a nested filter and an IN list");
    },
  },
  {
    area,
    name: "values that look like SQL or placeholders are stored as data",
    async run(ctx) {
      const t = await people(ctx);
      const hostile = ["x'); DROP TABLE people; --", "':other'", "$1", "?", ":name", "\\'", '"'];
      for (const [i, name] of hostile.entries()) {
        await ctx.db.execute(`INSERT INTO ${t} (id, name, age) VALUES (:id, :name, NULL)`, { id: 10 + i, name });
        expectEqual(await ctx.db.value(`SELECT name FROM ${t} WHERE id = ?`, [10 + i]), name, `the value ${JSON.stringify(name)}`);
      }
      expectEqual(await ctx.db.value(`SELECT count(*) FROM ${t} WHERE name = :n`, { n: "x' OR '1'='1" }), 0, "an injection attempt matches nothing");
    },
  },
  {
    area,
    name: "placeholder-like text in string literals and comments is left alone",
    async run(ctx) {
      const t = await people(ctx);
      const row = await ctx.db.one(`SELECT '12:30:00' AS t, ':name?' AS n /* :ghost ? */ FROM ${t} -- :ghost2 ?\nWHERE id = :id`, { id: 1 });
      expectEqual(row, { t: "12:30:00", n: ":name?" }, "literals with colons and question marks");
    },
  },
  {
    area,
    name: "rows are plain objects; a column named __proto__ is data",
    async run(ctx) {
      const t = await people(ctx);
      const q = (name: string) => quoteIdentifier(ctx.backend.dialect.syntax, name);
      const row = await ctx.db.one<Record<string, unknown>>(`SELECT id AS ${q("__proto__")}, name AS ${q("constructor")} FROM ${t} WHERE id = 1`);
      ensure(row !== undefined, "one() returned no row");
      ensure(Object.getPrototypeOf(row) === Object.prototype, "the row is not a plain object");
      expectEqual(Object.keys(row), ["__proto__", "constructor"], "the row's keys");
      expectEqual([row["__proto__"], row["constructor"]], [1, "Ada"], "the row's values");
    },
  },
];
