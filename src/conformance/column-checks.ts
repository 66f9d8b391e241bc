import { quoteIdentifier, type ArrayStream, type ResultColumn } from "../index.js";
import type { PortableType } from "../dialects/index.js";
import type { CheckContext, ConformanceCheck } from "./conformance-check.js";
import { ensure, expectCode, expectEqual } from "./expect.js";
import { createTable, people } from "./fixtures.js";

const area = "columns";

/** A name quoted for the database under test. */
const id = (ctx: CheckContext, name: string) => quoteIdentifier(ctx.db.dialect.syntax, name);
const names = (columns: readonly ResultColumn[] | undefined) => columns?.map((c) => c.name);

/** One value of every portable type, as bound. */
const EVERY_TYPE: [PortableType, string, unknown][] = [
  ["INTEGER", "", -42],
  ["BIGINT", "", 9007199254740991],
  ["DECIMAL", "(12,2)", "12345.6"],
  ["BOOLEAN", "", true],
  ["TEXT", "", "héllo 🎉"],
  ["VARCHAR", "(20)", "it's"],
  ["JSON", "", { a: [1, "two", null] }],
  ["UUID", "", "5F0C6D4E-8B1A-4C2D-9E3F-0A1B2C3D4E5F"],
  ["TIMESTAMP", "", new Date("2024-03-10T06:30:15.123Z")],
  ["DATE", "", "2024-02-29"],
  ["BYTES", "", Buffer.from([0, 1, 255])],
];

