import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { connect, quoteIdentifier, registerBackend, unregisterBackend, type Database, type PolysqlError, type ResultColumn, type Row } from "../src/index.js";
import { backendByName, type BackendDefinition, type DriverResult } from "../src/dialects/index.js";
import { dropTables, engines, open, type Engine } from "./support/engines.js";

const names = (columns: readonly ResultColumn[] | undefined) => columns?.map((c) => c.name);

/** The engine's type name of a column of each portable type, as `query()` reports it (README, "Rows and columns"). */
const TYPE_NAMES: Record<Engine["name"], Record<string, string>> = {
  sqlite: { i: "INTEGER", d: "DECIMAL_TEXT(12,2)", flag: "BOOLEAN", txt: "TEXT", ts: "TIMESTAMP", doc: "JSON_TEXT", bin: "BLOB" },
  postgres: { i: "int4", d: "numeric", flag: "bool", txt: "text", ts: "timestamptz", doc: "jsonb", bin: "bytea" },
  mysql: { i: "INT", d: "NEWDECIMAL", flag: "TINY", txt: "TEXT", ts: "DATETIME", doc: "JSON", bin: "BLOB" },
};

for (const engine of engines()) {
  describe(`rows and columns by position on ${engine.name}`, () => {
    let db: Database;
    const id = (name: string) => quoteIdentifier(db.dialect.syntax, name);

    before(async () => {
      db = await open(engine);
      await dropTables(db, "rc_types", "rc_people");
      const t = db.dialect.types;
      await db.execute(`CREATE TABLE rc_people (id ${t.INTEGER} PRIMARY KEY, name ${t.VARCHAR}(40) NOT NULL, age ${t.INTEGER})`);
      await db.execute("INSERT INTO rc_people (id, name, age) VALUES (1, 'Ada', 36), (2, 'Grace', 45), (3, 'Linus', 17)");
      await db.execute(`CREATE TABLE rc_types (id ${t.INTEGER} PRIMARY KEY, i ${t.INTEGER}, b ${t.BIGINT}, d ${t.DECIMAL}(12,2), flag ${t.BOOLEAN},
        txt ${t.TEXT}, vc ${t.VARCHAR}(40), doc ${t.JSON}, uid ${t.UUID}, ts ${t.TIMESTAMP}, day ${t.DATE}, bin ${t.BYTES})`);
      await db.execute(
        `INSERT INTO rc_types (id, i, b, d, flag, txt, vc, doc, uid, ts, day, bin)
         VALUES (1, :i, :b, :d, :flag, :txt, :vc, :doc, :uid, :ts, :day, :bin), (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
        {
          i: -42,
          b: 9007199254740991n,
          d: "-3.5",
          flag: false,
          txt: "héllo 🎉",
          vc: "it's",
          doc: { a: [1, "two", null] },
          uid: "5F0C6D4E-8B1A-4C2D-9E3F-0A1B2C3D4E5F",
          ts: new Date("2024-03-10T06:30:15.123Z"),
          day: "2024-02-29",
          bin: Buffer.from([0, 1, 255]),
        },
      );
    });
    after(async () => {
      await dropTables(db, "rc_types", "rc_people");
      await db.close();
    });

    // Regression: value() took the row object's first key. PostgreSQL names both expressions
    // ?column?, so the key held the last value (4); an integer-like key ("7") sorts first in JS.
    it("value() returns the first column by position: unaliased expressions, integer-like aliases, duplicate names", async () => {
      assert.equal(await db.value("SELECT 1 + 1, 2 + 2"), 2);
      assert.equal(await db.value("SELECT 'first' AS name, 7"), "first");
      assert.equal(await db.value(`SELECT 'first' AS name, 7 AS ${id("7")}, 8 AS ${id("0")}`), "first");
      assert.equal(await db.value("SELECT 1 AS a, 2 AS a"), 1);
      assert.equal(await db.value("SELECT name, id AS name FROM rc_people WHERE id = :id", { id: 2 }), "Grace");
      assert.equal(await db.value("SELECT name FROM rc_people WHERE id = :id", { id: 99 }), undefined);
      await db.transaction(async (tx) => assert.equal(await tx.value("SELECT 3 + 3, 1 + 1"), 6));
    });

    it("query() returns every column in select-list order with the rows as arrays: duplicates, integer-like names, unaliased expressions", async () => {
      const result = await db.query("SELECT id AS a, name AS a, age AS " + id("7") + ", 1 + 1, 2 + 2 FROM rc_people WHERE id <= :max ORDER BY id", { max: 2 });
      assert.deepEqual(names(result.columns)?.slice(0, 3), ["a", "a", "7"]);
      assert.equal(result.columns.length, 5);
      if (engine.name === "postgres") assert.deepEqual(names(result.columns)?.slice(3), ["?column?", "?column?"]);
      assert.deepEqual(result.rows, [
        [1, "Ada", 36, 2, 4],
        [2, "Grace", 45, 2, 4],
      ]);
      assert.equal(result.rowCount, 2);
    });

    it("query() of no rows still gives the columns; a statement without a result set gives none and its row count", async () => {
      const empty = await db.query("SELECT id, name, age AS id FROM rc_people WHERE id = :id", { id: 99 });
      assert.deepEqual([names(empty.columns), empty.rows, empty.rowCount], [["id", "name", "id"], [], 0]);
      const updated = await db.query("UPDATE rc_people SET age = age WHERE id >= :id", { id: 2 });
      assert.deepEqual([updated.columns, updated.rows, updated.rowCount], [[], [], 2]);
    });

    it("query() decodes every portable type exactly as all() does, NULLs included, and names the engine's types", async () => {
      const sql = "SELECT id, i, b, d, flag, txt, vc, doc, uid, ts, day, bin FROM rc_types ORDER BY id";
      const objects = await db.all<Row>(sql);
      const result = await db.query(sql);
      const keys = ["id", "i", "b", "d", "flag", "txt", "vc", "doc", "uid", "ts", "day", "bin"];
      assert.deepEqual(names(result.columns), keys);
      assert.deepEqual(
        result.rows,
        objects.map((row) => keys.map((k) => row[k])),
      );
      assert.deepEqual(result.rows[0], [
        1,
        -42,
        9007199254740991,
        "-3.50",
        false,
        "héllo 🎉",
        "it's",
        { a: [1, "two", null] },
        "5f0c6d4e-8b1a-4c2d-9e3f-0a1b2c3d4e5f",
        new Date("2024-03-10T06:30:15.123Z"),
        "2024-02-29",
        Buffer.from([0, 1, 255]),
      ]);
      assert.deepEqual(result.rows[1], [2, ...keys.slice(1).map(() => null)]);
      const types = Object.fromEntries(result.columns.map((c) => [c.name, c.type]));
      for (const [column, type] of Object.entries(TYPE_NAMES[engine.name])) assert.equal(types[column], type, `type of ${column}`);
    });

    it("query() keeps its columns, decoding and errors inside transactions, savepoints and db.connection()", async () => {
      const rolledBack = db.transaction(async (tx) => {
        assert.equal((await tx.query("INSERT INTO rc_people (id, name, age) VALUES (10, 'Tx', 1)")).rowCount, 1);
        const seen = await tx.query("SELECT name, rc_people.id AS name, b FROM rc_people, rc_types WHERE rc_people.id = :p AND rc_types.id = 1", { p: 10 });
        assert.deepEqual([names(seen.columns), seen.rows], [["name", "name", "b"], [["Tx", 10, 9007199254740991]]]);
        await tx.transaction(async (inner) => assert.deepEqual((await inner.query("SELECT 1 AS x, 2 AS x")).rows, [[1, 2]]));
        const error = await tx.query("SELECT * FROM rc_no_such_table").catch((e: PolysqlError) => e);
        assert.equal((error as PolysqlError).code, "undefined_table");
        throw new Error("roll back");
      });
      await assert.rejects(rolledBack, /^Error: roll back$/);
      assert.equal(await db.value("SELECT count(*) FROM rc_people WHERE id = 10"), 0);
      await db.connection(async (conn) => assert.deepEqual((await conn.query("SELECT 2 + 2, 1 + 1")).rows, [[4, 2]]));
    });

    it("row objects: the last of a duplicate name wins, and an integer-like name comes first among the keys", async () => {
      assert.deepEqual(await db.one("SELECT 1 AS a, 2 AS a, 3 AS b"), { a: 2, b: 3 });
      const row = await db.one(`SELECT 'x' AS name, 7 AS ${id("7")}`);
      assert.deepEqual(Object.keys(row ?? {}), ["7", "name"]);
    });

    it('stream(q, params, { rowMode: "array" }) yields arrays, with the columns known before the first row or at the end of an empty stream', async () => {
      const stream = db.stream("SELECT id, name AS id FROM rc_people WHERE id <= 3 ORDER BY rc_people.id", undefined, { rowMode: "array", batchSize: 2 });
      assert.equal(stream.columns, undefined);
      const rows: unknown[][] = [];
      for await (const row of stream) {
        if (rows.length === 0) assert.deepEqual(names(stream.columns), ["id", "id"]);
        rows.push(row);
      }
      assert.deepEqual(rows, [
        [1, "Ada"],
        [2, "Grace"],
        [3, "Linus"],
      ]);
      const empty = db.stream("SELECT age, name FROM rc_people WHERE id = :id", { id: 99 }, { rowMode: "array" });
      for await (const _ of empty) assert.fail("no row expected");
      assert.deepEqual(names(empty.columns), ["age", "name"]);
      const typed = db.stream("SELECT ts, flag, d FROM rc_types WHERE id = 1", undefined, { rowMode: "array" });
      for await (const row of typed) assert.deepEqual(row, [new Date("2024-03-10T06:30:15.123Z"), false, "-3.50"]);
      let seen = 0;
      for await (const _ of db.stream("SELECT id FROM rc_people", undefined, { rowMode: "array", batchSize: 1 })) if (++seen === 1) break;
      assert.equal(db.metrics().active, 0);
      const inTx = await db.transaction(async (tx) => {
        const out: unknown[][] = [];
        for await (const row of tx.stream("SELECT age, id FROM rc_people WHERE id <= 2 ORDER BY id", undefined, { rowMode: "array" })) out.push(row);
        return out;
      });
      assert.deepEqual(inTx, [
        [36, 1],
        [45, 2],
      ]);
      assert.throws(() => db.stream("SELECT 1", undefined, { rowMode: "tuples" as "array" }), /Stream option "rowMode" must be "object" or "array"/);
    });

    it('duplicateColumns: "error" makes a duplicate name a duplicate_column error naming it, for object rows only', async () => {
      const strict = await open(engine, { duplicateColumns: "error" });
      try {
        const error = (await strict.all("SELECT id, name, age AS name FROM rc_people").catch((e: unknown) => e)) as PolysqlError;
        assert.equal(error.code, "duplicate_column");
        assert.equal(error.column, "name");
        assert.equal(error.engine, engine.name);
        assert.match(error.message, /named "name" \(columns: id, name, name\)/);
        assert.match(error.sql ?? "", /age AS name/);
        await assert.rejects(strict.one("SELECT 1 AS a, 2 AS a WHERE 1 = 0"), { code: "duplicate_column" });
        await assert.rejects(
          strict.transaction((tx) => tx.get("rc_people", 1).then(() => tx.one("SELECT id AS x, name AS x FROM rc_people"))),
          { code: "duplicate_column" },
        );
        await assert.rejects(async () => {
          for await (const _ of strict.stream("SELECT id AS x, name AS x FROM rc_people")) void _;
        }, /named "x"/);
        assert.deepEqual(await strict.one("SELECT name, age FROM rc_people WHERE id = 1"), { name: "Ada", age: 36 });
        assert.deepEqual(await strict.get("rc_people", 2), { id: 2, name: "Grace", age: 45 });
        const rows: Row[] = [];
        for await (const row of strict.stream<Row>("SELECT id, name FROM rc_people WHERE id <= 2 ORDER BY id")) rows.push(row);
        assert.deepEqual(rows, [
          { id: 1, name: "Ada" },
          { id: 2, name: "Grace" },
        ]);
        // Positional results keep every column.
        assert.deepEqual((await strict.query("SELECT 1 AS a, 2 AS a")).rows, [[1, 2]]);
        assert.equal(await strict.value("SELECT 1 AS a, 2 AS a"), 1);
        assert.equal(strict.metrics().active, 0);
      } finally {
        await strict.close();
      }
    });
  });
}

describe("rows and columns: options and old drivers", () => {
  it('connect() accepts duplicateColumns "last" and "error" only', async () => {
    await assert.rejects(connect({ url: "sqlite::memory:", duplicateColumns: "first" as "last" }), /Option "duplicateColumns" must be one of "last", "error"/);
    const db = await connect({ url: "sqlite::memory:", duplicateColumns: "last" });
    assert.deepEqual(await db.one("SELECT 1 AS a, 2 AS a"), { a: 2 });
    await db.close();
  });

  it("a driver that ignores rowMode still answers value(), query() and array streams, from the objects' keys", async () => {
    const sqlite = backendByName("sqlite")!;
    const legacy: BackendDefinition<object> = {
      ...sqlite,
      name: "legacy",
      schemes: ["legacy"],
      parseUrl: (url) => sqlite.parseUrl(url.replace(/^legacy:/, "sqlite:")),
      connect: async (config, values) => {
        const conn = await sqlite.connect(config, values);
        return {
          query: async (sql, params) => (await conn.query(sql, params)) as DriverResult,
          stream: (sql, params, options) => conn.stream(sql, params, { batchSize: options.batchSize }),
          reset: () => conn.reset(),
          close: () => conn.close(),
          onError: (handler) => conn.onError(handler),
        };
      },
    };
    registerBackend(legacy);
    const db = await connect(`legacy:${path.join(mkdtempSync(path.join(tmpdir(), "polysql-rc-")), "legacy.db")}`);
    try {
      assert.equal(await db.value("SELECT 'first' AS name, 'second' AS other"), "first");
      assert.deepEqual(await db.query("SELECT 1 AS a, 'x' AS b"), { columns: [{ name: "a" }, { name: "b" }], rows: [[1, "x"]], rowCount: 1 });
      assert.deepEqual(await db.query("SELECT 1 AS a WHERE 1 = 0"), { columns: [], rows: [], rowCount: 0 });
      const stream = db.stream("SELECT 1 AS a, 'x' AS b", undefined, { rowMode: "array" });
      for await (const row of stream) assert.deepEqual(row, [1, "x"]);
      assert.deepEqual(names(stream.columns), ["a", "b"]);
    } finally {
      await db.close();
      unregisterBackend("legacy");
    }
  });
});
