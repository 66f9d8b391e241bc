import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { json, type PolysqlError, type Database } from "../src/index.js";
import { mysqlDialect } from "../src/dialects/mysql/mysql-dialect.js";
import { postgresDialect } from "../src/dialects/postgres/postgres-dialect.js";
import { sqliteDialect } from "../src/dialects/sqlite/sqlite-dialect.js";
import { dropTables, engines, open, type Engine } from "./support/engines.js";

const TYPES = { sqlite: sqliteDialect.types, postgres: postgresDialect.types, mysql: mysqlDialect.types };
/** Two zones away from UTC, one with a half-hour offset and one with a quarter-hour offset. */
const ZONES = ["America/St_Johns", "Asia/Kathmandu"];
/** Session time zones set away from UTC on the server side. */
const SESSION_ZONE = { sqlite: [], postgres: ["SET TIME ZONE 'Pacific/Chatham'"], mysql: ["SET time_zone = '+09:30'"] };

function schema(engine: Engine): string {
  const t = TYPES[engine.name];
  return `CREATE TABLE vt_values (
    id ${t.SERIAL},
    i ${t.INTEGER}, b ${t.BIGINT}, d ${t.DECIMAL}(12,2), flag ${t.BOOLEAN}, txt ${t.TEXT}, vc ${t.VARCHAR}(40),
    doc ${t.JSON}, uid ${t.UUID}, ts ${t.TIMESTAMP}, day ${t.DATE}, bin ${t.BYTES})`;
}

const instant = new Date("2024-03-10T06:30:15.123Z"); // around a DST change in North America
const cases: { column: string; input: unknown; output: unknown }[] = [
  { column: "i", input: 2147483647, output: 2147483647 },
  { column: "i", input: -42, output: -42 },
  { column: "b", input: 9007199254740991, output: 9007199254740991 },
  { column: "b", input: 10n, output: 10 },
  { column: "d", input: "12345.67", output: "12345.67" },
  { column: "d", input: "0.10", output: "0.10" },
  { column: "d", input: "-3.5", output: "-3.50" },
  { column: "flag", input: true, output: true },
  { column: "flag", input: false, output: false },
  { column: "txt", input: "héllo wörld 🎉👩‍👩‍👧 日本語", output: "héllo wörld 🎉👩‍👩‍👧 日本語" },
  { column: "txt", input: "", output: "" },
  { column: "vc", input: "quote ' and \\ backslash", output: "quote ' and \\ backslash" },
  {
    column: "doc",
    input: { a: 1, nested: { list: [1, "two", null, true] }, emoji: "🎉" },
    output: { a: 1, nested: { list: [1, "two", null, true] }, emoji: "🎉" },
  },
  { column: "doc", input: [1, 2, 3], output: [1, 2, 3] },
  { column: "doc", input: json("just a string"), output: "just a string" },
  { column: "doc", input: json(42.5), output: 42.5 },
  { column: "doc", input: json(null), output: null },
  { column: "uid", input: "5F0C6D4E-8B1A-4C2D-9E3F-0A1B2C3D4E5F", output: "5f0c6d4e-8b1a-4c2d-9e3f-0a1b2c3d4e5f" },
  { column: "ts", input: instant, output: instant },
  { column: "ts", input: new Date("1999-12-31T23:59:59.999Z"), output: new Date("1999-12-31T23:59:59.999Z") },
  { column: "day", input: "2024-02-29", output: "2024-02-29" },
  { column: "day", input: "1970-01-01", output: "1970-01-01" },
  { column: "bin", input: Buffer.from([0, 1, 2, 255, 254, 0]), output: Buffer.from([0, 1, 2, 255, 254, 0]) },
  { column: "bin", input: new Uint8Array([7, 8, 9]), output: Buffer.from([7, 8, 9]) },
];

