// Chaos run (issue 16): 64 callers on a pool of 4 per engine, point reads, ledger transfers in
// transactions, streams and insertMany, with random aborts and timeouts at random points (before
// acquire, while queued, mid-statement, mid-transaction, mid-stream). Then it checks the ledger,
// that every pooled connection echoes its own `SELECT :n`, that the pool never went over its max,
// that the server sessions are the pool's and go after close(), that no statement is still
// running, and that no rejection went unhandled.
//
//   npm run chaos                       # 10,000 operations per engine, engines from POLYSQL_ENGINES
//   npm run chaos -- --ops 2000         # the short form (CI)
//   npm run chaos -- --long             # the long form: PostgreSQL and MariaDB also through a TCP proxy
//                                       # that delays and drops (scripts/chaos-proxy.ts), and restarts of
//                                       # the server during the run (--restarts 3, --drop-rate 0.002,
//                                       # --delay-rate 0.05, --max-delay-ms 20)
//
// PostgreSQL and MariaDB URLs come from POLYSQL_PG_URL / POLYSQL_MYSQL_URL (as for `npm test`); when
// unset, `bash scripts/db.sh start` starts the local server (or finds it running) and prints the URL;
// a server started here is left running. Tables are named chaos_<pid>_* (the servers may be shared).
// The long form never touches those servers: it restarts servers, so it starts private ones with
// scripts/db.sh (POLYSQL_ENGINE_DIR=/tmp/polysql-chaos-engines, PostgreSQL on 55470, MariaDB on
// 53370; CHAOS_PG_PORT / CHAOS_MY_PORT / CHAOS_ENGINE_DIR change that) and stops them at the end.
// A transfer whose COMMIT outcome is unknown (its connection died after the callback returned) is
// reconciled by reading the ledger: each transfer logs its unique id in its own transaction.
// test/chaos.test.ts runs the short form inside `npm test`.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, PolysqlError, type Database } from "../src/index.js";
import { ChaosProxy } from "./chaos-proxy.js";

type EngineName = "sqlite" | "postgres" | "mysql";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const LONG = process.argv.includes("--long");
const OPS = arg("ops", 10_000);
const RESTARTS = arg("restarts", 3);
const DROP_RATE = arg("drop-rate", 0.002);
const DELAY_RATE = arg("delay-rate", 0.05);
const MAX_DELAY_MS = arg("max-delay-ms", 20);
const PRIVATE = {
  dir: process.env.CHAOS_ENGINE_DIR ?? "/tmp/polysql-chaos-engines",
  pgPort: process.env.CHAOS_PG_PORT ?? "55470",
  myPort: process.env.CHAOS_MY_PORT ?? "53370",
};
/** Connection-level failures the long form causes on purpose (proxy drops, restarts); anything else is a finding. */
const CAUSED = new Set(["connection_failure", "circuit_open"]);
const CALLERS = arg("callers", 64);
const POOL = arg("pool", 4);
const ACCOUNTS = 16;
const START_BALANCE = 1_000;
const TAG = `chaos_${process.pid}`;

const unhandled: unknown[] = [];
process.on("unhandledRejection", (e) => unhandled.push(e));

function urlFor(engine: EngineName): string | undefined {
  if (engine === "sqlite") return `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "polysql-chaos-")), "chaos.sqlite")}`;
  const variable = engine === "postgres" ? "POLYSQL_PG_URL" : "POLYSQL_MYSQL_URL";
  if (process.env[variable]) return process.env[variable];
  const started = spawnSync("bash", [path.join(import.meta.dirname, "db.sh"), "start", engine === "postgres" ? "postgres" : "mariadb"], { encoding: "utf8" });
  return new RegExp(`^${variable}=(.+)$`, "m").exec(started.stdout ?? "")?.[1]?.trim();
}

