import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { connect, PolysqlError, sql, type Database } from "../src/index.js";
import { dropTables, engines, open, serialKey } from "./support/engines.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

for (const engine of engines()) {
  describe(`core query API on ${engine.name}`, () => {
    let db: Database;

    before(async () => {
      db = await open(engine);
      await dropTables(db, "qa_people");
      await db.execute(`CREATE TABLE qa_people (id ${serialKey(engine)}, name VARCHAR(100) NOT NULL, age INTEGER, note TEXT)`);
      for (const [name, age] of [
        ["Ada", 36],
        ["Grace", 45],
        ["Linus", 17],
        ["Edsger", 72],
      ] as const) {
        await db.execute("INSERT INTO qa_people (name, age) VALUES (:name, :age)", { name, age });
      }
    });
    after(async () => {
      await dropTables(db, "qa_people");
      await db.close();
    });

    it("reports its dialect", () => {
      assert.equal(db.engine, engine.name);
    });

    it("all() returns every row as a plain object, with named parameters", async () => {
      const rows = await db.all<{ name: string; age: number }>("SELECT name, age FROM qa_people WHERE age >= :min ORDER BY age", { min: 18 });
      assert.deepEqual(rows, [
        { name: "Ada", age: 36 },
        { name: "Grace", age: 45 },
        { name: "Edsger", age: 72 },
      ]);
    });

    it("all() accepts ? placeholders with an array", async () => {
      const rows = await db.all("SELECT name FROM qa_people WHERE age > ? AND age < ? ORDER BY name", [30, 50]);
      assert.deepEqual(rows, [{ name: "Ada" }, { name: "Grace" }]);
    });

    it("one() returns the first row or undefined", async () => {
      assert.deepEqual(await db.one("SELECT name FROM qa_people WHERE age = :a", { a: 45 }), { name: "Grace" });
      assert.equal(await db.one("SELECT name FROM qa_people WHERE age = :a", { a: 1 }), undefined);
    });

    it("value() returns the first column of the first row; count(*) is a number", async () => {
      assert.equal(await db.value("SELECT count(*) FROM qa_people"), 4);
      assert.equal(await db.value("SELECT name FROM qa_people WHERE age = :a", { a: 999 }), undefined);
    });

    it("execute() reports rowCount and the insertId of an insert where the engine gives one", async () => {
      const inserted = await db.execute("INSERT INTO qa_people (name, age) VALUES (:n, :a)", { n: "Tmp", a: 1 });
      assert.equal(inserted.rowCount, 1);
      if (engine.name !== "postgres") {
        assert.equal(typeof inserted.insertId, "number");
        assert.equal(await db.value("SELECT name FROM qa_people WHERE id = :id", { id: inserted.insertId }), "Tmp");
      }
      const updated = await db.execute("UPDATE qa_people SET note = :n WHERE age < :a", { n: "young", a: 18 });
      assert.equal(updated.rowCount, 2);
      const deleted = await db.execute("DELETE FROM qa_people WHERE name = :n", { n: "Tmp" });
      assert.equal(deleted.rowCount, 1);
    });

    it("the sql tag binds interpolations as values", async () => {
      const name = "Ada";
      assert.deepEqual(await db.one(sql`SELECT age FROM qa_people WHERE name = ${name}`), { age: 36 });
      const ids = [36, 45];
      const rows = await db.all(sql`SELECT name FROM qa_people WHERE age IN (${ids}) ORDER BY name`);
      assert.deepEqual(rows, [{ name: "Ada" }, { name: "Grace" }]);
      const filter = sql`age > ${40}`;
      assert.equal(await db.value(sql`SELECT count(*) FROM qa_people WHERE ${filter}`), 2);
    });

    it("an array bound to IN (:ids) expands, and an empty one is a clear error", async () => {
      const rows = await db.all("SELECT name FROM qa_people WHERE age IN (:ages) ORDER BY name", { ages: [17, 72] });
      assert.deepEqual(rows, [{ name: "Edsger" }, { name: "Linus" }]);
      await assert.rejects(db.all("SELECT 1 FROM qa_people WHERE age IN (:ages)", { ages: [] }), (e: PolysqlError) => {
        assert.equal(e.code, "invalid_parameter");
        assert.match(e.message, /ages/);
        return true;
      });
    });

    it("a missing named parameter is an error naming it, never NULL", async () => {
      await assert.rejects(db.all("SELECT * FROM qa_people WHERE name = :name AND age = :age", { name: "Ada" }), (e: PolysqlError) => {
        assert.equal(e.code, "missing_parameter");
        assert.match(e.message, /age/);
        return true;
      });
    });

    it("values that look like SQL or placeholders are data, never text", async () => {
      const hostile = ["':other'", "$1", "?", "x'; DROP TABLE qa_people; --", ":name", "\\'", '"'];
      for (const v of hostile) {
        assert.equal(await db.value("SELECT :v AS v", { v }), v, `value ${v}`);
        assert.equal(await db.value("SELECT ? AS v", [v]), v);
      }
      assert.equal(await db.value("SELECT count(*) FROM qa_people WHERE name = :n", { n: "x' OR '1'='1" }), 0);
      assert.equal(await db.value("SELECT count(*) FROM qa_people"), 4);
    });

    it("placeholder-like text inside strings and comments is left alone", async () => {
      const row = await db.one("SELECT '12:30:00' AS t, ':name' AS n /* :ghost ? */ -- :ghost2 ?\n, CAST(:real AS INTEGER) AS r", { real: 7 });
      assert.deepEqual(row, { t: "12:30:00", n: ":name", r: 7 });
    });

    it("stream() yields every row in order and stops early without leaking the connection", async () => {
      const names: string[] = [];
      for await (const row of db.stream<{ name: string }>("SELECT name FROM qa_people ORDER BY name")) names.push(row.name);
      assert.deepEqual(names, ["Ada", "Edsger", "Grace", "Linus"]);
      for await (const row of db.stream("SELECT name FROM qa_people ORDER BY name", undefined, { batchSize: 1 })) {
        assert.ok(row);
        break;
      }
      assert.equal(db.metrics().active, 0);
      assert.equal(await db.value("SELECT count(*) FROM qa_people"), 4);
    });

    it("stream() holds constant memory over 200,000 generated rows", async () => {
      const series =
        engine.name === "postgres"
          ? "SELECT g AS n, repeat('x', 100) AS pad FROM generate_series(1, :count) AS g"
          : engine.name === "mysql"
            ? "SELECT seq AS n, repeat('x', 100) AS pad FROM seq_1_to_200000 WHERE seq <= :count"
            : "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :count) SELECT n, printf('%.100c', 'x') AS pad FROM s";
      gc();
      const before = process.memoryUsage().heapUsed;
      let count = 0;
      let peak = 0;
      for await (const row of db.stream<{ n: number }>(series, { count: 200_000 })) {
        count++;
        assert.equal(row.n, count);
        if (count % 20_000 === 0) gc(), (peak = Math.max(peak, process.memoryUsage().heapUsed - before));
      }
      assert.equal(count, 200_000);
      // 200k rows of ~120 bytes held at once would be well over 30 MB of heap.
      assert.ok(peak < 8 * 1024 * 1024, `heap grew by ${Math.round(peak / 1024 / 1024)} MB while streaming`);
    });

    it("a stream that fails surfaces a polysql error and releases the connection", async () => {
      const consume = async () => {
        for await (const _ of db.stream("SELECT * FROM qa_no_such_table")) void _;
      };
      await assert.rejects(consume, (e: PolysqlError) => e.code === "undefined_table");
      assert.equal(db.metrics().active, 0);
    });

    it("a statement cached as prepared keeps working after its table changes shape and after a session reset", async () => {
      const one = await open(engine, { pool: { max: 1 } });
      await dropTables(one, "qa_shape");
      await one.execute("CREATE TABLE qa_shape (id INTEGER PRIMARY KEY, a INTEGER)");
      await one.execute("INSERT INTO qa_shape (id, a) VALUES (:id, :a)", { id: 1, a: 10 });
      assert.deepEqual(await one.all("SELECT * FROM qa_shape WHERE id = :id", { id: 1 }), [{ id: 1, a: 10 }]);
      await one.execute("ALTER TABLE qa_shape ADD COLUMN b INTEGER");
      assert.deepEqual(await one.all("SELECT * FROM qa_shape WHERE id = :id", { id: 1 }), [{ id: 1, a: 10, b: null }]);
      // db.connection() marks the session dirty: it is reset (PostgreSQL: DISCARD ALL drops prepared statements).
      await one.connection((conn) => conn.value("SELECT 1"));
      assert.deepEqual(await one.all("SELECT * FROM qa_shape WHERE id = :id", { id: 1 }), [{ id: 1, a: 10, b: null }]);
      await dropTables(one, "qa_shape");
      await one.close();
    });

    it("errors carry the code, the SQL text without values, the engine and the driver cause", async () => {
      await assert.rejects(db.all("SELECT * FROM qa_missing WHERE x = :secret", { secret: "hunter2" }), (e: PolysqlError) => {
        assert.ok(e instanceof PolysqlError);
        assert.equal(e.code, "undefined_table");
        assert.equal(e.engine, engine.name);
        assert.match(e.sql!, /qa_missing/);
        assert.doesNotMatch(`${e.message} ${e.sql}`, /hunter2/);
        assert.ok(e.cause);
        assert.equal(e.transient, false);
        return true;
      });
      await assert.rejects(db.all("SELEC 1"), (e: PolysqlError) => e.code === "syntax_error");
    });
  });
}

