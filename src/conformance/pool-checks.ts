import { setTimeout as sleep } from "node:timers/promises";
import type { Database } from "../database.js";
import type { CheckContext, ConformanceCheck } from "./conformance-check.js";
import { ensure, expectCode, expectEqual } from "./expect.js";
import { createTable } from "./fixtures.js";

const area = "pool";

/**
 * Runs `fn` on a database of the check whose pool has `max` connections and an acquire deadline of
 * `ms`. Opening that database takes its first connection under the same deadline; a backend that
 * cannot even open a connection within it (an embedded engine compiling itself on a loaded machine)
 * gets the deadline four times longer, up to five tries: the checks are about waiting for a busy
 * pool, not about how fast a connection opens. A pool_timeout once the database is open is the
 * check's own finding and fails it.
 */
async function withDeadline(ctx: CheckContext, max: number, ms: number, fn: (db: Database, ms: number) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++, ms *= 4) {
    let opened = false;
    try {
      return await ctx.withDatabase({ pool: { max, acquireTimeoutMs: ms } }, (db) => {
        opened = true;
        return fn(db, ms);
      });
    } catch (err) {
      if (opened || attempt === 5 || (err as { code?: unknown })?.code !== "pool_timeout") throw err;
    }
  }
}

/** Pool behaviour on a real connection: timeouts, no leaks, concurrency, health, close. */
export const POOL_CHECKS: ConformanceCheck[] = [
  {
    area,
    name: "a caller waiting past acquireTimeoutMs gets a transient pool_timeout",
    async run(ctx) {
      await withDeadline(ctx, 1, 150, async (db, ms) => {
        // The holder has the connection before the second caller asks (an event, not a sleep).
        let held!: () => void;
        const holding = new Promise<void>((resolve) => (held = resolve));
        const holder = db.transaction(async () => {
          held();
          await sleep(ms + 2_000);
        });
        await holding;
        const started = Date.now();
        // A transaction, not a plain read: a backend with reader connections (SQLite) answers reads beside the held one.
        const e = await expectCode(
          db.transaction((tx) => tx.value("SELECT 1")),
          "pool_timeout",
          "a transaction while the only connection is held",
        );
        const waited = Date.now() - started;
        // Before the holder lets go (ms + 2 s): the caller timed out, it was not served late.
        ensure(waited >= ms * 0.8 && waited < ms + 1_500, `pool_timeout came after ${waited} ms; expected about ${ms} ms`);
        expectEqual(e.transient, true, "pool_timeout.transient");
        await holder;
        expectEqual(await db.value("SELECT 1"), 1, "a query once the connection is free");
      });
    },
  },
  {
    area,
    name: "failing statements, transactions and streams leak no connection",
    async run(ctx) {
      await withDeadline(ctx, 2, 2_000, async (db) => {
        for (let i = 0; i < 10; i++) {
          await db.all("SELEC 1").catch(() => undefined);
          await db.transaction((tx) => tx.all("SELECT * FROM cf_no_such_table")).catch(() => undefined);
          await db.transaction(() => Promise.reject(new Error("callback fails"))).catch(() => undefined);
          await (async () => {
            for await (const _ of db.stream("SELECT * FROM cf_no_such_table")) void _;
          })().catch(() => undefined);
        }
        const m = db.metrics();
        expectEqual([m.active, m.waiting], [0, 0], "[active, waiting] connections after 40 failures");
        expectEqual(await db.value("SELECT 1"), 1, "a query after the failures");
      });
    },
  },
  {
    area,
    name: "concurrent callers are all served, never over the pool's max",
    async run(ctx) {
      const max = Math.min(4, ctx.backend.dialect.capabilities.concurrentConnections ? 4 : 1);
      // The deadline is a safety net: 40 callers share one to four connections, however slow the machine.
      await withDeadline(ctx, max, 60_000, async (db) => {
        const t = await createTable(ctx, "concurrent", `id ${ctx.type("INTEGER")} PRIMARY KEY`, db);
        let peak = 0;
        const calls = Array.from({ length: 40 }, async (_, i) => {
          await db.execute(`INSERT INTO ${t} (id) VALUES (:id)`, { id: i });
          peak = Math.max(peak, db.metrics().total);
          return db.value<number>(`SELECT id FROM ${t} WHERE id = :id`, { id: i });
        });
        expectEqual(
          await Promise.all(calls),
          Array.from({ length: 40 }, (_, i) => i),
          "each caller's own row",
        );
        ensure(peak <= max, `the pool opened ${peak} connections; max is ${max}`);
        expectEqual(db.metrics().active, 0, "connections in use afterwards");
      });
    },
  },
  {
    area,
    name: "health() reports ok, the backend and the server version",
    async run(ctx) {
      const report = await ctx.db.health();
      expectEqual(report.ok, true, `health().ok (error: ${report.error?.code ?? "none"} ${report.error?.message ?? ""})`);
      expectEqual(report.engine, ctx.backend.name, "health().engine");
      ensure(
        typeof report.serverVersion === "string" && report.serverVersion !== "",
        `health().serverVersion must be a non-empty string, got ${JSON.stringify(report.serverVersion)}`,
      );
    },
  },
  {
    area,
    name: "after close(), calls fail with pool_closed",
    async run(ctx) {
      await ctx.withDatabase({}, async (db) => {
        await db.close();
        await expectCode(db.value("SELECT 1"), "pool_closed", "a query after close()");
      });
    },
  },
];
