import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, PolysqlError, type ConnectOptions, type Database } from "../src/index.js";
import { engines, type Engine } from "./support/engines.js";
import { TcpProxy } from "./support/tcp-proxy.js";

// Pool, health and resilience against the real servers: exhaustion, killed and
// restarted servers, a TCP proxy that blackholes, resets and delays traffic,
// failed transactions, session-state leakage, retries, the circuit breaker, and
// SQLite's single writer. Table names start with rs_ (servers are shared).

const TAG = `rs${process.pid}`;
/** Every test here ends well within this, or fails instead of hanging. */
const BOUND = { timeout: 20_000 };
const CONNECTION_CODES = new Set(["connection_failure", "circuit_open", "pool_timeout"]);

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

/** Time a promise takes to settle, in ms. */
async function timed(promise: Promise<unknown>): Promise<number> {
  const started = performance.now();
  await promise.catch(() => undefined);
  return performance.now() - started;
}

async function until(check: () => boolean | Promise<boolean>, ms = 5_000, what = "condition"): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) assert.fail(`${what} not reached within ${ms} ms`);
    await sleep(20);
  }
}

/** Records unhandled rejections and uncaught exceptions while installed. */
function watchProcess(): { seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const record = (e: unknown) => seen.push(e);
  process.on("unhandledRejection", record);
  process.on("uncaughtException", record);
  return { seen, stop: () => (process.off("unhandledRejection", record), process.off("uncaughtException", record)) };
}

/** A gate that opens once `n` callers arrived. */
function barrier(n: number): () => Promise<void> {
  let count = 0;
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return () => {
    if (++count >= n) open();
    return opened;
  };
}

/**
 * The server side of one network engine: URLs whose sessions can be told apart
 * (PostgreSQL by application_name, MariaDB by a dedicated user), counted and killed.
 */
interface ServerSide {
  url(tag: string, port?: number): string;
  count(tag: string): Promise<number>;
  killAll(tag: string): Promise<number>;
  /** This connection's server-side id. */
  idSql: string;
  /** Whether this connection is inside a transaction (1/true). */
  inTransactionSql: string;
  cleanup(): Promise<void>;
}

async function serverSide(engine: Engine, admin: Database): Promise<ServerSide> {
  const base = new URL(engine.url);
  if (engine.name === "postgres") {
    return {
      url(tag, port) {
        const u = new URL(base);
        if (port) u.port = String(port);
        u.searchParams.set("application_name", `${TAG}_${tag}`);
        return u.toString();
      },
      count: async (tag) => Number(await admin.value("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a", { a: `${TAG}_${tag}` })),
      killAll: async (tag) =>
        Number(await admin.value("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :a", { a: `${TAG}_${tag}` })),
      idSql: "SELECT pg_backend_pid()",
      inTransactionSql: "SELECT now() <> statement_timestamp()",
      cleanup: async () => undefined,
    };
  }
  const users = new Set<string>();
  const user = async (tag: string) => {
    const name = `${TAG}_${tag}`;
    if (!users.has(name)) {
      users.add(name);
      await admin.execute(`CREATE USER IF NOT EXISTS '${name}'@'127.0.0.1' IDENTIFIED BY 'rs_pass'`);
      await admin.execute(`GRANT ALL PRIVILEGES ON \`${base.pathname.slice(1)}\`.* TO '${name}'@'127.0.0.1'`);
    }
    return name;
  };
  for (const tag of ["kill", "restart"]) await user(tag);
  const ids = async (tag: string) =>
    (await admin.all<{ id: number }>("SELECT id FROM information_schema.processlist WHERE user = :u", { u: `${TAG}_${tag}` })).map((r) => Number(r.id));
  return {
    url(tag, port) {
      const u = new URL(base);
      if (port) u.port = String(port);
      if (users.has(`${TAG}_${tag}`)) {
        u.username = `${TAG}_${tag}`;
        u.password = "rs_pass";
      }
      return u.toString();
    },
    count: async (tag) => (await ids(tag)).length,
    async killAll(tag) {
      let n = 0;
      for (const id of await ids(tag))
        await admin.execute(`KILL ${id}`).then(
          () => n++,
          () => undefined,
        );
      return n;
    },
    idSql: "SELECT CONNECTION_ID()",
    inTransactionSql: "SELECT @@in_transaction",
    async cleanup() {
      for (const name of users) await admin.execute(`DROP USER IF EXISTS '${name}'@'127.0.0.1'`).catch(() => undefined);
    },
  };
}

