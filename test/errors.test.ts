import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, ConstraintError, PolysqlError, QueryError, type Database, type ErrorCode } from "../src/index.js";
import { dropTables, engines, open } from "./support/engines.js";

/** Asserts a promise rejects with a polysql error of this code, and returns it. */
async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<PolysqlError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PolysqlError, `expected a PolysqlError, got ${String(err)}`);
    assert.equal(err.code, code, `${err.message}`);
    return err;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

for (const engine of engines()) {
  describe(`error taxonomy on ${engine.name}`, () => {
    let db: Database;
    let other: Database;

    before(async () => {
      db = await open(engine, { pool: { max: 4 } });
      other = await open(engine, engine.name === "sqlite" ? { pool: { max: 2 }, sqlite: { busyTimeoutMs: 50 } } : { pool: { max: 2 } });
      await dropTables(db, "et_child", "et_parent");
      await db.execute("CREATE TABLE et_parent (id INTEGER PRIMARY KEY, email VARCHAR(50) NOT NULL, qty INTEGER, CONSTRAINT et_qty_positive CHECK (qty > 0))");
      await db.execute("CREATE UNIQUE INDEX et_email_unique ON et_parent (email)");
      await db.execute(
        "CREATE TABLE et_child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL, CONSTRAINT et_child_parent_fk FOREIGN KEY (parent_id) REFERENCES et_parent (id))",
      );
      await db.execute("INSERT INTO et_parent (id, email, qty) VALUES (1, 'a@x', 1), (2, 'b@x', 2)");
    });
    after(async () => {
      await dropTables(db, "et_child", "et_parent");
      await other.close();
      await db.close();
    });

    it("unique_violation, with the constraint or table the engine reports", async () => {
      const e = await expectCode(db.execute("INSERT INTO et_parent (id, email, qty) VALUES (3, :e, 1)", { e: "a@x" }), "unique_violation");
      assert.ok(e instanceof ConstraintError);
      assert.equal(e.transient, false);
      if (engine.name === "sqlite") assert.deepEqual([e.table, e.column], ["et_parent", "email"]);
      else assert.equal(e.constraint, "et_email_unique");
      assert.ok(e.cause, "keeps the driver error as cause");
      assert.match(e.stack ?? "", /errors\.test\.ts/, "carries the caller's stack");
    });

    it("foreign_key_violation", async () => {
      const e = await expectCode(db.execute("INSERT INTO et_child (id, parent_id) VALUES (1, 999)"), "foreign_key_violation");
      if (engine.name !== "sqlite") assert.equal(e.constraint, "et_child_parent_fk");
    });

    it("not_null_violation, naming the column", async () => {
      const e = await expectCode(db.execute("INSERT INTO et_parent (id, email, qty) VALUES (4, :e, 1)", { e: null }), "not_null_violation");
      assert.equal(e.column, "email");
    });

    it("check_violation", async () => {
      const e = await expectCode(db.execute("INSERT INTO et_parent (id, email, qty) VALUES (5, 'c@x', -1)"), "check_violation");
      if (engine.name !== "sqlite") assert.equal(e.constraint, "et_qty_positive");
    });

    it("syntax_error, undefined_table, undefined_column", async () => {
      await expectCode(db.all("SELEC * FROM et_parent"), "syntax_error");
      const t = await expectCode(db.all("SELECT * FROM et_nowhere"), "undefined_table");
      assert.ok(t instanceof QueryError);
      await expectCode(db.all("SELECT no_such_column FROM et_parent"), "undefined_column");
    });

    it("duplicate_object when creating what already exists", async () => {
      await expectCode(db.execute("CREATE TABLE et_parent (id INTEGER PRIMARY KEY)"), "duplicate_object");
    });

    it("data_exception", async () => {
      if (engine.name === "postgres") await expectCode(db.value("SELECT CAST(:v AS INTEGER)", { v: "abc" }), "data_exception");
      if (engine.name === "mysql") await expectCode(db.execute("INSERT INTO et_parent (id, email, qty) VALUES (6, 'd@x', :q)", { q: "abc" }), "data_exception");
      if (engine.name === "sqlite") {
        await db.execute("CREATE TABLE IF NOT EXISTS et_strict (n INTEGER) STRICT");
        await expectCode(db.execute("INSERT INTO et_strict (n) VALUES (:v)", { v: "abc" }), "data_exception");
        await db.execute("DROP TABLE et_strict");
      }
    });

    it("several statements in one call are refused the same way on every engine", async () => {
      const e = await expectCode(
        db.execute("INSERT INTO et_parent (id, email, qty) VALUES (7, 'g@x', 1); DELETE FROM et_parent WHERE id = :id", { id: 7 }),
        "syntax_error",
      );
      assert.ok(e instanceof PolysqlError);
      assert.equal(await db.value("SELECT count(*) FROM et_parent WHERE id = 7"), 0, "nothing ran");
    });

    it("missing_parameter and config_error come from polysql itself", async () => {
      await expectCode(db.all("SELECT * FROM et_parent WHERE id = :id", {}), "missing_parameter");
      await expectCode(
        db.transaction(async () => 1, { isolation: "chaos" as never }),
        "config_error",
      );
    });

    it("pool_timeout when every connection stays busy past acquireTimeoutMs", async () => {
      // (SQLite's readers off: a read would not need the writer the transaction holds.)
      const small = await open(engine, { pool: { max: 1, acquireTimeoutMs: 150 }, ...(engine.name === "sqlite" ? { readers: 0 } : {}) });
      const holder = small.transaction(() => sleep(600));
      await sleep(20);
      const started = Date.now();
      const e = await expectCode(small.value("SELECT 1"), "pool_timeout");
      const waited = Date.now() - started;
      assert.ok(waited >= 140 && waited < 400, `timed out after ${waited} ms`);
      assert.equal(e.transient, true);
      await holder;
      await small.close();
    });

    it("connection_failure when the server cannot be reached", async () => {
      const url = engine.name === "sqlite" ? "sqlite:/no/such/dir/x.db" : engine.url.replace(/:\d+\//, ":1/");
      await expectCode(connect({ url, pool: { connectTimeoutMs: 2_000 } }), "connection_failure");
    });

    it("lock_timeout when a row or the database is locked by another session", async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = db.transaction(async (tx) => {
        await tx.execute("UPDATE et_parent SET qty = 10 WHERE id = 1");
        locked();
        await held;
      });
      await isLocked;
      try {
        const contender = other.transaction(async (tx) => {
          if (engine.name === "postgres") await tx.execute("SET LOCAL lock_timeout = '100ms'");
          if (engine.name === "mysql") await tx.execute("SET SESSION innodb_lock_wait_timeout = 1");
          await tx.execute("UPDATE et_parent SET qty = 20 WHERE id = 1");
        });
        const e = await expectCode(contender, "lock_timeout");
        assert.equal(e.transient, true);
      } finally {
        release();
        await holder;
      }
    });

    it("deadlock, or serialization_failure, where the engine can produce one", {
      skip: engine.name === "sqlite" && "SQLite writers take the lock up front (BEGIN IMMEDIATE): contention is lock_timeout",
    }, async () => {
      let step!: () => void;
      const bothLocked = new Promise<void>((r) => (step = r));
      let count = 0;
      const arrive = () => ++count === 2 && step();
      const a = db.transaction(async (tx) => {
        await tx.execute("UPDATE et_parent SET qty = 3 WHERE id = 1");
        arrive();
        await bothLocked;
        await tx.execute("UPDATE et_parent SET qty = 3 WHERE id = 2");
      });
      const b = other.transaction(async (tx) => {
        await tx.execute("UPDATE et_parent SET qty = 4 WHERE id = 2");
        arrive();
        await bothLocked;
        await tx.execute("UPDATE et_parent SET qty = 4 WHERE id = 1");
      });
      const results = await Promise.allSettled([a, b]);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      assert.equal(failures.length, 1, "exactly one side is chosen as the victim");
      assert.equal(failures[0].reason.code, "deadlock");
      assert.equal(failures[0].reason.transient, true);
    });

    it("serialization_failure under SERIALIZABLE write skew", {
      skip: engine.name !== "postgres" && "only PostgreSQL reports serialization failures (MariaDB uses locks; SQLite has one writer)",
    }, async () => {
      let step!: () => void;
      const bothRead = new Promise<void>((r) => (step = r));
      let count = 0;
      const arrive = () => ++count === 2 && step();
      const txn = (target: Database, id: number) =>
        target.transaction(
          async (tx) => {
            await tx.value("SELECT sum(qty) FROM et_parent");
            arrive();
            await bothRead;
            await tx.execute("UPDATE et_parent SET qty = qty + 1 WHERE id = :id", { id });
          },
          { isolation: "serializable" },
        );
      const results = await Promise.allSettled([txn(db, 1), txn(other, 2)]);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      assert.equal(failures.length, 1);
      assert.equal(failures[0].reason.code, "serialization_failure");
    });

    it("query_timeout when a statement runs past the engine's limit", { skip: engine.name === "sqlite" && "SQLite has no statement timeout" }, async () => {
      const stmt = engine.name === "postgres" ? "SELECT pg_sleep(2)" : "SET STATEMENT max_statement_time = 0.1 FOR SELECT SLEEP(2) FROM et_parent";
      await db.connection(async (conn) => {
        if (engine.name === "postgres") await conn.execute("SET statement_timeout = 100");
        await expectCode(conn.all(stmt), "query_timeout");
      });
    });
  });
}
