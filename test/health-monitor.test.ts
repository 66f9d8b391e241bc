import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, PolysqlError, type HealthReport } from "../src/index.js";
import { engines } from "./support/engines.js";
import { TcpProxy } from "./support/tcp-proxy.js";
import { HELP, parseCommand } from "../src/cli/cli-args.js";
import { healthWatch } from "../src/cli/health-watch.js";
import { runCli } from "../src/cli/run-cli.js";

// Background health monitoring (connect({ healthCheckIntervalMs, onHealthChange })): transitions
// healthy ↔ unhealthy, the circuit held open while unhealthy. The server is made unreachable and
// reachable again through a TCP proxy (the test servers are shared: never stopped).

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) assert.fail(`${what} not reached within ${ms} ms`);
    await sleep(20);
  }
}

function proxied(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(port);
  return u.toString();
}

for (const engine of engines().filter((e) => e.name !== "sqlite")) {
  describe(`health monitor on ${engine.name}`, () => {
    it("reports unhealthy when the server is unreachable, holds the circuit open, and recovers", { timeout: 30_000 }, async () => {
      const target = { host: new URL(engine.url).hostname, port: Number(new URL(engine.url).port) };
      const proxy = await TcpProxy.start(target, 30_000);
      const changes: HealthReport[] = [];
      const db = await connect({
        url: proxied(engine.url, proxy.port),
        healthCheckIntervalMs: 100,
        onHealthChange: (r) => changes.push(r),
        pool: { connectTimeoutMs: 3_000 },
        retry: { retries: 0 },
      });
      try {
        assert.equal(await db.value("SELECT 1"), 1);
        proxy.set("reset");
        await until(() => changes.length >= 1, 10_000, "an unhealthy report");
        assert.equal(changes[0].ok, false);
        assert.equal(db.metrics().circuit, "open");
        // Callers fail fast while the monitor holds the circuit open.
        const started = performance.now();
        const err = await db.value("SELECT 1").catch((e: unknown) => e);
        assert.ok(err instanceof PolysqlError && err.code === "circuit_open", String(err));
        assert.ok(performance.now() - started < 50);
        proxy.set("pass");
        await until(() => changes.length >= 2, 10_000, "a healthy report");
        assert.equal(changes[1].ok, true);
        assert.equal(db.metrics().circuit, "closed");
        assert.equal(await db.value("SELECT 1"), 1);
        assert.equal(changes.length, 2);
      } finally {
        await db.close();
        await proxy.close();
      }
    });
  });
}

describe("health monitor options", () => {
  it("checks in the background without keeping the process alive, and validates its options", async () => {
    const url = engines().find((e) => e.name === "sqlite")?.url ?? "sqlite::memory:";
    await assert.rejects(connect({ url, healthCheckIntervalMs: -1 }), /healthCheckIntervalMs/);
    await assert.rejects(connect({ url, healthCheckIntervalMs: 10, onHealthChange: 1 as never }), /onHealthChange/);
    const changes: HealthReport[] = [];
    const db = await connect({ url, healthCheckIntervalMs: 10, onHealthChange: (r) => changes.push(r) });
    await sleep(100);
    assert.equal(changes.length, 0);
    assert.equal(db.metrics().circuit, "closed");
    await db.close();
  });
});

describe("CLI: health --watch and slow statements", () => {
  const sqliteUrl = () => engines().find((e) => e.name === "sqlite")?.url ?? `sqlite:${process.env.TMPDIR ?? "/tmp"}/polysql-hm-${process.pid}.db`;
  function captureIo() {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env: {}, cwd: process.cwd() },
    };
  }

  it("health --watch prints one line per check until interrupted", async () => {
    const db = await connect(sqliteUrl());
    const { out, io } = captureIo();
    const stop = new AbortController();
    const watching = healthWatch(db, 20, false, io, stop.signal);
    await until(() => out.length >= 3, 5_000, "three checks");
    stop.abort();
    assert.equal(await watching, 0);
    await db.close();
    for (const line of out) assert.match(line, /^\S+Z healthy [\d.]+ ms pool total \d+ active \d+ idle \d+ waiting \d+ circuit closed\n$/);
    assert.match(HELP, /health \[--json\] \[--watch/);
    assert.deepEqual(parseCommand(["health", "--watch", "--interval", "250"]).flags, { watch: true, intervalMs: 250 });
  });

  it("warns on stderr about a slow statement, with its placeholders and no values", async () => {
    const { err, io } = captureIo();
    const slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) FROM c";
    assert.equal(await runCli(["query", slow, "--url", sqliteUrl(), "--slow-ms", "1"], io), 0);
    const warning = err.join("");
    assert.match(warning, /^polysql: warning: slow statement \(\d+ ms >= 1 ms\): WITH RECURSIVE/);
    const quiet = captureIo();
    assert.equal(await runCli(["query", "SELECT 1", "--url", sqliteUrl()], quiet.io), 0);
    assert.equal(quiet.err.join(""), "");
  });
});