/** Runs scripts/db.sh on the long form's private servers (never the shared ones). */
function privateDb(command: "start" | "stop" | "restart", engine: "postgres" | "mysql"): { ok: boolean; url?: string; output: string } {
  const env = { ...process.env, POLYSQL_ENGINE_DIR: PRIVATE.dir, POLYSQL_PG_PORT: PRIVATE.pgPort, POLYSQL_MY_PORT: PRIVATE.myPort };
  const r = spawnSync("bash", [path.join(import.meta.dirname, "db.sh"), command, engine === "postgres" ? "postgres" : "mariadb"], { encoding: "utf8", env });
  const variable = engine === "postgres" ? "POLYSQL_PG_URL" : "POLYSQL_MYSQL_URL";
  const url = new RegExp(`^export ${variable}=(.+)$`, "m").exec(r.stdout ?? "")?.[1]?.trim();
  return { ok: r.status === 0, url, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** The same, asynchronously (a restart while the callers run). */
function privateDbAsync(command: "restart", engine: "postgres" | "mysql"): Promise<boolean> {
  const env = { ...process.env, POLYSQL_ENGINE_DIR: PRIVATE.dir, POLYSQL_PG_PORT: PRIVATE.pgPort, POLYSQL_MY_PORT: PRIVATE.myPort };
  const child = spawn("bash", [path.join(import.meta.dirname, "db.sh"), command, engine === "postgres" ? "postgres" : "mariadb"], {
    env,
    stdio: ["ignore", "ignore", "ignore"],
  });
  return new Promise((resolve) => child.on("close", (code) => resolve(code === 0)));
}

function percentile(samples: number[], q: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100) / 100;
}

const rand = (n: number) => Math.floor(Math.random() * n);

interface Stats {
  ops: number;
  ok: number;
  aborts: number;
  cancelled: number;
  timedOut: number;
  otherErrors: Map<string, number>;
  abortToRejection: number[];
  maxTotal: number;
}

/** A stop condition for one operation: none, a pre-aborted signal, an abort after a random delay, or a timeout. */
interface Stop {
  signal?: AbortSignal;
  timeoutMs?: number;
  abortedAt: () => number | undefined;
  /** Mid-stream: abort once this many rows were read. */
  abortAfterRows?: number;
  abortNow?: () => void;
}

/** Stop points spread over the whole life of an operation like this one: `span` is its recent latency (queue wait included). */
function stopFor(stats: Stats, span: number): Stop {
  const roll = Math.random();
  if (roll < 0.6) return { abortedAt: () => undefined };
  if (roll < 0.65) {
    stats.aborts++;
    const c = new AbortController();
    const at = performance.now();
    c.abort(new Error("chaos: before acquire"));
    return { signal: c.signal, abortedAt: () => at };
  }
  if (roll < 0.85) {
    stats.aborts++;
    const c = new AbortController();
    let at: number | undefined;
    const abortNow = () => {
      if (at !== undefined) return;
      at = performance.now();
      c.abort(new Error("chaos: abort"));
    };
    // Short delays mostly land while queued, longer ones mid-statement, mid-transaction or mid-stream.
    setTimeout(abortNow, rand(3) === 0 ? rand(25) : rand(Math.ceil(span * 1.1)));
    return { signal: c.signal, abortedAt: () => at, abortAfterRows: rand(3) === 0 ? 1 + rand(150) : undefined, abortNow };
  }
  stats.aborts++;
  const timeoutMs = 1 + (rand(3) === 0 ? rand(30) : rand(Math.ceil(span * 1.1)));
  const started = performance.now();
  return { timeoutMs, abortedAt: () => started + timeoutMs };
}

async function runEngine(engine: EngineName): Promise<string[]> {
  const long = LONG && engine !== "sqlite";
  let serverUrl: string | undefined;
  if (long) {
    const started = privateDb("start", engine as "postgres" | "mysql");
    if (!started.ok || started.url === undefined) throw new Error(`Could not start the private ${engine} server:\n${started.output}`);
    serverUrl = started.url;
  } else {
    serverUrl = urlFor(engine);
  }
  if (serverUrl === undefined) throw new Error(`No URL for ${engine}: set POLYSQL_PG_URL / POLYSQL_MYSQL_URL (npm test starts the servers)`);
  try {
    return await runOn(engine, serverUrl, long);
  } finally {
    if (long) {
      const stopped = privateDb("stop", engine as "postgres" | "mysql");
      if (!stopped.ok) console.log(`  (could not stop the private ${engine} server: ${stopped.output.trim()})`);
    }
  }
}

async function runOn(engine: EngineName, serverUrl: string, long: boolean): Promise<string[]> {
  // The long form's pool reaches the server through the chaos proxy; the checks (admin) go direct.
  let proxy: ChaosProxy | undefined;
  let url = serverUrl;
  if (long) {
    const target = new URL(serverUrl);
    proxy = await ChaosProxy.start({ host: target.hostname, port: Number(target.port) }, { delayRate: DELAY_RATE, maxDelayMs: MAX_DELAY_MS, dropRate: DROP_RATE });
    proxy.chaos = false;
    target.port = String(proxy.port);
    url = target.toString();
  }
  const failures: string[] = [];
  const acct = `${TAG}_acct`;
  const log = `${TAG}_log`;
  const bulk = `${TAG}_bulk`;
  let admin = await connect({ url: serverUrl, pool: { max: 1 } });
  for (const t of [acct, log, bulk]) await admin.execute(`DROP TABLE IF EXISTS ${t}`);
  await admin.execute(`CREATE TABLE ${acct} (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)`);
  await admin.execute(`CREATE TABLE ${log} (id VARCHAR(40) PRIMARY KEY, src INTEGER NOT NULL, dst INTEGER NOT NULL, amount INTEGER NOT NULL)`);
  await admin.execute(`CREATE TABLE ${bulk} (k VARCHAR(40) NOT NULL, v INTEGER NOT NULL)`);
  await admin.insertMany(
    acct,
    Array.from({ length: ACCOUNTS }, (_, i) => ({ id: i + 1, balance: START_BALANCE })),
  );

  const db = await connect({ url, pool: { max: POOL, acquireTimeoutMs: 30_000 }, retry: { retries: 0 } });
  // A SQLite file has one writer: polysql pools a single connection for it.
  const poolMax = engine === "sqlite" ? 1 : POOL;
  const stats: Stats = { ops: 0, ok: 0, aborts: 0, cancelled: 0, timedOut: 0, otherErrors: new Map(), abortToRejection: [], maxTotal: 0 };
  const committed = new Set<string>();
  /** Transfers that failed before their callback returned: COMMIT was never sent, so they must be absent. */
  const rejected = new Set<string>();
  /** Transfers that failed after their callback returned: the COMMIT's outcome is unknown; the ledger tells. */
  const unknown = new Set<string>();
  let caused = 0;
  const sampler = setInterval(() => {
    const m = db.metrics();
    stats.maxTotal = Math.max(stats.maxTotal, m.total + m.pendingCreates);
  }, 1);

  const pause = engine === "postgres" ? "SELECT pg_sleep(0.005)" : engine === "mysql" ? "SELECT SLEEP(0.005)" : undefined;
  const series =
    engine === "mysql"
      ? `SELECT seq AS n FROM seq_1_to_300 /* ${TAG} */`
      : `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 300) SELECT n FROM s /* ${TAG} */`;
  /** Recent latency per kind of operation (EWMA, ms), where the stop points are drawn from. */
  const latency = [200, 200, 200, 200, 200];
  let transferSeq = 0;
  /** Operations under way, for the progress line (a stuck one shows its kind and stage). */
  const inFlight = new Set<{ kind: string; at: number; stage: string; stop: string }>();
  let bulkSeq = 0;

  // Per caller: each caller runs its operations one after another, so one variable per caller suffices.
  const one = async (caller: { backoff: number }): Promise<void> => {
    let backoff = caller.backoff;
    const kind = rand(100);
    const slot = kind < 10 ? 0 : kind < 35 ? 1 : kind < 70 ? 2 : kind < 85 ? 3 : 4;
    const stop = stopFor(stats, latency[slot]);
    const options = { signal: stop.signal, timeoutMs: stop.timeoutMs };
    const opStarted = performance.now();
    let transferId: string | undefined;
    let returned = false;
    const flight = { kind: ["slow read", "point read", "transfer", "stream", "insertMany"][slot], at: opStarted, stage: "call", stop: stop.signal ? "signal" : stop.timeoutMs ? `timeout ${stop.timeoutMs}` : "none" };
    inFlight.add(flight);
    try {
      if (kind < 10 && pause !== undefined) {
        await db.value(`${pause.replace("0.005", String((20 + rand(200)) / 1000))} /* ${TAG} */`, undefined, options);
      } else if (kind < 35) {
        await db.value(`SELECT balance FROM ${acct} WHERE id = :id /* ${TAG} */`, { id: 1 + rand(ACCOUNTS) }, options);
      } else if (kind < 70) {
        const src = 1 + rand(ACCOUNTS);
        const dst = 1 + ((src + rand(ACCOUNTS - 1)) % ACCOUNTS);
        const amount = 1 + rand(50);
        const id = `${process.pid}-${++transferSeq}`;
        transferId = id;
        await db.transaction(
          async (tx) => {
            // Lock in id order so concurrent transfers do not deadlock.
            const [a, b] = src < dst ? [src, dst] : [dst, src];
            flight.stage = "lock a";
            await tx.execute(`UPDATE ${acct} SET balance = balance + 0 WHERE id = :a`, { a });
            flight.stage = "lock b";
            await tx.execute(`UPDATE ${acct} SET balance = balance + 0 WHERE id = :b`, { b });
            await tx.execute(`UPDATE ${acct} SET balance = balance - :amount WHERE id = :src`, { amount, src });
            flight.stage = "pause";
            if (pause !== undefined) await tx.execute(pause);
            flight.stage = "credit";
            await tx.execute(`UPDATE ${acct} SET balance = balance + :amount WHERE id = :dst`, { amount, dst });
            await tx.execute(`INSERT INTO ${log} (id, src, dst, amount) VALUES (:id, :src, :dst, :amount)`, { id, src, dst, amount });
            returned = true;
            flight.stage = "commit";
          },
          options,
        );
        committed.add(id);
      } else if (kind < 85) {
        let seen = 0;
        for await (const row of db.stream<{ n: number }>(series, undefined, { batchSize: 25, ...options })) {
          seen++;
          flight.stage = `row ${seen}`;
          if (Number(row.n) !== seen) throw new Error(`stream out of order: row ${seen} is ${String(row.n)}`);
          if (stop.abortAfterRows === seen) stop.abortNow?.();
        }
      } else {
        const k = `${process.pid}-${++bulkSeq}`;
        await db.insertMany(
          bulk,
          Array.from({ length: 50 }, (_, i) => ({ k, v: i })),
          options,
        );
      }
      stats.ok++;
      backoff = 25;
      latency[slot] = latency[slot] * 0.9 + (performance.now() - opStarted) * 0.1;
    } catch (err) {
      const abortedAt = stop.abortedAt();
      if (transferId !== undefined) (returned ? unknown : rejected).add(transferId);
      if (err instanceof PolysqlError && (err.code === "query_cancelled" || err.code === "query_timeout")) {
        if (err.code === "query_cancelled") stats.cancelled++;
        else stats.timedOut++;
        if (abortedAt !== undefined) stats.abortToRejection.push(performance.now() - abortedAt);
      } else if (long && err instanceof PolysqlError && CAUSED.has(err.code)) {
        // A dropped connection or a restarting server: like a real client, this caller backs off before its
        // next call (50 ms doubling to 2 s while the failures go on, with jitter), so a restart's downtime
        // does not burn the run's operations.
        caused++;
        backoff = Math.min(2_000, backoff * 2);
        await sleep(backoff / 2 + rand(backoff / 2));
      } else {
        const code = err instanceof PolysqlError ? err.code : String((err as Error)?.message ?? err);
        stats.otherErrors.set(code, (stats.otherErrors.get(code) ?? 0) + 1);
      }
    } finally {
      inFlight.delete(flight);
      caller.backoff = backoff;
      stats.ops++;
    }
  };

  let next = 0;
  const restartAt = long ? Array.from({ length: RESTARTS }, (_, i) => Math.floor((OPS * (i + 1)) / (RESTARTS + 1))) : [];
  const restarts: { ok: boolean; ms: number }[] = [];
  let restarting: Promise<void> | undefined;
  const restart = () => {
    const at = performance.now();
    restarting = (restarting ?? Promise.resolve()).then(async () => {
      const ok = await privateDbAsync("restart", engine as "postgres" | "mysql");
      restarts.push({ ok, ms: performance.now() - at });
    });
  };
  if (proxy !== undefined) proxy.chaos = true;
  const started = performance.now();
  // Progress on stderr every 10 s (a stuck run shows where it stands).
  const progress = setInterval(() => {
    const m = db.metrics();
    process.stderr.write(
      `[chaos ${engine}] ${Math.round((performance.now() - started) / 1000)} s: started ${next}, done ${stats.ops}, ok ${stats.ok}, cancelled ${stats.cancelled}, timed out ${stats.timedOut}, ` +
        `dropped/restart ${caused}, restarts ${restarts.length}; pool total ${m.total} active ${m.active} idle ${m.idle} waiting ${m.waiting} creating ${m.pendingCreates}` +
        (proxy ? `; proxy open ${proxy.open} drops ${proxy.stats.drops}` : "") +
        "\n",
    );
    const now = performance.now();
    for (const f of inFlight) {
      if (now - f.at > 10_000) process.stderr.write(`  stuck ${Math.round((now - f.at) / 1000)} s: ${f.kind} at ${f.stage} (stop: ${f.stop})\n`);
    }
  }, 10_000);
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      const caller = { backoff: 25 };
      while (next < OPS) {
        next++;
        if (restartAt.includes(next)) restart();
        await one(caller);
      }
    }),
  );
  const elapsed = performance.now() - started;
  clearInterval(progress);
  await restarting;
  // The end is quiet: the checks below see what the chaos left, not new chaos.
  if (proxy !== undefined) proxy.chaos = false;
  // Let quarantined sessions settle (a cancel is confirmed or the session destroyed within 2 s).
  await sleep(2_100);
  clearInterval(sampler);
  for (const r of restarts) if (!r.ok) failures.push(`a server restart failed (scripts/db.sh restart, ${Math.round(r.ms)} ms)`);
  let recoveredMs = 0;
  if (long) {
    // After the last restart the circuit breaker may still be open: the pool must come back by itself.
    const from = performance.now();
    for (;;) {
      try {
        await db.value("SELECT 1");
        break;
      } catch (err) {
        if (performance.now() - from > 60_000) {
          failures.push(`the pool did not recover within 60 s after the chaos: ${String(err)}`);
          break;
        }
        await sleep(100);
      }
    }
    recoveredMs = performance.now() - from;
    // The admin's own connection did not survive the restarts; a fresh one reads the results.
    await admin.close().catch(() => undefined);
    admin = await connect({ url: serverUrl, pool: { max: 1 } });
  }

  // The ledger: every account's balance is the start plus the logged transfers; committed ones are logged, rejected ones are not.
  const balances = await admin.all<{ id: number; balance: number }>(`SELECT id, balance FROM ${acct} ORDER BY id`);
  const entries = await admin.all<{ id: string; src: number; dst: number; amount: number }>(`SELECT id, src, dst, amount FROM ${log}`);
  const expected = new Map<number, number>(Array.from({ length: ACCOUNTS }, (_, i) => [i + 1, START_BALANCE]));
  for (const e of entries) {
    expected.set(Number(e.src), expected.get(Number(e.src))! - Number(e.amount));
    expected.set(Number(e.dst), expected.get(Number(e.dst))! + Number(e.amount));
  }
  for (const b of balances) {
    if (Number(b.balance) !== expected.get(Number(b.id))) failures.push(`account ${b.id}: balance ${b.balance}, the log says ${expected.get(Number(b.id))}`);
  }
  const logged = new Set(entries.map((e) => e.id));
  for (const id of committed) if (!logged.has(id)) failures.push(`committed transfer ${id} is not in the log (lost)`);
  for (const id of rejected) if (logged.has(id)) failures.push(`transfer ${id} rejected before COMMIT is in the log (committed after its rejection)`);
  for (const id of logged) if (!committed.has(id) && !unknown.has(id)) failures.push(`logged transfer ${id} was neither committed nor of unknown outcome`);
  let unknownCommitted = 0;
  for (const id of unknown) if (logged.has(id)) unknownCommitted++;
  const total = balances.reduce((s, b) => s + Number(b.balance), 0);
  if (total !== ACCOUNTS * START_BALANCE) failures.push(`ledger total ${total}, expected ${ACCOUNTS * START_BALANCE}`);

  // Every pooled connection answers its own statement (a desynchronized protocol would answer another's).
  const sessionIds = new Set<string>();
  const idSql = engine === "postgres" ? "SELECT pg_backend_pid()" : engine === "mysql" ? "SELECT CONNECTION_ID()" : "SELECT 0";
  let gate!: () => void;
  const held = new Promise<void>((r) => (gate = r));
  let arrived = 0;
  await Promise.all(
    Array.from({ length: poolMax }, (_, c) =>
      db.connection(async (conn) => {
        sessionIds.add(String(await conn.value(idSql)));
        for (let i = 0; i < 50; i++) {
          const n = c * 1_000 + i;
          const got = Number(await conn.value("SELECT :n", { n }));
          if (got !== n) failures.push(`SELECT ${n} answered ${got}`);
        }
        // Hold all POOL connections at once so each is a different one.
        if (++arrived === poolMax) gate();
        await held;
      }),
    ),
  );
  if (stats.maxTotal > poolMax) failures.push(`the pool held ${stats.maxTotal} connections, max ${poolMax}`);
  const metrics = db.metrics() as ReturnType<Database["metrics"]> & { cancels?: { requested: number; confirmed: number; destroyed: number } };

  let onServer = "";
  if (engine !== "sqlite") {
    const ids = [...sessionIds].map(Number);
    const countSql =
      engine === "postgres"
        ? `SELECT count(*) FROM pg_stat_activity WHERE pid IN (${ids.join(", ")})`
        : `SELECT count(*) FROM information_schema.processlist WHERE id IN (${ids.join(", ")})`;
    const before = Number(await admin.value(countSql));
    if (before !== POOL || sessionIds.size !== POOL) failures.push(`server sessions of the pool: ${before} (${sessionIds.size} distinct), expected ${POOL}`);
    const runningSql =
      engine === "postgres"
        ? `SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE :like`
        : `SELECT count(*) FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND command = 'Query' AND info LIKE :like`;
    const stillRunning = Number(await admin.value(runningSql, { like: `%${TAG}%` }));
    if (stillRunning !== 0) failures.push(`${stillRunning} statement(s) still running on the server`);
    await db.close();
    let after = -1;
    for (let i = 0; i < 50 && after !== 0; i++) {
      after = Number(await admin.value(countSql));
      if (after !== 0) await sleep(20);
    }
    if (after !== 0) failures.push(`${after} server session(s) of the pool left after close()`);
    onServer = `; server sessions ${before} → ${after} after close()`;
  } else {
    await db.close();
  }
  for (const t of [acct, log, bulk]) await admin.execute(`DROP TABLE IF EXISTS ${t}`);
  await admin.close();
  await proxy?.close();
  if (unhandled.length > 0) failures.push(`${unhandled.length} unhandled rejection(s): ${String(unhandled[0])}`);

  const other = [...stats.otherErrors].map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  // Aborts and timeouts are the only expected failures: a pool_timeout here means a leaked connection.
  if (stats.otherErrors.size > 0) failures.push(`unexpected errors: ${other}`);
  const cancels = metrics.cancels ?? { requested: 0, confirmed: 0, destroyed: 0 };
  console.log(
    `${engine}: ${stats.ops} operations in ${(elapsed / 1000).toFixed(1)} s (${CALLERS} callers, pool ${poolMax}); ok ${stats.ok}; aborts/timeouts armed ${stats.aborts}; ` +
      `rejected query_cancelled ${stats.cancelled}, query_timeout ${stats.timedOut}; other errors: ${other}; ` +
      `cancels requested ${cancels.requested}, confirmed ${cancels.confirmed}, connections destroyed ${cancels.destroyed} (pool destroyed ${metrics.destroyed}, created ${metrics.created}); ` +
      `abort→rejection p50 ${percentile(stats.abortToRejection, 0.5)} ms p99 ${percentile(stats.abortToRejection, 0.99)} ms; ` +
      `pool max seen ${stats.maxTotal}; transfers committed ${committed.size}, COMMIT outcome unknown ${unknown.size} (found committed ${unknownCommitted}), ` +
      `logged ${entries.length} = ${committed.size} + ${unknownCommitted}${onServer}` +
      (long
        ? `; long form: server restarts ${restarts.length} (${restarts.map((r) => `${(r.ms / 1000).toFixed(1)} s`).join(", ")}), ` +
          `proxy: connections ${proxy!.stats.accepted}, drops ${proxy!.stats.drops}, delayed chunks ${proxy!.stats.delayedChunks} of ${proxy!.stats.chunks}; ` +
          `calls failed by a drop or restart ${caused}; pool answering again ${Math.round(recoveredMs)} ms after the run`
        : ""),
  );
  if (entries.length !== committed.size + unknownCommitted) failures.push(`the log holds ${entries.length} transfers, expected ${committed.size} + ${unknownCommitted}`);
  for (const f of failures) console.log(`  FAIL ${engine}: ${f}`);
  return failures;
}

const wanted = (process.env.POLYSQL_ENGINES ?? "sqlite,postgres,mysql").split(",").map((s) => s.trim()) as EngineName[];
let failed = 0;
for (const engine of wanted) failed += (await runEngine(engine)).length;
console.log(failed === 0 ? "chaos: all checks passed" : `chaos: ${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
