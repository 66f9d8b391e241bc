import type { ConformanceCheck } from "./conformance-check.js";
import { ensure, expectEqual } from "./expect.js";
import { createTable } from "./fixtures.js";

const area = "introspection";

/** Introspection: tables(), tableExists(), columns(). */
export const INTROSPECTION_CHECKS: ConformanceCheck[] = [
  {
    area,
    name: "tables() lists user tables, sorted, without system tables",
    async run(ctx) {
      const b = await createTable(ctx, "intro_b", `id ${ctx.type("INTEGER")}`);
      const a = await createTable(ctx, "intro_a", `id ${ctx.type("INTEGER")}`);
      const tables = await ctx.db.tables();
      ensure(tables.includes(a) && tables.includes(b), `tables() must include ${a} and ${b}, got ${JSON.stringify(tables)}`);
      expectEqual(tables.indexOf(a) < tables.indexOf(b), true, `${a} listed before ${b}`);
      expectEqual(
        tables,
        [...tables].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
        "tables() order",
      );
      const system = tables.filter((name) => /^(?:sqlite_|pg_|information_schema|mysql\.)/.test(name));
      expectEqual(system, [], "system tables in tables()");
    },
  },
  {
    area,
    name: "tableExists() is true for a table and false for a missing or dropped one",
    async run(ctx) {
      const t = await createTable(ctx, "intro_exists", `id ${ctx.type("INTEGER")}`);
      expectEqual(await ctx.db.tableExists(t), true, `tableExists("${t}")`);
      expectEqual(await ctx.db.tableExists("cf_no_such_table"), false, `tableExists("cf_no_such_table")`);
      await ctx.db.execute(`DROP TABLE ${t}`);
      expectEqual(await ctx.db.tableExists(t), false, `tableExists("${t}") after DROP TABLE`);
    },
  },
  {
    area,
    name: "columns() reports names in ordinal order, types, nullability and defaults",
    async run(ctx) {
      const t = await createTable(
        ctx,
        "intro_cols",
        `id ${ctx.type("INTEGER")} PRIMARY KEY, name ${ctx.type("VARCHAR")}(40) NOT NULL, note ${ctx.type("TEXT")}, score ${ctx.type("INTEGER")} DEFAULT 7, at ${ctx.type("TIMESTAMP")}`,
      );
      const columns = await ctx.db.columns(t);
      expectEqual(
        columns.map((c) => c.name),
        ["id", "name", "note", "score", "at"],
        "column names",
      );
      expectEqual(
        columns.map((c) => c.nullable),
        [false, false, true, true, true],
        "nullable flags",
      );
      for (const c of columns) ensure(typeof c.type === "string" && c.type !== "", `column ${c.name} has no type: ${JSON.stringify(c.type)}`);
      ensure(/char/i.test(columns[1].type), `the VARCHAR(40) column's type should mention "char", got ${JSON.stringify(columns[1].type)}`);
      ensure(columns[3].default !== undefined && /7/.test(columns[3].default), `score's default should be 7, got ${JSON.stringify(columns[3].default)}`);
      expectEqual([columns[1].default, columns[2].default], [undefined, undefined], "defaults of columns without one");
    },
  },
  {
    area,
    name: "columns() of a missing table is empty",
    async run(ctx) {
      expectEqual(await ctx.db.columns("cf_no_such_table"), [], "columns of a missing table");
    },
  },
  {
    area,
    name: "introspection works inside a transaction",
    async run(ctx) {
      const t = await createTable(ctx, "intro_tx", `id ${ctx.type("INTEGER")}`);
      const [exists, names] = await ctx.db.transaction(async (tx) => [await tx.tableExists(t), (await tx.columns(t)).map((c) => c.name)] as const);
      expectEqual([exists, names], [true, ["id"]], "tableExists and column names inside a transaction");
    },
  },
];
