import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { PolysqlError, type Database } from "../src/index.js";
import { dropTables, engines, open } from "./support/engines.js";

// Reliability cases of issue 16, item 4, on the real engines: a connection killed between BEGIN
// and COMMIT, and a connection held past leakDetectionMs. Tables start with rl_ (shared servers).

const BOUND = { timeout: 30_000 };

for (const engine of engines()) {
  describe(`reliability (${engine.name})`, () => {
    let admin: Database;
    const table = `rl_${process.pid}_rows`;

    before(async () => {
      admin = await open(engine, { pool: { max: 1 } });
      await dropTables(admin, table);
      await admin.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY)`);
    });
    after(async () => {
      await dropTables(admin, table);
      await admin.close();
    });

    it("a connection held past leakDetectionMs warns with the acquiring stack and is not reclaimed", BOUND, async () => {
      const db = await open(engine, { pool: { max: 1, leakDetectionMs: 100 } });
      const warnings: string[] = [];
      const onWarning = (w: Error & { code?: string }) => {
        if (w.code === "POLYSQL_POOL") warnings.push(w.message);
      };
      process.on("warning", onWarning);
      try {
        await db.connection(async (conn) => {
          await sleep(300);
          assert.equal(warnings.length, 1, "one warning");
          assert.match(warnings[0], /held for over 100 ms/);
          assert.match(warnings[0], /reliability\.test\.ts/, "the acquiring stack names the caller");
          // Still ours: the pool did not take it back.
          assert.equal(db.metrics().active, 1);
          assert.equal(Number(await conn.value("SELECT :n", { n: 4 })), 4);
        });
        assert.equal(db.metrics().active, 0);
      } finally {
        process.off("warning", onWarning);
        await db.close();
      }
    });

    if (engine.name === "sqlite") return;

    it("a connection killed between BEGIN and COMMIT: the commit rejects, the row is absent, nothing reruns", BOUND, async () => {
      const db = await open(engine, { pool: { max: 1 } });
      const idSql = engine.name === "postgres" ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()";
      const killSql = engine.name === "postgres" ? "SELECT pg_terminate_backend(:id)" : "KILL :id";
      let runs = 0;
      try {
        const err = await db
          .transaction(async (tx) => {
            runs++;
            await tx.execute(`INSERT INTO ${table} (id) VALUES (:id)`, { id: 1 });
            const id = Number(await tx.value(idSql));
            await admin.execute(killSql, { id });
            await sleep(100);
          })
          .then(
            () => assert.fail("the transaction should not commit"),
            (e: unknown) => e,
          );
        assert.ok(err instanceof PolysqlError, String(err));
        assert.equal(err.code, "connection_failure", err.message);
        assert.equal(runs, 1, "the callback ran once: no automatic retry");
        assert.equal(Number(await admin.value(`SELECT count(*) FROM ${table}`)), 0);
        // The pool recovers with a new connection.
        assert.equal(Number(await db.value("SELECT :n", { n: 6 })), 6);
      } finally {
        await db.close();
      }
    });
  });
}
