import { setTimeout as sleep } from "node:timers/promises";
import type { BackendDefinition, PortableType } from "../dialects/index.js";
import { connect, type ConnectOptions } from "../connect.js";
import type { Database } from "../database.js";
import { ConfigError } from "../errors.js";
import { redactUrl } from "../index.js";
import { backendByName, backendForScheme, registerBackend, unregisterBackend } from "../dialects/index.js";
import { ALL_CHECKS } from "./all-checks.js";
import type { CheckContext, CheckResult, ConformanceCheck, ConformanceReport } from "./conformance-check.js";
import { describeError } from "./expect.js";
import { withTimeout } from "../util/timeout.js";

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /** A real database of the backend under test; the kit creates and drops `cf_*` tables in it. */
  url: string;
  /**
   * The backend to test: a definition (registered for the run when it is not already,
   * and removed after) or a registered name. Default: the backend serving the URL's scheme.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a backend of any config type is accepted; the kit never reads its config
  backend?: BackendDefinition<any> | string;
  /** Run only these areas (e.g. `"values"`) or checks (by name). */
  only?: readonly string[];
  /** Skip these areas or checks. */
  skip?: readonly string[];
  /**
   * Extra `connect()` options for every database the kit opens, e.g. `{ sqlite: { busyTimeoutMs: 100 } }`.
   * With `pooler: "transaction"` (or `?pooler=transaction` in the URL) the checks that need one server
   * session beyond a transaction are skipped, saying so.
   */
  connectOptions?: Omit<ConnectOptions, "url">;
  /** Deadline per check. Default 30,000 ms. */
  timeoutMs?: number;
  /** Called after each check, e.g. to print progress. */
  onResult?: (result: CheckResult) => void;
}

/**
 * Runs the shared behavioural suite against a real database and reports every
 * check as pass, fail (with a readable reason) or skip (a capability the backend
 * declares missing, or not selected). Never throws for a failing check; throws
 * only when the database cannot be opened at all.
 *
 * @example
 * const report = await runConformance({ url: "pglite::memory:", backend: pgliteBackend });
 * console.log(formatReport(report));
 * if (!report.ok) process.exitCode = 1;
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const started = performance.now();
  const { backend, registered } = resolveBackend(options);
  try {
    const context = new KitContext(backend, options);
    await context.openShared();
    const checks: CheckResult[] = [];
    try {
      for (const check of ALL_CHECKS) {
        const result = await runCheck(check, context, options);
        checks.push(result);
        options.onResult?.(result);
      }
    } finally {
      await context.close();
    }
    const count = (status: CheckResult["status"]) => checks.filter((c) => c.status === status).length;
    const totals = { pass: count("pass"), fail: count("fail"), skip: count("skip"), total: checks.length };
    return {
      backend: backend.name,
      version: backend.version,
      url: redactUrl(options.url),
      ok: totals.fail === 0,
      checks,
      totals,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    if (registered) unregisterBackend(backend.name);
  }
}

function resolveBackend(options: ConformanceOptions): { backend: BackendDefinition<object>; registered: boolean } {
  if (options === null || typeof options !== "object" || typeof options.url !== "string" || options.url === "") {
    throw new ConfigError(`runConformance(): option "url" must be a database URL`);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(options.url)?.[1]?.toLowerCase() ?? "";
  let registered = false;
  let backend: BackendDefinition<object> | undefined;
  if (typeof options.backend === "string") {
    backend = backendByName(options.backend);
    if (backend === undefined) throw new ConfigError(`runConformance(): no backend named "${options.backend}" is registered`);
  } else if (options.backend !== undefined) {
    backend = options.backend as BackendDefinition<object>;
    if (backendByName(backend.name) !== backend) {
      if (backendByName(backend.name) !== undefined) throw new ConfigError(`runConformance(): another backend named "${backend.name}" is already registered`);
      registerBackend(backend);
      registered = true;
    }
  }
  const serving = backendForScheme(scheme);
  backend ??= serving;
  if (backend === undefined || serving !== backend) {
    if (registered) unregisterBackend(backend!.name);
    throw new ConfigError(
      `runConformance(): the URL's scheme "${scheme}:" is served by ${serving ? `backend "${serving.name}"` : "no backend"}${backend ? `, not "${backend.name}"` : ""}`,
    );
  }
  return { backend, registered };
}

async function runCheck(check: ConformanceCheck, context: KitContext, options: ConformanceOptions): Promise<CheckResult> {
  const base = { name: check.name, area: check.area };
  const notSelected = selection(check, options);
  if (notSelected) return { ...base, status: "skip", reason: notSelected, durationMs: 0 };
  const capabilities = context.backend.dialect.capabilities;
  const missing = (check.requires ?? []).find((cap) => capabilities[cap] !== true);
  if (missing) return { ...base, status: "skip", reason: `${missing}: ${capabilities[missing] === false ? "false" : "not declared"}`, durationMs: 0 };
  if (check.needsSession && behindPooler(options)) return { ...base, status: "skip", reason: SESSION_SKIP, durationMs: 0 };
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timedOut = false;
  try {
    await withTimeout(check.run(context), timeoutMs, () => ((timedOut = true), new Error(`timed out after ${timeoutMs} ms`)));
    return { ...base, status: "pass", durationMs: elapsed(started) };
  } catch (err) {
    return { ...base, status: "fail", error: describeError(err), durationMs: elapsed(started) };
  } finally {
    await context.cleanUp(timedOut);
  }
}

/** Why a session-bound check does not run behind a transaction-mode pooler. */
const SESSION_SKIP = `pooler: "transaction": needs one server session beyond a transaction, which a transaction-mode pooler does not give (db.connection() is pooler_unsupported there)`;