function openUrl(url: string, options: Omit<ConnectOptions, "url"> = {}): Promise<Database> {
  return connect({ ...options, url });
}

/** Holds `n` connections at once (so the pool opens that many), then gives them back. */
async function warm(db: Database, n: number): Promise<void> {
  const arrive = barrier(n + 1);
  const held = Array.from({ length: n }, () => db.connection(() => arrive()));
  await arrive();
  await Promise.all(held);
}

for (const engine of engines().filter((e) => e.name !== "sqlite")) {
  describe(`resilience on ${engine.name}`, () => {
    let admin: Database;
    let side: ServerSide;
    let proxy: TcpProxy;
    const target = { host: new URL(engine.url).hostname, port: Number(new URL(engine.url).port) };
    const viaProxy = (tag = "proxy") => side.url(tag, proxy.port);

    before(async () => {
      admin = await openUrl(engine.url, { pool: { max: 3 } });
      side = await serverSide(engine, admin);
      await admin.execute("DROP TABLE IF EXISTS rs_acct");
      await admin.execute("CREATE TABLE rs_acct (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
      await admin.execute("INSERT INTO rs_acct (id, n) VALUES (1, 0), (2, 0)");
    });
    // A fresh proxy per test, closing itself after 30 s whatever happens.
    beforeEach(async () => (proxy = await TcpProxy.start(target, 30_000)));
    afterEach(() => proxy.close());
    after(async () => {
      await admin.execute("DROP TABLE IF EXISTS rs_acct").catch(() => undefined);
      await side.cleanup();
      await admin.close();
    });

    it("pool exhaustion: pool_timeout at acquireTimeoutMs (within 100 ms), and the waiter is never served late", BOUND, async () => {
      const db = await openUrl(side.url("exhaust"), { pool: { max: 2, acquireTimeoutMs: 300 } });
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const holders = [1, 2].map(() => db.connection(() => gate));
      await until(() => db.metrics().active === 2);
      const acquired = db.metrics().acquired;
      let servedLate = false;
      const started = performance.now();
      await expectCode(
        db.value("SELECT 1").then(() => (servedLate = true)),
        "pool_timeout",
      );
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 295 && elapsed < 400, `pool_timeout after ${elapsed} ms`);
      open();
      await Promise.all(holders);
      await sleep(30);
      assert.equal(servedLate, false);
      const m = db.metrics();
      assert.deepEqual([m.acquired, m.waiting, m.acquireTimeouts], [acquired, 0, 1], "the freed connections went to no one");
      assert.equal(await db.value("SELECT 1"), 1);
      await db.close();
    });

    it("idle connections killed server-side are evicted quietly, and the next calls succeed", BOUND, async () => {
      const watch = watchProcess();
      try {
        const db = await openUrl(side.url("kill"), { pool: { max: 4 } });
        await warm(db, 4);
        assert.equal(await side.count("kill"), 4);
        assert.equal(await side.killAll("kill"), 4);
        await until(async () => (await side.count("kill")) === 0, 5_000, "sessions gone");
        await sleep(50);
        const values = await Promise.all(Array.from({ length: 8 }, () => db.value("SELECT 1")));
        assert.deepEqual(values, Array(8).fill(1));
        assert.ok(db.metrics().destroyed >= 4, "the dead connections were evicted");
        await db.close();
        await until(async () => (await side.count("kill")) === 0, 3_000, "sessions closed");
        assert.deepEqual(watch.seen, []);
      } finally {
        watch.stop();
      }
    });

    it("a server restart under steady load: errors only while it is down, full recovery within 2 s, sessions back to baseline", {
      timeout: 90_000,
    }, async (t) => {
      const watch = watchProcess();
      try {
        const max = 5;
        const db = await openUrl(side.url("restart"), { pool: { max, acquireTimeoutMs: 1_000, connectTimeoutMs: 1_000 }, queryTimeoutMs: 3_000 });
        await warm(db, max);
        const baseline = await side.count("restart");
        assert.equal(baseline, max);
        const events: { at: number; loop: number; code?: string }[] = [];
        let stop = false;
        const loops = Array.from({ length: 20 }, async (_, loop) => {
          while (!stop) {
            try {
              await db.value("SELECT 1");
              events.push({ at: performance.now(), loop });
            } catch (err) {
              events.push({ at: performance.now(), loop, code: (err as PolysqlError).code ?? String(err) });
              await sleep(20);
            }
            await sleep(10);
          }
        });
        await sleep(1_000);
        const downAt = performance.now();
        await new Promise<void>((resolve, reject) =>
          execFile("bash", ["scripts/db.sh", "restart", engine.name === "postgres" ? "postgres" : "mariadb"], { timeout: 90_000 }, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
        const upAt = performance.now();
        await sleep(3_000);
        stop = true;
        await Promise.all(loops);
        const errors = events.filter((e) => e.code !== undefined);
        const codes = [...new Set(errors.map((e) => e.code))];
        const lastError = Math.max(...errors.map((e) => e.at));
        t.diagnostic(
          `restart took ${Math.round(upAt - downAt)} ms; ${errors.length} errors (${codes.join(", ")}) of ${events.length} calls; ` +
            `last error ${Math.round(lastError - upAt)} ms after the server was back`,
        );
        assert.ok(errors.length > 0, "the restart was felt");
        assert.ok(
          codes.every((c) => CONNECTION_CODES.has(c!)),
          `unexpected error codes: ${codes}`,
        );
        assert.deepEqual(
          errors.filter((e) => e.at < downAt),
          [],
          "no errors before the restart",
        );
        const late = errors.filter((e) => e.at > upAt + 2_000);
        assert.deepEqual(late, [], `errors more than 2 s after the server was back (up after ${Math.round(upAt - downAt)} ms)`);
        for (let loop = 0; loop < 20; loop++) {
          assert.ok(
            events.some((e) => e.loop === loop && e.code === undefined && e.at > upAt + 2_000),
            `loop ${loop} recovered`,
          );
        }
        const after = await side.count("restart");
        assert.ok(after <= max, `${after} server sessions for a pool of ${max}`);
        assert.ok(db.metrics().total <= max);
        await db.close();
        await until(async () => (await side.count("restart")) === 0, 3_000, "sessions closed");
        assert.deepEqual(watch.seen, []);
      } finally {
        watch.stop();
      }
    });

    it("blackhole: opening a connection fails within connectTimeoutMs, and the attempt's socket is closed", BOUND, async () => {
      proxy.set("pass");
      const db = await openUrl(viaProxy(), {
        pool: { connectTimeoutMs: 300, idleTimeoutMs: 50, acquireTimeoutMs: 5_000 },
        retry: { retries: 0 },
        breaker: { threshold: 0 },
      });
      await until(() => db.metrics().total === 0, 2_000, "idle connection retired");
      await until(() => proxy.open === 0, 2_000, "proxy drained");
      proxy.set("blackhole");
      const started = performance.now();
      const err = await expectCode(db.value("SELECT 1"), "connection_failure");
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 295 && elapsed < 400, `connect failed after ${elapsed} ms`);
      assert.equal((err as PolysqlError & { phase?: string }).phase, "connect");
      await until(() => proxy.open === 0, 2_000, "the timed-out attempt's socket closed");
      proxy.set("pass");
      assert.equal(await db.value("SELECT 1"), 1);
      await db.close();
    });

    it("blackhole: statements on an established connection fail within queryTimeoutMs, and health() within its own timeout", BOUND, async () => {
      proxy.set("pass");
      const db = await openUrl(viaProxy(), {
        queryTimeoutMs: 300,
        pool: { max: 1, validateAfterIdleMs: 60_000 },
        retry: { retries: 0 },
        breaker: { threshold: 0 },
      });
      const established = async () => {
        proxy.set("pass");
        assert.equal(await db.value("SELECT 1"), 1);
        proxy.set("blackhole");
      };
      await established();
      let elapsed = await timed(expectCode(db.value("SELECT 1"), "query_timeout"));
      assert.ok(elapsed >= 295 && elapsed < 400, `query_timeout after ${elapsed} ms`);

      await established();
      elapsed = await timed(
        expectCode(
          db.transaction((tx) => tx.value("SELECT 1")),
          "query_timeout",
        ),
      );
      assert.ok(elapsed < 400, `a transaction (BEGIN) failed after ${elapsed} ms`);

      await established();
      const started = performance.now();
      const report = await db.health(300);
      elapsed = performance.now() - started;
      assert.equal(report.ok, false);
      assert.ok(report.error?.code, "reports why");
      assert.ok(elapsed < 400 && report.latencyMs < 400, `health answered after ${elapsed} ms`);
      assert.equal(report.engine, engine.name);

      proxy.set("pass");
      assert.equal(await db.value("SELECT 1"), 1);
      assert.equal((await db.health(2_000)).ok, true);
      await db.close();
    });

    it("reset: connection_failure, no unhandled error, and the next call succeeds once traffic flows again", BOUND, async () => {
      const watch = watchProcess();
      try {
        proxy.set("pass");
        const db = await openUrl(viaProxy(), { pool: { max: 2 }, breaker: { threshold: 0 } });
        await warm(db, 2);
        proxy.set("reset");
        await expectCode(db.value("SELECT 1"), "connection_failure");
        proxy.set("pass");
        assert.equal(await db.value("SELECT 1"), 1);
        const sleeping = db.value(engine.name === "postgres" ? "SELECT pg_sleep(1)" : "SELECT SLEEP(1)");
        await sleep(150);
        proxy.resetAll();
        const err = await expectCode(sleeping, "connection_failure");
        assert.equal((err as PolysqlError & { phase?: string }).phase, "query");
        assert.equal(await db.value("SELECT 1"), 1);
        await db.close();
        await sleep(20);
        assert.deepEqual(watch.seen, []);
      } finally {
        watch.stop();
      }
    });

    it("delay: slow but correct", BOUND, async () => {
      proxy.set("pass");
      const db = await openUrl(viaProxy(), { pool: { max: 1 } });
      proxy.set("delay", 60);
      const started = performance.now();
      const rows = await db.all("SELECT id, n FROM rs_acct WHERE id IN (:ids) ORDER BY id", { ids: [1, 2] });
      const elapsed = performance.now() - started;
      assert.deepEqual(
        rows.map((r) => ({ ...r })),
        await admin.all("SELECT id, n FROM rs_acct ORDER BY id").then((all) => all.map((r) => ({ ...r }))),
      );
      assert.ok(elapsed >= 110, `a round trip through a 2 x 60 ms delay took ${elapsed} ms`);
      const total = await db.transaction(async (tx) => {
        await tx.execute("UPDATE rs_acct SET n = n + 1 WHERE id = 1");
        return tx.value("SELECT n FROM rs_acct WHERE id = 1");
      });
      assert.equal(total, await admin.value("SELECT n FROM rs_acct WHERE id = 1"));
      proxy.set("pass");
      await db.close();
    });

    it("retries: a deadlock reruns the transaction callback until it succeeds", BOUND, async () => {
      const db = await openUrl(engine.url, { pool: { max: 3 } });
      const before = await db.all<{ id: number; n: number }>("SELECT id, n FROM rs_acct ORDER BY id");
      const arrive = barrier(2);
      const attempts = { a: 0, b: 0 };
      const crossing = (name: "a" | "b", first: number, second: number) =>
        db.transaction(
          async (tx) => {
            const attempt = ++attempts[name];
            await tx.execute("UPDATE rs_acct SET n = n + 1 WHERE id = :id", { id: first });
            if (attempt === 1) await arrive();
            await tx.execute("UPDATE rs_acct SET n = n + 1 WHERE id = :id", { id: second });
          },
          { retries: 3 },
        );
      await Promise.all([crossing("a", 1, 2), crossing("b", 2, 1)]);
      assert.equal(attempts.a + attempts.b, 3, `attempts ${JSON.stringify(attempts)}: the victim ran twice`);
      const now = await db.all<{ id: number; n: number }>("SELECT id, n FROM rs_acct ORDER BY id");
      assert.deepEqual(
        now.map((r) => r.n),
        before.map((r) => r.n + 2),
      );
      await db.close();
    });

    it("retries: a unique violation is never retried", BOUND, async () => {
      const db = await openUrl(engine.url, { pool: { max: 1 } });
      let attempts = 0;
      await expectCode(
        db.transaction(
          async (tx) => {
            attempts++;
            await tx.execute("INSERT INTO rs_acct (id, n) VALUES (1, 0)");
          },
          { retries: 3 },
        ),
        "unique_violation",
      );
      assert.equal(attempts, 1);
      const acquired = db.metrics().acquired;
      await expectCode(db.execute("INSERT INTO rs_acct (id, n) VALUES (1, 0)"), "unique_violation");
      assert.equal(db.metrics().acquired, acquired + 1, "one attempt");
      await db.close();
    });

    it("retries: a connection failure after the statement was sent is not retried; one before it was sent is", BOUND, async () => {
      proxy.set("pass");
      const db = await openUrl(viaProxy(), { pool: { max: 1, idleTimeoutMs: 50 }, breaker: { threshold: 0 } });
      const sleepSql = engine.name === "postgres" ? "SELECT pg_sleep(0.6)" : "SELECT SLEEP(0.6)";
      let attempts = 0;
      const tx = db.transaction(
        async (t) => {
          attempts++;
          await t.execute("UPDATE rs_acct SET n = n + 100 WHERE id = 2");
          await t.value(sleepSql);
        },
        { retries: 3 },
      );
      await sleep(200);
      proxy.resetAll();
      const err = await expectCode(tx, "connection_failure");
      assert.equal((err as PolysqlError & { phase?: string }).phase, "query");
      assert.equal(attempts, 1, "an outcome-unknown transaction is not rerun");

      const acquired = db.metrics().acquired;
      const single = db.value(sleepSql);
      await sleep(200);
      proxy.resetAll();
      await expectCode(single, "connection_failure");
      assert.equal(db.metrics().acquired, acquired + 1, "an outcome-unknown statement is not rerun");

      await until(() => db.metrics().total === 0 && proxy.open === 0, 2_000, "pool drained");
      const accepted = proxy.accepted;
      proxy.resetNext(1);
      assert.equal(await db.value("SELECT 1"), 1, "a refused connect is retried");
      assert.equal(proxy.accepted, accepted + 2);
      await db.close();
    });

    it("breaker: opens after N connection failures, fails fast without touching the network, and one probe closes it", BOUND, async () => {
      proxy.set("pass");
      const db = await openUrl(viaProxy(), { pool: { idleTimeoutMs: 50 }, retry: { retries: 0 }, breaker: { threshold: 3, cooldownMs: 300 } });
      const trip = async () => {
        proxy.set("reset");
        for (let i = 0; i < 3; i++) await expectCode(db.value("SELECT 1"), "connection_failure");
        assert.equal(db.metrics().circuit, "open");
      };
      await until(() => db.metrics().total === 0, 2_000, "idle connection retired");
      await trip();
      const accepted = proxy.accepted;
      for (let i = 0; i < 20; i++) {
        const call = db.value("SELECT 1");
        const elapsed = await timed(call);
        await expectCode(call, "circuit_open");
        assert.ok(elapsed < 5, `circuit_open after ${elapsed} ms`);
      }
      assert.equal((await db.health(1_000)).ok, false);
      assert.equal(proxy.accepted, accepted, "no connection attempted while open");
      proxy.set("pass");
      await sleep(320);
      const [probe, other] = await Promise.allSettled([db.value("SELECT 1"), db.value("SELECT 1")]);
      assert.deepEqual(probe, { status: "fulfilled", value: 1 });
      assert.equal(other.status === "rejected" && other.reason.code, "circuit_open", "one probe at a time");
      assert.equal(db.metrics().circuit, "closed");
      assert.equal(await db.value("SELECT 1"), 1);

      // Regression: a probe ending in a statement error left the circuit half-open for good.
      await trip();
      proxy.set("pass");
      await sleep(320);
      await expectCode(db.value("SELEC 1"), "syntax_error");
      assert.equal(await db.value("SELECT 1"), 1);
      assert.equal(db.metrics().circuit, "closed");
      await db.close();
    });
  });
}

/** Per engine: statements that leave session state, and how a later borrower checks that none of it is left. */
interface Leak {
  sql: string;
  /** Runs on the next borrower of the same connection; throws when the state leaked. */
  check(db: Database, other: Database): Promise<void>;
}

function leaksFor(engine: Engine): Leak[] {
  const stays = (sql: string, expected: (db: Database) => Promise<unknown>) => async (db: Database) => {
    assert.equal(await db.value(sql), await expected(db));
  };
  if (engine.name === "postgres") {
    const tz = (db: Database) => db.value("SELECT current_setting('TimeZone')");
    const sp = (db: Database) => db.value("SELECT current_setting('search_path')");
    let tz0: unknown, sp0: unknown;
    return [
      { sql: "SELECT 1", check: async (db) => void ((tz0 = await tz(db)), (sp0 = await sp(db))) },
      { sql: "SET TIME ZONE 'America/New_York'", check: stays("SELECT current_setting('TimeZone')", async () => tz0) },
      { sql: "/* tenant */ SET search_path TO rs_nowhere", check: stays("SELECT current_setting('search_path')", async () => sp0) },
      { sql: "SELECT 1; SET search_path TO rs_nowhere", check: stays("SELECT current_setting('search_path')", async () => sp0) },
      { sql: "SELECT set_config('search_path', 'rs_nowhere', false)", check: stays("SELECT current_setting('search_path')", async () => sp0) },
      { sql: "CREATE TEMP TABLE rs_tmp (x INTEGER)", check: stays("SELECT to_regclass('rs_tmp') IS NULL", async () => true) },
      {
        sql: "SELECT pg_advisory_lock(72720)",
        check: async (_db, other) => {
          assert.equal(await other.value("SELECT pg_try_advisory_lock(72720)"), true, "the advisory lock was released");
          await other.value("SELECT pg_advisory_unlock(72720)");
        },
      },
      { sql: "BEGIN", check: stays("SELECT now() <> statement_timestamp()", async () => false) },
    ];
  }
  if (engine.name === "mysql") {
    let mode0: unknown;
    return [
      { sql: "SELECT 1", check: async (db) => void (mode0 = await db.value("SELECT @@SESSION.sql_mode")) },
      { sql: "SET @rs_v = 42", check: stays("SELECT @rs_v IS NULL", async () => 1) },
      { sql: "SELECT 42 INTO @rs_w", check: stays("SELECT @rs_w IS NULL", async () => 1) },
      { sql: "/* tenant */ SET @rs_c = 1", check: stays("SELECT @rs_c IS NULL", async () => 1) },
      { sql: "SET SESSION sql_mode = 'ANSI_QUOTES'", check: stays("SELECT @@SESSION.sql_mode", async () => mode0) },
      { sql: "SET time_zone = '+05:00'", check: stays("SELECT @@SESSION.time_zone", async () => "+00:00") },
      {
        sql: "CREATE TEMPORARY TABLE rs_tmp (x INTEGER)",
        check: async (db) => void (await expectCode(db.value("SELECT count(*) FROM rs_tmp"), "undefined_table")),
      },
      {
        sql: "SELECT GET_LOCK('rs_lock', 0)",
        check: async (_db, other) => assert.equal(await other.value("SELECT IS_FREE_LOCK('rs_lock')"), 1, "the GET_LOCK lock was released"),
      },
      { sql: "START TRANSACTION", check: stays("SELECT @@in_transaction", async () => 0) },
    ];
  }
  return [
    { sql: "CREATE TEMP TABLE rs_tmp (x INTEGER)", check: stays("SELECT count(*) FROM temp.sqlite_master WHERE name = 'rs_tmp'", async () => 0) },
    { sql: "PRAGMA foreign_keys = OFF", check: stays("PRAGMA foreign_keys", async () => 1) },
    {
      sql: "PRAGMA query_only = ON",
      check: async (db) => void (await db.execute("CREATE TABLE IF NOT EXISTS rs_writable (x INTEGER)"), await db.execute("DROP TABLE rs_writable")),
    },
    {
      sql: "BEGIN",
      check: async (db, other) => {
        await db.execute("CREATE TABLE rs_committed (x INTEGER)");
        assert.equal(await other.value("SELECT count(*) FROM sqlite_master WHERE name = 'rs_committed'"), 1, "autocommit again");
        await db.execute("DROP TABLE rs_committed");
      },
    },
  ];
}

for (const engine of engines()) {
  describe(`no state reaches the next borrower on ${engine.name}`, () => {
    let db: Database;
    let other: Database;
    const idSql = { postgres: "SELECT pg_backend_pid()", mysql: "SELECT CONNECTION_ID()", sqlite: "SELECT 1" }[engine.name];

    before(async () => {
      db = await openUrl(engine.url, { pool: { max: 1 } });
      other = await openUrl(engine.url, { pool: { max: 1 } });
      await db.execute("DROP TABLE IF EXISTS rs_tx");
      await db.execute("CREATE TABLE rs_tx (name VARCHAR(40) PRIMARY KEY)");
    });
    after(async () => {
      await db.execute("DROP TABLE IF EXISTS rs_tx");
      await other.close();
      await db.close();
    });

    const failures: [string, (tx: { execute(q: string): Promise<unknown> }) => unknown][] = [
      [
        "throws synchronously",
        () => {
          throw new Error("sync");
        },
      ],
      [
        "rejects",
        async (tx) => {
          await tx.execute("INSERT INTO rs_tx (name) VALUES ('rejects')");
          throw new Error("async");
        },
      ],
      [
        "hits a statement error",
        async (tx) => {
          await tx.execute("INSERT INTO rs_tx (name) VALUES ('stmt')");
          await tx.execute("INSERT INTO rs_no_such_table (x) VALUES (1)");
        },
      ],
    ];
    for (const [what, fn] of failures) {
      it(`a transaction callback that ${what}: the next borrower of the same connection is in no transaction`, async () => {
        const id = await db.value(idSql);
        await assert.rejects(db.transaction(fn));
        assert.equal(await db.value(idSql), id, "same physical connection, reset rather than replaced");
        const name = `after ${what}`.slice(0, 40);
        await db.execute("INSERT INTO rs_tx (name) VALUES (:name)", { name });
        assert.equal(await other.value("SELECT count(*) FROM rs_tx WHERE name = :name", { name }), 1, "the next write was committed");
        assert.equal(await other.value("SELECT count(*) FROM rs_tx WHERE name IN ('rejects', 'stmt')"), 0, "the failed work was rolled back");
        if (engine.name === "postgres") assert.equal(await db.value("SELECT now() <> statement_timestamp()"), false);
        if (engine.name === "mysql") assert.equal(await db.value("SELECT @@in_transaction"), 0);
      });
    }

    it("session state (SET, variables, temporary tables, locks, open transactions) never reaches the next borrower", async () => {
      for (const leak of leaksFor(engine)) {
        const id = await db.value(idSql);
        await db.execute(leak.sql);
        assert.equal(await db.value(idSql), id, `${leak.sql}: same physical connection`);
        await leak.check(db, other).catch((err: Error) => {
          throw new assert.AssertionError({ message: `after "${leak.sql}": ${err.message}` });
        });
      }
      // Session-bound work in connection() is reset too.
      const setting = { postgres: "SET TIME ZONE 'America/New_York'", mysql: "SET @rs_conn = 1", sqlite: "CREATE TEMP TABLE rs_conn (x INTEGER)" }[engine.name];
      const check = {
        postgres: "SELECT current_setting('TimeZone') = 'America/New_York'",
        mysql: "SELECT @rs_conn IS NOT NULL",
        sqlite: "SELECT count(*) FROM temp.sqlite_master WHERE name = 'rs_conn'",
      }[engine.name];
      await db.connection(async (conn) => {
        await conn.execute(setting);
        assert.ok(Boolean(await conn.value(check)), "set inside connection()");
      });
      assert.ok(!(await db.value(check)), "gone after connection()");
    });
  });
}

describe("SQLite: one writer, busy_timeout, WAL", { skip: !engines().some((e) => e.name === "sqlite") && "sqlite not selected" }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "polysql-rs-"));
  const file = path.join(dir, "shared.sqlite");

  it("serializes 200 concurrent async callers safely, with exact results", async () => {
    const db = await openUrl(`sqlite:${file}`);
    await db.execute("CREATE TABLE IF NOT EXISTS rs_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
    await db.execute("CREATE TABLE IF NOT EXISTS rs_log (id INTEGER PRIMARY KEY AUTOINCREMENT, seen INTEGER NOT NULL)");
    await db.execute("INSERT INTO rs_counter (id, n) VALUES (1, 0)");
    const reads: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0
          ? db.transaction(async (tx) => {
              // Read, yield to the event loop, write: a lost update shows if two callers interleave on one connection.
              const n = Number(await tx.value("SELECT n FROM rs_counter WHERE id = 1"));
              await new Promise((r) => setImmediate(r));
              await tx.execute("UPDATE rs_counter SET n = :n WHERE id = 1", { n: n + 1 });
              await tx.execute("INSERT INTO rs_log (seen) VALUES (:n)", { n });
            })
          : db.value("SELECT count(*) FROM rs_log").then((n) => void reads.push(Number(n))),
      ),
    );
    assert.equal(await db.value("SELECT n FROM rs_counter WHERE id = 1"), 100);
    const seen = await db.all<{ seen: number }>("SELECT seen FROM rs_log ORDER BY seen");
    assert.deepEqual(
      seen.map((r) => r.seen),
      Array.from({ length: 100 }, (_, i) => i),
      "each writer saw the previous one's commit",
    );
    assert.ok(reads.length === 100 && reads.every((n) => n >= 0 && n <= 100));
    assert.equal(db.metrics().acquireTimeouts, 0);
    await db.close();
  });

  it("uses WAL for files", async () => {
    const db = await openUrl(`sqlite:${file}`);
    assert.equal(await db.value("PRAGMA journal_mode"), "wal");
    await db.close();
  });

  it("busy_timeout: a writer waits for another process's write lock, and fails with lock_timeout past it", async () => {
    const db = await openUrl(`sqlite:${file}?busy_timeout=3000`);
    const impatient = await openUrl(`sqlite:${file}?busy_timeout=50`);
    await db.execute("CREATE TABLE IF NOT EXISTS rs_busy (x INTEGER)");
    // Another process takes the write lock for 600 ms (better-sqlite3 blocks its thread while it waits for a lock).
    const script = `
      const db = new (require("better-sqlite3"))(${JSON.stringify(file)});
      db.exec("BEGIN IMMEDIATE"); db.exec("INSERT INTO rs_busy (x) VALUES (1)");
      process.stdout.write("locked\\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
      db.exec("COMMIT"); db.close();`;
    const child = spawn(process.execPath, ["-e", script], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
      child.on("exit", () => reject(new Error("the lock holder exited early")));
    });
    let elapsed = await timed(expectCode(impatient.execute("INSERT INTO rs_busy (x) VALUES (2)"), "lock_timeout"));
    assert.ok(elapsed >= 40 && elapsed < 500, `gave up after ${elapsed} ms`);
    const started = performance.now();
    await db.execute("INSERT INTO rs_busy (x) VALUES (3)");
    elapsed = performance.now() - started;
    assert.ok(elapsed >= 200, `waited ${elapsed} ms for the lock`);
    assert.equal(await exited, 0);
    assert.equal(await db.value("SELECT count(*) FROM rs_busy"), 2);
    await impatient.close();
    await db.close();
  });
});