describe("connect()", () => {
  it("rejects unknown options and unknown schemes with a config_error", async () => {
    await assert.rejects(connect({ url: "sqlite::memory:", poool: {} } as never), (e: PolysqlError) => {
      assert.equal(e.code, "config_error");
      assert.match(e.message, /poool/);
      return true;
    });
    await assert.rejects(connect("oracle://u:pw@host/db"), (e: PolysqlError) => {
      assert.equal(e.code, "config_error");
      assert.match(e.message, /oracle:\/\/u:\*\*\*@host/);
      assert.doesNotMatch(e.message, /pw/);
      return true;
    });
    await assert.rejects(connect({ url: "sqlite::memory:", pool: { max: 0 } }), /"max" must be at least 1/);
    await assert.rejects(connect({ url: "sqlite::memory:", pool: { maxx: 1 } as never }), /Unknown pool option "maxx"/);
    await assert.rejects(connect({ url: "sqlite::memory:", sqlite: { nope: 1 } }), /Unknown sqlite option "nope"/);
  });

  it("opens sqlite::memory: and file URLs", async () => {
    const mem = await connect("sqlite::memory:");
    assert.equal(await mem.value("SELECT 1 + 1"), 2);
    await mem.close();
  });

  it("fails at connect() when the server refuses, with connection_failure", async () => {
    await assert.rejects(connect({ url: "postgres://u:secretpw@127.0.0.1:1/db", pool: { connectTimeoutMs: 2000 } }), (e: PolysqlError) => {
      assert.equal(e.code, "connection_failure");
      assert.equal(e.transient, true);
      assert.doesNotMatch(e.message, /secretpw/);
      return true;
    });
  });
});
