import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, PolysqlError, type Database } from "../src/index.js";
import { dropTables, engines, open, type Engine } from "./support/engines.js";

// Per-call signal and timeoutMs (issue 16): abort while queued, mid-statement (server-side
// cancel, the statement gone from pg_stat_activity / processlist), mid-stream, mid-transaction,
// and the next statement on the same connection correct. Tables start with cx_ (shared servers).

const TAG = `cx${process.pid}`;
const BOUND = { timeout: 30_000 };

async function expectCode(promise: Promise<unknown>, code: string): Promise<PolysqlError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof PolysqlError)) assert.fail(`expected a PolysqlError, got ${String((err as Error)?.stack ?? err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

function sleepSql(engine: Engine, seconds: number, tag: string): string {
  return engine.name === "postgres" ? `SELECT pg_sleep(${seconds}) /* ${tag} */` : `SELECT SLEEP(${seconds}) /* ${tag} */`;
}

/** How many statements carrying `tag` the server is running (the observer's own excluded). */
export async function running(engine: Engine, observer: Database, tag: string): Promise<number> {
  const like = `%/* ${tag} */%`;
  const sql =
    engine.name === "postgres"
      ? "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE :like"
      : "SELECT count(*) FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND command = 'Query' AND info LIKE :like";
  return Number(await observer.value(sql, { like }));
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > ms) assert.fail(`${what} not reached within ${ms} ms`);
    await sleep(2);
  }
  return performance.now() - started;
}

function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100) / 100;
}

let seq = 0;
const nextTag = () => `${TAG}_${++seq}`;

for (const engine of engines()) {
  const server = engine.name !== "sqlite";

  describe(`cancellation (${engine.name})`, () => {
    let db: Database;
    let observer: Database;
    const table = `cx_${process.pid}_rows`;

    before(async () => {
      // One connection: SQLite's readers off too, so a read queues behind a held connection.
      db = await open(engine, { pool: { max: 1 }, ...(engine.name === "sqlite" ? { readers: 0 } : {}) });
      observer = await open(engine, { pool: { max: 1 } });
      await dropTables(observer, table);
      await observer.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, note VARCHAR(40))`);
    });
    after(async () => {
      await dropTables(observer, table);
      await db.close();
      await observer.close();
    });

    it("an aborted signal rejects before anything is sent, with the reason as cause", BOUND, async () => {
      const controller = new AbortController();
      const reason = new Error("request gone");
      controller.abort(reason);
      const err = await expectCode(db.all("SELECT 1 AS n", undefined, { signal: controller.signal }), "query_cancelled");
      assert.equal(err.cause, reason);
      assert.equal(err.transient, false);
      assert.equal(Number(await db.value("SELECT :n", { n: 7 })), 7);
    });

    it("aborting while queued leaves the pool's queue at once", BOUND, async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const holder = db.connection(() => held);
      await sleep(20);
      const controller = new AbortController();
      const queued = db.value("SELECT 1", undefined, { signal: controller.signal });
      await sleep(20);
      assert.equal(db.metrics().waiting, 1);
      const started = performance.now();
      controller.abort();
      await expectCode(queued, "query_cancelled");
      assert.ok(performance.now() - started < 50, "rejected at once");
      assert.equal(db.metrics().waiting, 0);
      // A per-call timeout while queued is a query_timeout.
      await expectCode(db.value("SELECT 1", undefined, { timeoutMs: 50 }), "query_timeout");
      assert.equal(db.metrics().waiting, 0);
      release();
      await holder;
      assert.equal(Number(await db.value("SELECT :n", { n: 3 })), 3);
    });

    it("a stream aborted between rows closes its cursor; the connection answers next", BOUND, async () => {
      const many =
        engine.name === "mysql"
          ? "SELECT seq AS n FROM seq_1_to_5000"
          : "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000) SELECT n FROM s";
      const controller = new AbortController();
      let seen = 0;
      const consume = async () => {
        for await (const row of db.stream<{ n: number }>(many, undefined, { batchSize: 10, signal: controller.signal })) {
          seen++;
          assert.equal(Number(row.n), seen);
          if (seen === 25) controller.abort();
        }
      };
      await expectCode(consume(), "query_cancelled");
      assert.equal(seen, 25);
      assert.equal(Number(await db.value("SELECT :n", { n: 11 })), 11);
      assert.equal(db.metrics().total, 1);
    });

    it("insertMany and the CRUD helpers take the options too", BOUND, async () => {
      const controller = new AbortController();
      controller.abort();
      await expectCode(db.insertMany(table, [{ id: 1, note: "a" }], { signal: controller.signal }), "query_cancelled");
      await expectCode(db.insert(table, { id: 1, note: "a" }, { signal: controller.signal }), "query_cancelled");
      await expectCode(db.get(table, 1, { signal: controller.signal }), "query_cancelled");
      await expectCode(db.table(table, { signal: controller.signal }).count(), "query_cancelled");
      assert.equal(Number(await db.value(`SELECT count(*) FROM ${table}`)), 0);
      assert.equal(await db.insertMany(table, [{ id: 1, note: "a" }], { timeoutMs: 5_000 }), 1);
      await db.execute(`DELETE FROM ${table}`);
    });

    it("an aborted transaction rolls back and leaves the connection clean", BOUND, async () => {
      const controller = new AbortController();
      const work = db.transaction(
        async (tx) => {
          await tx.execute(`INSERT INTO ${table} (id, note) VALUES (:id, 'tx')`, { id: 10 });
          controller.abort();
          await tx.execute(`INSERT INTO ${table} (id, note) VALUES (:id, 'tx')`, { id: 11 });
        },
        { signal: controller.signal },
      );
      await expectCode(work, "query_cancelled");
      assert.equal(Number(await db.value(`SELECT count(*) FROM ${table}`)), 0);
      assert.equal(Number(await db.value("SELECT :n", { n: 5 })), 5);
    });

    if (!server) return;

    it("aborting a running statement cancels it on the server; the next statement on that connection is correct", BOUND, async () => {
      const tag = nextTag();
      const controller = new AbortController();
      const pending = db.value(sleepSql(engine, 10, tag), undefined, { signal: controller.signal });
      await until(async () => (await running(engine, observer, tag)) === 1, 5_000, "statement running");
      const abortedAt = performance.now();
      controller.abort(new Error("user left"));
      const err = await expectCode(pending, "query_cancelled");
      const rejectedMs = performance.now() - abortedAt;
      assert.equal((err.cause as Error).message, "user left");
      const goneMs = await until(async () => (await running(engine, observer, tag)) === 0, 500, "statement gone on the server");
      assert.ok(rejectedMs < 100, `rejected in ${rejectedMs} ms`);
      assert.ok(goneMs < 500);
      // Pool of one: this is the same connection, confirmed idle and in sync.
      for (let n = 1; n <= 5; n++) assert.equal(Number(await db.value("SELECT :n", { n })), n);
      const m = db.metrics() as ReturnType<Database["metrics"]> & { cancels: { requested: number; confirmed: number; destroyed: number } };
      assert.ok(m.cancels.confirmed >= 1, JSON.stringify(m.cancels));
      assert.equal(m.cancels.destroyed, 0, JSON.stringify(m.cancels));
    });

    it("timeoutMs stops the statement on the server with query_timeout", BOUND, async () => {
      const tag = nextTag();
      const started = performance.now();
      await expectCode(db.value(sleepSql(engine, 10, tag), undefined, { timeoutMs: 150 }), "query_timeout");
      assert.ok(performance.now() - started < 1_000);
      await until(async () => (await running(engine, observer, tag)) === 0, 500, "statement gone on the server");
      assert.equal(Number(await db.value("SELECT :n", { n: 42 })), 42);
    });

    it("aborting a transaction mid-statement cancels it and rolls back", BOUND, async () => {
      const tag = nextTag();
      const controller = new AbortController();
      const work = db.transaction(
        async (tx) => {
          await tx.execute(`INSERT INTO ${table} (id, note) VALUES (:id, 'tx')`, { id: 20 });
          await tx.value(sleepSql(engine, 10, tag));
        },
        { signal: controller.signal },
      );
      await until(async () => (await running(engine, observer, tag)) === 1, 5_000, "statement running");
      controller.abort();
      await expectCode(work, "query_cancelled");
      await until(async () => (await running(engine, observer, tag)) === 0, 500, "statement gone on the server");
      assert.equal(Number(await db.value(`SELECT count(*) FROM ${table}`)), 0);
      assert.equal(Number(await db.value("SELECT :n", { n: 9 })), 9);
    });

    it("aborting a stream whose fetch is running cancels it on the server", BOUND, async () => {
      const tag = nextTag();
      const slow =
        engine.name === "postgres"
          ? `SELECT n, pg_sleep(CASE WHEN n = 3 THEN 10 ELSE 0 END) FROM generate_series(1, 5) n /* ${tag} */`
          : `SELECT seq, SLEEP(CASE WHEN seq = 3 THEN 10 ELSE 0 END) FROM seq_1_to_5 /* ${tag} */`;
      const controller = new AbortController();
      const consume = async () => {
        for await (const _ of db.stream(slow, undefined, { batchSize: 1, signal: controller.signal })) {
          // rows 1-2 arrive; the fetch of row 3 sleeps
        }
      };
      const done = consume();
      await until(async () => (await running(engine, observer, tag)) === 1, 5_000, "statement running");
      await sleep(50);
      controller.abort();
      await expectCode(done, "query_cancelled");
      await until(async () => (await running(engine, observer, tag)) === 0, 500, "statement gone on the server");
      assert.equal(Number(await db.value("SELECT :n", { n: 8 })), 8);
    });

    it("measures abort→rejection and abort→gone on the server (p50/p99)", { timeout: 60_000 }, async (t) => {
      const rejected: number[] = [];
      const gone: number[] = [];
      for (let i = 0; i < 30; i++) {
        const tag = nextTag();
        const controller = new AbortController();
        const pending = db.value(sleepSql(engine, 10, tag), undefined, { signal: controller.signal });
        await until(async () => (await running(engine, observer, tag)) === 1, 5_000, "statement running");
        const abortedAt = performance.now();
        controller.abort();
        await pending.catch(() => undefined);
        rejected.push(performance.now() - abortedAt);
        await until(async () => (await running(engine, observer, tag)) === 0, 500, "statement gone");
        gone.push(performance.now() - abortedAt);
        assert.equal(Number(await db.value("SELECT :n", { n: i })), i);
      }
      const line = `${engine.name}: abort→rejection p50 ${percentile(rejected, 0.5)} ms p99 ${percentile(rejected, 0.99)} ms; abort→gone on server p50 ${percentile(gone, 0.5)} ms p99 ${percentile(gone, 0.99)} ms (n=30, observer polls every ~2 ms)`;
      t.diagnostic(line);
      console.log(line);
    });
  });

  if (!server) continue;

  // A statement routed to a read replica obeys its call's signal and timeoutMs as on the primary. The
  // "replica" is a second pool on the same server (a server that is no standby leaves the rotation, so
  // db.replica forces the route to it): that runs the router's replica path — its own pool, its own
  // queue, the cancel sent for the replica's session — on the shared server. The read-your-writes wait
  // in front of a routed read is covered on the pg-replicas cluster (test/cluster/replicas-pg.test.ts).
  describe(`cancellation on a replica route (${engine.name})`, () => {
    let db: Database;
    let observer: Database;
    const series =
      engine.name === "mysql"
        ? "SELECT seq AS n FROM seq_1_to_5000"
        : "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000) SELECT n FROM s";
    const replicaPool = () => db.metrics().nodes![1].pool;

    before(async () => {
      const replica = new URL(engine.url);
      if (engine.name === "postgres") replica.searchParams.set("application_name", `${TAG}_replica`);
      db = await connect({ url: engine.url, replicas: [replica.toString()], pool: { max: 1 } });
      observer = await open(engine, { pool: { max: 1 } });
    });
    after(async () => {
      await db.close();
      await observer.close();
    });

    it("the route reaches the replica's pool", BOUND, async () => {
      const before = db.metrics().nodes![1].statements;
      assert.equal(Number(await db.replica.value("SELECT :n", { n: 1 })), 1);
      assert.equal(db.metrics().nodes![1].statements, before + 1);
      if (engine.name === "postgres") assert.equal(await db.replica.value("SELECT current_setting('application_name')"), `${TAG}_replica`);
    });

    it("an aborted signal rejects at once; aborting while queued on the replica's pool leaves its queue", BOUND, async () => {
      const controller = new AbortController();
      controller.abort(new Error("gone"));
      const err = await expectCode(db.replica.value("SELECT 1", undefined, { signal: controller.signal }), "query_cancelled");
      assert.equal((err.cause as Error).message, "gone");
      const tag = nextTag();
      const holder = db.replica.value(sleepSql(engine, 1, tag));
      await until(async () => (await running(engine, observer, tag)) === 1, 5_000, "the holder running");
      const queuedAbort = new AbortController();
      const queued = db.replica.value("SELECT 1", undefined, { signal: queuedAbort.signal });
      await sleep(20);
      assert.equal(replicaPool().waiting, 1);
      const started = performance.now();
      queuedAbort.abort();
      await expectCode(queued, "query_cancelled");
      assert.ok(performance.now() - started < 200, "rejected at once, before the holder ends");
      assert.equal(replicaPool().waiting, 0);
      await expectCode(db.replica.value("SELECT 1", undefined, { timeoutMs: 50 }), "query_timeout");
      assert.equal(replicaPool().waiting, 0);
      await holder;
    });

    it("a running statement is cancelled on the replica's server, by abort and by timeoutMs; the next statement is correct", BOUND, async () => {
      for (const stop of ["abort", "timeout"] as const) {
        const tag = nextTag();
        const controller = new AbortController();
        const pending = db.replica.value(sleepSql(engine, 10, tag), undefined, stop === "abort" ? { signal: controller.signal } : { timeoutMs: 300 });
        await until(async () => (await running(engine, observer, tag)) === 1, 5_000, "statement running");
        controller.abort();
        await expectCode(pending, stop === "abort" ? "query_cancelled" : "query_timeout");
        await until(async () => (await running(engine, observer, tag)) === 0, 2_000, "statement gone on the server");
        assert.equal(Number(await db.replica.value("SELECT :n", { n: 5 })), 5);
      }
    });

    it("a read waiting for a write of its context (read-your-writes) stops at once on an abort or its timeoutMs", BOUND, async () => {
      const table = `cx_${process.pid}_ryw`;
      await dropTables(observer, table);
      await observer.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, note VARCHAR(40))`);
      await observer.execute(`INSERT INTO ${table} (id, note) VALUES (1, 'a')`);
      // A write that takes 1.5 s on the primary; a plain read after it in the same context waits for it to settle.
      const slowWrite =
        engine.name === "postgres"
          ? `UPDATE ${table} SET note = 'b' WHERE id = (SELECT 1 FROM (SELECT pg_sleep(1.5)) s)`
          : `UPDATE ${table} SET note = 'b' WHERE id = 1 AND SLEEP(1.5) = 0`;
      try {
        for (const stop of ["abort", "timeout"] as const) {
          await db.context(async () => {
            const write = db.execute(slowWrite);
            const controller = new AbortController();
            const started = performance.now();
            const read = db.value("SELECT 1", undefined, stop === "abort" ? { signal: controller.signal } : { timeoutMs: 100 });
            setTimeout(() => controller.abort(), 100);
            await expectCode(read, stop === "abort" ? "query_cancelled" : "query_timeout");
            const ms = performance.now() - started;
            assert.ok(ms < 1_000, `${stop}: the read stopped ${Math.round(ms)} ms after it started, not when the write settled`);
            await write;
          });
        }
      } finally {
        await dropTables(observer, table);
      }
    });

    it("a stream routed to the replica obeys its signal: between rows and mid-fetch", BOUND, async () => {
      const controller = new AbortController();
      let seen = 0;
      const consume = async () => {
        for await (const row of db.replica.stream<{ n: number }>(series, undefined, { batchSize: 10, signal: controller.signal })) {
          seen++;
          assert.equal(Number(row.n), seen);
          if (seen === 25) controller.abort();
        }
      };
      await expectCode(consume(), "query_cancelled");
      assert.equal(seen, 25);
      const tag = nextTag();
      const slow =
        engine.name === "postgres"
          ? `SELECT n, pg_sleep(CASE WHEN n = 3 THEN 10 ELSE 0 END) FROM generate_series(1, 5) n /* ${tag} */`
          : `SELECT seq, SLEEP(CASE WHEN seq = 3 THEN 10 ELSE 0 END) FROM seq_1_to_5 /* ${tag} */`;
      const deadline = (async () => {
        for await (const _ of db.replica.stream(slow, undefined, { batchSize: 1, timeoutMs: 1_000 })) {
          // rows 1-2 arrive; the fetch of row 3 sleeps until the deadline
        }
      })();
      await expectCode(deadline, "query_timeout");
      await until(async () => (await running(engine, observer, tag)) === 0, 2_000, "the stream's statement gone on the server");
      assert.equal(Number(await db.replica.value("SELECT :n", { n: 6 })), 6);
      assert.equal(replicaPool().active, 0);
    });
  });
}
