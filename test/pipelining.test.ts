import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { PolysqlError, type Database } from "../src/index.js";
import { dropTables, engines, open, type Engine } from "./support/engines.js";

// Pipelining (issue 17, item 1): autocommit statements from many callers share a connection on a
// driver that declares `pipelining` (PostgreSQL through pg's pipeline mode, MariaDB through the
// connector's). Tables start with pl_ (shared servers).

const BOUND = { timeout: 60_000 };

/** Engine facts the tests need: the server's id of the current session, a slow statement, killing a session. */
function facts(engine: Engine) {
  const pg = engine.name === "postgres";
  return {
    sessionId: pg ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()",
    slow: (seconds: number) => (pg ? `SELECT pg_sleep(${seconds})` : `SELECT SLEEP(${seconds})`),
    kill: (id: number) => (pg ? `SELECT pg_terminate_backend(${Number(id)})` : `KILL ${Number(id)}`),
  };
}

/** Settles every promise and reports each outcome in order. */
async function outcomes<T>(calls: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(calls);
}

for (const engine of engines().filter((e) => e.name !== "sqlite")) {
  describe(`pipelining (${engine.name})`, () => {
    const table = `pl_${process.pid}_rows`;
    let admin: Database;
    const { sessionId, slow, kill } = facts(engine);

    before(async () => {
      admin = await open(engine, { pool: { max: 2 } });
      await dropTables(admin, table);
      await admin.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY)`);
    });
    after(async () => {
      await dropTables(admin, table);
      await admin.close();
    });

    it("statements from many callers share the pool's connections (fewer acquires than statements, nobody left waiting)", BOUND, async () => {
      const db = await open(engine, { pool: { max: 4 } });
      try {
        await db.value("SELECT 1");
        const before = db.metrics().acquired;
        let maxWaiting = 0;
        let maxTotal = 0;
        let next = 0;
        const caller = async () => {
          while (next < 2_000) {
            const n = next++;
            assert.equal(Number(await db.value("SELECT :n + 0 AS n", { n })), n);
            const m = db.metrics();
            maxWaiting = Math.max(maxWaiting, m.waiting);
            maxTotal = Math.max(maxTotal, m.total);
          }
        };
        await Promise.all(Array.from({ length: 64 }, caller));
        const acquired = db.metrics().acquired - before;
        // Without sharing each of the 2,000 statements borrows a connection of its own.
        assert.ok(acquired < 500, `${acquired} acquires for 2,000 statements: the connections were not shared`);
        assert.ok(maxTotal <= 4, `the pool went over max: ${maxTotal}`);
        assert.equal(db.metrics().active, 0);
        assert.equal(db.metrics().waiting, 0);
        assert.ok(maxWaiting < 64, `metrics().waiting reached ${maxWaiting}`);
      } finally {
        await db.close();
      }
    });

    it("a failing statement among 100 pipelined ones fails alone; each caller gets its own result", BOUND, async () => {
      const db = await open(engine, { pool: { max: 1 } });
      try {
        await db.value("SELECT 1");
        const before = db.metrics().acquired;
        const results = await outcomes(
          Array.from({ length: 100 }, (_, n) =>
            n === 37 ? db.value(`SELECT :n + 0 AS n FROM pl_${process.pid}_missing`, { n }) : db.value("SELECT :n + 0 AS n", { n }),
          ),
        );
        assert.ok(db.metrics().acquired - before <= 2, "the 100 statements were not pipelined on the one connection");
        results.forEach((r, n) => {
          if (n === 37) {
            assert.equal(r.status, "rejected");
            assert.ok(
              r.status === "rejected" && r.reason instanceof PolysqlError && r.reason.code === "undefined_table",
              String((r as PromiseRejectedResult).reason),
            );
          } else {
            assert.equal(r.status, "fulfilled", `statement ${n}: ${String((r as PromiseRejectedResult).reason)}`);
            assert.equal(Number((r as PromiseFulfilledResult<unknown>).value), n);
          }
        });
        // The connection is in sync afterwards.
        assert.equal(Number(await db.value("SELECT :n + 0 AS n", { n: 5 })), 5);
        assert.equal(db.metrics().destroyed, 0);
      } finally {
        await db.close();
      }
    });

    it("the same failing text pipelined twice fails with its own error both times", BOUND, async () => {
      const db = await open(engine, { pool: { max: 1 } });
      try {
        const bad = `SELECT :n + 0 AS n FROM pl_${process.pid}_missing`;
        const results = await outcomes([db.value(bad, { n: 1 }), db.value(bad, { n: 2 }), db.value("SELECT :n + 0 AS n", { n: 3 })]);
        for (const r of results.slice(0, 2))
          assert.ok(r.status === "rejected" && (r.reason as PolysqlError).code === "undefined_table", String((r as PromiseRejectedResult).reason));
        assert.equal(Number((results[2] as PromiseFulfilledResult<unknown>).value), 3);
      } finally {
        await db.close();
      }
    });

    it(
      "a connection lost mid-pipeline fails exactly the unanswered statements with connection_failure, runs none twice, and the pool recovers",
      BOUND,
      async () => {
        const db = await open(engine, { pool: { max: 1 } });
        try {
          await db.execute(`DELETE FROM ${table}`);
          const id = Number(await db.value(sessionId));
          const insert = (n: number) => db.execute(`INSERT INTO ${table} (id) VALUES (:n)`, { n });
          // 50 inserts, a slow statement, 50 more inserts: all written at once on the one connection.
          const first = outcomes(Array.from({ length: 50 }, (_, n) => insert(n)));
          const blocker = outcomes([db.value(slow(5))]);
          const rest = outcomes(Array.from({ length: 50 }, (_, n) => insert(50 + n)));
          const settledFirst = await first;
          await sleep(300);
          await admin.execute(kill(id)).catch(() => undefined);
          const [blocked] = await blocker;
          const settledRest = await rest;
          const all = [...settledFirst, ...settledRest];

          assert.ok(
            settledFirst.every((r) => r.status === "fulfilled"),
            "the inserts answered before the kill succeed",
          );
          assert.equal(blocked.status, "rejected");
          assert.equal((blocked as PromiseRejectedResult).reason.code, "connection_failure");
          for (const r of settledRest) {
            assert.equal(r.status, "rejected", "an insert written after the killed statement cannot have an answer");
            const reason = (r as PromiseRejectedResult).reason as PolysqlError & { phase?: string };
            assert.equal(reason.code, "connection_failure", String(reason));
            assert.notEqual(reason.phase, "connect", "an unanswered statement was reported as never sent (so retryable)");
          }
          // Each row is there exactly when its call resolved: nothing unanswered ran later (retried).
          await sleep(200);
          const rows = new Set(((await admin.all(`SELECT id FROM ${table}`)) as { id: unknown }[]).map((r) => Number(r.id)));
          for (const [n, r] of all.entries()) assert.equal(rows.has(n), r.status === "fulfilled", `row ${n}: ${r.status}`);

          // The pool recovers: a new connection answers.
          assert.equal(Number(await db.value("SELECT :n + 0 AS n", { n: 7 })), 7);
          assert.equal(db.metrics().total, 1);
        } finally {
          await db.close();
        }
      },
    );

    it(
      "transactions, streams and statements that change the session keep a connection to themselves under pipelined load; the pool never exceeds max",
      BOUND,
      async () => {
        const db = await open(engine, { pool: { max: 3 } });
        try {
          await db.execute(`DELETE FROM ${table}`);
          let stop = false;
          let maxTotal = 0;
          let lookups = 0;
          const load = async () => {
            for (let n = 0; !stop; n++) {
              assert.equal(Number(await db.value("SELECT :n + 0 AS n", { n })), n);
              lookups++;
              maxTotal = Math.max(maxTotal, db.metrics().total);
            }
          };
          const loaders = Array.from({ length: 32 }, load);
          const transactions = Array.from({ length: 20 }, (_, i) =>
            db
              .transaction(async (tx) => {
                await tx.execute(`INSERT INTO ${table} (id) VALUES (:i)`, { i: 1_000 + i });
                await sleep(5);
                // Inside the transaction the row is visible; the transaction is on its own connection.
                assert.equal(Number(await tx.value(`SELECT count(*) FROM ${table} WHERE id = :i`, { i: 1_000 + i })), 1);
                if (i % 5 === 4) throw new Error("roll back");
              })
              .catch((err: Error) => assert.equal(err.message, "roll back")),
          );
          const streams = Array.from({ length: 5 }, async () => {
            let count = 0;
            for await (const row of db.stream<{ n: unknown }>("SELECT :a + 0 AS n UNION ALL SELECT :b + 0 UNION ALL SELECT :c + 0", { a: 1, b: 2, c: 3 })) {
              count += Number(row.n);
              await sleep(1);
            }
            assert.equal(count, 6);
          });
          await Promise.all([...transactions, ...streams]);
          stop = true;
          await Promise.all(loaders);
          assert.ok(lookups > 0);
          assert.ok(maxTotal <= 3, `the pool went over max: ${maxTotal}`);
          assert.equal(Number(await db.value(`SELECT count(*) FROM ${table} WHERE id >= 1000`)), 16);
          const m = db.metrics();
          assert.equal(m.active, 0);
          assert.equal(m.waiting, 0);
        } finally {
          await db.close();
        }
      },
    );

    it("a call with a signal or timeoutMs, and every call of a database with queryTimeoutMs, takes a connection alone", BOUND, async () => {
      const db = await open(engine, { pool: { max: 1 } });
      const timed = await open(engine, { pool: { max: 1 }, queryTimeoutMs: 10_000 });
      try {
        await db.value("SELECT 1");
        await timed.value("SELECT 1");
        const before = db.metrics().acquired;
        await Promise.all(Array.from({ length: 20 }, (_, n) => db.value("SELECT :n + 0 AS n", { n }, { timeoutMs: 10_000 })));
        assert.equal(db.metrics().acquired - before, 20);
        const timedBefore = timed.metrics().acquired;
        await Promise.all(Array.from({ length: 20 }, (_, n) => timed.value("SELECT :n + 0 AS n", { n })));
        assert.equal(timed.metrics().acquired - timedBefore, 20);
      } finally {
        await db.close();
        await timed.close();
      }
    });

    it("a shared connection past maxLifetimeMs takes no more statements and is retired under steady pipelined load", BOUND, async () => {
      const db = await open(engine, { pool: { max: 1, maxLifetimeMs: 400 } });
      try {
        let stop = false;
        const load = async () => {
          for (let n = 0; !stop; n++) assert.equal(Number(await db.value("SELECT :n + 0 AS n", { n })), n);
        };
        const loaders = Array.from({ length: 64 }, load);
        await sleep(1_500);
        stop = true;
        await Promise.all(loaders);
        const m = db.metrics();
        assert.ok(m.destroyed >= 2 && m.created >= 3, `created ${m.created}, destroyed ${m.destroyed}: the shared connection was never retired`);
        assert.ok(m.total <= 1);
      } finally {
        await db.close();
      }
    });

    it("a waiting transaction is not starved by a stream of pipelined statements", BOUND, async () => {
      const db = await open(engine, { pool: { max: 1, acquireTimeoutMs: 5_000 } });
      try {
        let stop = false;
        const load = async () => {
          for (let n = 0; !stop; n++) await db.value("SELECT :n + 0 AS n", { n });
        };
        const loaders = Array.from({ length: 16 }, load);
        await sleep(100);
        const started = performance.now();
        await db.transaction(async (tx) => tx.value("SELECT 1"));
        const waited = performance.now() - started;
        stop = true;
        await Promise.all(loaders);
        assert.ok(waited < 4_000, `the transaction waited ${Math.round(waited)} ms`);
      } finally {
        await db.close();
      }
    });
  });
}