for (const engine of engines()) {
  describe(`values round-trip on ${engine.name}`, () => {
    let db: Database;
    const originalTz = process.env.TZ;

    before(async () => {
      db = await open(engine, { pool: { max: 1 } });
      await dropTables(db, "vt_values");
      await db.execute(schema(engine));
    });
    after(async () => {
      process.env.TZ = originalTz;
      await dropTables(db, "vt_values");
      await db.close();
    });

    for (const zone of ZONES) {
      it(`every portable type comes back identical with TZ=${zone} and a non-UTC session time zone`, async () => {
        process.env.TZ = zone;
        assert.notEqual(new Date(0).getTimezoneOffset(), 0, "the process time zone is not UTC");
        await db.connection(async (conn) => {
          for (const stmt of SESSION_ZONE[engine.name]) await conn.execute(stmt);
          for (const { column, input, output } of cases) {
            await conn.execute("DELETE FROM vt_values");
            await conn.execute(`INSERT INTO vt_values (${column}) VALUES (:v)`, { v: input });
            const got = await conn.value(`SELECT ${column} FROM vt_values`);
            assert.deepEqual(got, output, `${column} <- ${String(input)}`);
          }
          // A timestamp written in one session time zone reads back as the same instant in another.
          await conn.execute("DELETE FROM vt_values");
          await conn.execute("INSERT INTO vt_values (ts) VALUES (:t)", { t: instant });
        });
        assert.deepEqual(await db.value("SELECT ts FROM vt_values"), instant);
        await db.execute("DELETE FROM vt_values");
      });
    }

    it("NULL comes back as null for every type", async () => {
      await db.execute("INSERT INTO vt_values (i) VALUES (NULL)");
      const row = await db.one<Record<string, unknown>>("SELECT i, b, d, flag, txt, vc, doc, uid, ts, day, bin FROM vt_values");
      assert.deepEqual(Object.values(row!), Array(11).fill(null));
      await db.execute("DELETE FROM vt_values");
    });

    it("count(*), sums of integers and insert ids are numbers", async () => {
      await db.execute("INSERT INTO vt_values (i) VALUES (1), (2), (3)");
      assert.equal(await db.value("SELECT count(*) FROM vt_values"), 3);
      assert.equal(await db.value("SELECT count(*) AS n FROM vt_values WHERE i > :x", { x: 1 }), 2);
      await db.execute("DELETE FROM vt_values");
    });

    it("a BIGINT past 2^53 is an error by default, never a silently rounded number", async () => {
      await db.execute("INSERT INTO vt_values (b) VALUES (:b)", { b: 9007199254740993n });
      await assert.rejects(db.value("SELECT b FROM vt_values"), (e: PolysqlError) => {
        assert.equal(e.code, "data_exception");
        assert.match(e.message, /9007199254740993/);
        return true;
      });
      for (const [mode, expected] of [
        ["bigint", 9007199254740993n],
        ["string", "9007199254740993"],
      ] as const) {
        const other = await open(engine, { bigint: mode });
        assert.deepEqual(await other.value("SELECT b FROM vt_values"), expected);
        assert.deepEqual(await other.value("SELECT count(*) FROM vt_values"), mode === "bigint" ? 1n : "1");
        await other.close();
      }
      await db.execute("DELETE FROM vt_values");
    });

    it("a DECIMAL keeps every digit as a string", async () => {
      await db.execute("INSERT INTO vt_values (d) VALUES (:d)", { d: "9999999999.99" });
      assert.equal(await db.value("SELECT d FROM vt_values"), "9999999999.99");
      await db.execute("DELETE FROM vt_values");
    });

    it("rejects values no engine can bind, naming the parameter", async () => {
      for (const bad of [() => 1, Symbol("s"), NaN, Infinity, new Date("nope"), new Map(), undefined]) {
        await assert.rejects(db.execute("INSERT INTO vt_values (i) VALUES (:v)", { v: bad }), (e: PolysqlError) => {
          assert.ok(e.code === "invalid_parameter" || e.code === "missing_parameter", e.code);
          return true;
        });
      }
      assert.equal(await db.value("SELECT count(*) FROM vt_values"), 0);
    });

    it("an object where a scalar is expected matches nothing (Knex CVE-2016-20018 shape)", async () => {
      await db.execute("INSERT INTO vt_values (vc) VALUES ('admin')");
      const rows = await db.all("SELECT id FROM vt_values WHERE vc = :s", { s: { vc: "admin" } });
      assert.deepEqual(rows, []);
      const rows2 = await db.all("SELECT id FROM vt_values WHERE vc = ?", [{ vc: "admin" }]);
      assert.deepEqual(rows2, []);
      await db.execute("DELETE FROM vt_values");
    });

    it("column aliases cannot pollute rows or run code (CVE-2017-16082, __proto__)", async () => {
      const evil = "\\'+console.log(process.pid)+\\'";
      const q = engine.name === "mysql" ? "`" : '"';
      const row = await db.one<Record<string, unknown>>(`SELECT 1 AS ${q}__proto__${q}, 2 AS ${q}constructor${q}, 3 AS ${q}${evil}${q}, 4 AS ${q}toString${q}`);
      assert.ok(row);
      assert.equal(Object.getPrototypeOf(row), Object.prototype);
      assert.deepEqual(Object.keys(row), ["__proto__", "constructor", evil, "toString"]);
      assert.equal(Object.getOwnPropertyDescriptor(row, "__proto__")?.value, 1);
      assert.equal(row.constructor, 2);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it("duplicate column names: the last one wins, on every engine", async () => {
      const row = await db.one("SELECT 1 AS x, 2 AS x");
      assert.deepEqual(row, { x: 2 });
    });
  });
}
