import { setTimeout as sleep } from "node:timers/promises";
import type { Database, HealthReport } from "../database.js";
import { toJson, type CliIo } from "./cli-io.js";
import { EXIT } from "./exit-codes.js";

/**
 * `polysql health --watch`: one line per check (time, state, latency, pool, circuit) every
 * `intervalMs` after the previous one ended, until interrupted (SIGINT, SIGTERM) or `signal`
 * aborts. Exit code of the last check: 0 healthy, 1 not.
 */
export async function healthWatch(db: Database, intervalMs: number, json: boolean, io: CliIo, signal: AbortSignal = interrupted()): Promise<number> {
  let ok = true;
  while (!signal.aborted) {
    const report = await db.health(Math.max(1_000, intervalMs));
    ok = report.ok;
    io.stdout.write(
      json ? `${toJson({ at: new Date().toISOString(), ...report, circuit: db.metrics().circuit }, 0)}\n` : `${line(report, db.metrics().circuit)}\n`,
    );
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
  }
  return ok ? EXIT.ok : EXIT.failure;
}

/** `2026-01-01T00:00:00.000Z healthy 1.234 ms pool total 2 active 0 idle 2 waiting 0 circuit closed` */
function line(r: HealthReport, circuit: string): string {
  const p = r.pool;
  const state = r.ok ? "healthy" : `unhealthy ${r.error?.code}: ${r.error?.message}`;
  return `${new Date().toISOString()} ${state} ${r.latencyMs} ms pool total ${p.total} active ${p.active} idle ${p.idle} waiting ${p.waiting} circuit ${circuit}`;
}

/** Aborts on the first SIGINT or SIGTERM (the listeners go with it). */
function interrupted(): AbortSignal {
  const controller = new AbortController();
  const stop = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    controller.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return controller.signal;
}