/** The run goes through a transaction-mode pooler: `connectOptions.pooler`, or `?pooler=transaction` in the URL. */
function behindPooler(options: ConformanceOptions): boolean {
  return options.connectOptions?.pooler === "transaction" || /[?&]pooler=transaction(?:&|#|$)/.test(options.url);
}

function selection(check: ConformanceCheck, options: ConformanceOptions): string | undefined {
  const matches = (list: readonly string[] | undefined) => list?.some((s) => s === check.area || s === check.name) ?? false;
  if (options.only !== undefined && !matches(options.only)) return "not selected (only)";
  if (matches(options.skip)) return "skipped by the caller (skip)";
  return undefined;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/** The context checks run in: one shared database, tables to drop, other databases on demand. */
class KitContext implements CheckContext {
  private shared?: Database;
  private readonly created: string[] = [];

  constructor(
    readonly backend: BackendDefinition<object>,
    private readonly options: ConformanceOptions,
  ) {}

  get db(): Database {
    if (this.shared === undefined) throw new Error("the database under test is not open");
    return this.shared;
  }

  type(portable: PortableType): string {
    return this.backend.dialect.types[portable];
  }

  table(name: string): string {
    const table = `cf_${name}`;
    if (!this.created.includes(table)) this.created.push(table);
    return table;
  }

  async open(extra: Omit<ConnectOptions, "url"> = {}): Promise<Database> {
    const base = this.options.connectOptions ?? {};
    const pool = { ...(base.pool ?? {}), ...(extra.pool ?? {}) };
    return connect({ ...base, ...extra, pool, url: this.options.url });
  }

  async openShared(): Promise<void> {
    this.shared = await this.open();
  }

  async withDatabase<T>(options: Omit<ConnectOptions, "url">, fn: (db: Database) => Promise<T>): Promise<T> {
    await this.closeShared();
    try {
      const db = await this.open(options);
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    } finally {
      await this.openShared();
    }
  }

  /** Drops the check's tables; after a timeout, first replaces the shared database (the check may still hold it). */
  async cleanUp(timedOut: boolean): Promise<void> {
    if (timedOut) {
      await this.closeShared();
      await sleep(10);
      await this.openShared();
    }
    for (const table of this.created.splice(0).reverse()) {
      await this.db.execute(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.closeShared();
  }

  private async closeShared(): Promise<void> {
    const db = this.shared;
    this.shared = undefined;
    await db?.close();
  }
}