/** Columns by position: value(), query(), array streams, duplicate and integer-like names, duplicateColumns. */
export const COLUMN_CHECKS: ConformanceCheck[] = [
  {
    area,
    name: "value() reads the first column by position, whatever the names",
    async run(ctx) {
      expectEqual(await ctx.db.value("SELECT 1 + 1, 2 + 2"), 2, "value() of two unaliased expressions");
      expectEqual(await ctx.db.value("SELECT 'first' AS name, 7"), "first", "value() before an unaliased integer");
      expectEqual(await ctx.db.value(`SELECT 'first' AS name, 7 AS ${id(ctx, "7")}`), "first", "value() before a column named 7");
      expectEqual(await ctx.db.value("SELECT 1 AS a, 2 AS a"), 1, "value() of two columns named a");
    },
  },
  {
    area,
    name: "query() returns every column in select-list order, duplicate and integer-like names included",
    async run(ctx) {
      const t = await people(ctx);
      const result = await ctx.db.query(`SELECT id AS a, name AS a, age AS ${id(ctx, "7")}, 1 + 1 FROM ${t} WHERE id = :id`, { id: 1 });
      expectEqual(names(result.columns)?.slice(0, 3), ["a", "a", "7"], "query()'s column names");
      expectEqual(result.columns.length, 4, "query()'s column count (the unaliased expression included)");
      for (const c of result.columns)
        ensure(c.type === undefined || (typeof c.type === "string" && c.type !== ""), `column ${c.name}'s type is ${String(c.type)}`);
      expectEqual(result.rows, [[1, "Ada", 36, 2]], "query()'s rows");
      expectEqual(result.rowCount, 1, "query()'s rowCount");
    },
  },
  {
    area,
    name: "query() of no rows still lists the columns",
    async run(ctx) {
      const t = await people(ctx);
      const result = await ctx.db.query(`SELECT id, name, age AS id FROM ${t} WHERE id = :id`, { id: 99 });
      expectEqual([names(result.columns), result.rows, result.rowCount], [["id", "name", "id"], [], 0], "query() of a missing id");
      const update = await ctx.db.query(`UPDATE ${t} SET age = age + 1 WHERE age > :a`, { a: 40 });
      expectEqual([update.columns, update.rows, update.rowCount], [[], [], 2], "query() of an UPDATE of 2 rows");
    },
  },
  {
    area,
    name: "query() decodes every portable type as all() does",
    async run(ctx) {
      const columns = EVERY_TYPE.map(([type, args], i) => `c${i} ${ctx.type(type)}${args}`).join(", ");
      const t = await createTable(ctx, "every_type", `id ${ctx.type("INTEGER")} PRIMARY KEY, ${columns}`);
      const list = EVERY_TYPE.map((_, i) => `c${i}`).join(", ");
      const params = Object.fromEntries(EVERY_TYPE.map(([, , v], i) => [`c${i}`, v]));
      await ctx.db.execute(`INSERT INTO ${t} (id, ${list}) VALUES (1, ${EVERY_TYPE.map((_, i) => `:c${i}`).join(", ")})`, params);
      await ctx.db.execute(`INSERT INTO ${t} (id) VALUES (2)`);
      const sql = `SELECT id, ${list} FROM ${t} ORDER BY id`;
      const objects = await ctx.db.all(sql);
      const result = await ctx.db.query(sql);
      const keys = ["id", ...EVERY_TYPE.map((_, i) => `c${i}`)];
      expectEqual(names(result.columns), keys, "query()'s column names");
      expectEqual(
        result.rows,
        objects.map((row) => keys.map((k) => row[k])),
        "query()'s rows against all()'s",
      );
      ensure(result.rows[0][1 + EVERY_TYPE.findIndex(([type]) => type === "TIMESTAMP")] instanceof Date, "a TIMESTAMP through query() is not a Date");
    },
  },
  {
    area,
    name: "query() in a transaction sees the transaction's writes",
    async run(ctx) {
      const t = await createTable(ctx, "query_tx", `id ${ctx.type("INTEGER")} PRIMARY KEY, flag ${ctx.type("BOOLEAN")}`);
      const seen = await ctx.db.transaction(async (tx) => {
        expectEqual((await tx.query(`INSERT INTO ${t} (id, flag) VALUES (1, :f), (2, :t)`, { f: false, t: true })).rowCount, 2, "rowCount of an INSERT");
        return tx.query(`SELECT id, flag, id FROM ${t} ORDER BY id`);
      });
      expectEqual(
        [names(seen.columns), seen.rows],
        [
          ["id", "flag", "id"],
          [
            [1, false, 1],
            [2, true, 2],
          ],
        ],
        "query() inside the transaction",
      );
    },
  },
  {
    area,
    name: 'row objects: the last of a duplicate name wins; duplicateColumns: "error" makes it a duplicate_column error',
    async run(ctx) {
      expectEqual(await ctx.db.one("SELECT 1 AS a, 2 AS a, 3 AS b"), { a: 2, b: 3 }, "one() with two columns named a");
      await ctx.withDatabase({ duplicateColumns: "error" }, async (db) => {
        const e = await expectCode(db.all("SELECT 1 AS a, 2 AS a, 3 AS b"), "duplicate_column", "all() with two columns named a");
        ensure(/"a"/.test(e.message) && e.column === "a", `the error names the column: ${e.message}`);
        await expectCode(db.one("SELECT 1 AS a, 2 AS a WHERE 1 = 0"), "duplicate_column", "one() of no rows with two columns named a");
        const consume = async () => {
          for await (const _ of db.stream("SELECT 1 AS a, 2 AS a")) void _;
        };
        await expectCode(consume, "duplicate_column", "stream() with two columns named a");
        expectEqual(await db.one("SELECT 1 AS a, 2 AS b"), { a: 1, b: 2 }, "one() with distinct names");
        expectEqual((await db.query("SELECT 1 AS a, 2 AS a")).rows, [[1, 2]], "query() with two columns named a");
        expectEqual(await db.value("SELECT 1 AS a, 2 AS a"), 1, "value() with two columns named a");
      });
    },
  },
  {
    area,
    name: "an integer-like column name comes first in a row object (JavaScript's key order) and in place in query()",
    async run(ctx) {
      const sql = `SELECT 'x' AS name, 7 AS ${id(ctx, "7")}`;
      expectEqual(Object.keys((await ctx.db.one(sql)) ?? {}), ["7", "name"], "the row object's keys");
      expectEqual(names((await ctx.db.query(sql)).columns), ["name", "7"], "query()'s column names");
    },
  },
  {
    area,
    name: 'stream() with rowMode: "array" yields arrays in select-list order, its columns known before the first row',
    async run(ctx) {
      const t = await people(ctx);
      const stream: ArrayStream = ctx.db.stream(`SELECT id, name AS id FROM ${t} ORDER BY ${t}.id`, undefined, { rowMode: "array", batchSize: 3 });
      const rows: unknown[][] = [];
      for await (const row of stream) {
        if (rows.length === 0) expectEqual(names(stream.columns), ["id", "id"], "the stream's columns at the first row");
        rows.push(row);
      }
      expectEqual(
        rows,
        [
          [1, "Ada"],
          [2, "Grace"],
          [3, "Linus"],
          [4, "Edsger"],
        ],
        "rows streamed as arrays",
      );
      const empty = ctx.db.stream(`SELECT name, age FROM ${t} WHERE id = 99`, undefined, { rowMode: "array" });
      for await (const row of empty) expectEqual(row, undefined, "a row of an empty stream");
      expectEqual(names(empty.columns), ["name", "age"], "the columns of a stream of no rows, once it ended");
      const inTx = await ctx.db.transaction(async (tx) => {
        const out: unknown[][] = [];
        for await (const row of tx.stream(`SELECT age, id FROM ${t} WHERE id <= 2 ORDER BY id`, undefined, { rowMode: "array" })) out.push(row);
        return out;
      });
      expectEqual(
        inTx,
        [
          [36, 1],
          [45, 2],
        ],
        "an array stream inside a transaction",
      );
    },
  },
];
