import type { BackendDefinition, Capabilities, PortableType } from "../dialects/index.js";
import type { ConnectOptions } from "../connect.js";
import type { Database } from "../database.js";

/** The areas of the suite, in the order they run. */
export const AREAS = ["queries", "columns", "transactions", "values", "errors", "streaming", "bulk", "pool", "introspection", "sessions"] as const;
export type ConformanceArea = (typeof AREAS)[number];

/** A capability a check depends on; declared false (or absent) it makes the check skip. */
export type CapabilityName = keyof Capabilities;

/** What a check gets to work with. */
export interface CheckContext {
  /** The database under test, opened with the run's options. */
  readonly db: Database;
  readonly backend: BackendDefinition<object>;
  /** The engine's spelling of a portable type, e.g. `type("TIMESTAMP")` → `TIMESTAMPTZ(3)`. */
  type(portable: PortableType): string;
  /** A table name for this check (`cf_` + name); it is dropped when the check ends. */
  table(name: string): string;
  /**
   * Runs `fn` on a database opened with other options (pool sizes, timeouts) and
   * closes it after. The shared database is closed meanwhile, so engines that
   * allow one open instance per file (PGlite, SQLite in memory) work too.
   */
  withDatabase<T>(options: Omit<ConnectOptions, "url">, fn: (db: Database) => Promise<T>): Promise<T>;
}

/** One behavioural check of the suite. */
export interface ConformanceCheck {
  readonly area: ConformanceArea;
  /** Says what must hold, e.g. "a missing named parameter is a missing_parameter error". */
  readonly name: string;
  /** Capabilities this check needs; any one declared false makes it skip with that as the reason. */
  readonly requires?: readonly CapabilityName[];
  /**
   * The check holds one server session beyond a transaction (`db.connection()`): skipped, with that
   * as the reason, when the run goes through a transaction-mode pooler (`pooler: "transaction"`).
   */
  readonly needsSession?: boolean;
  run(ctx: CheckContext): Promise<void>;
}

/** The outcome of one check. */
export interface CheckResult {
  name: string;
  area: ConformanceArea;
  status: "pass" | "fail" | "skip";
  /** Why it was skipped, e.g. `returning: false` (a declared capability) or `not selected`. */
  reason?: string;
  /** Why it failed, readable on its own: what was expected and what came back. */
  error?: string;
  durationMs: number;
}

/** What `runConformance` returns. */
export interface ConformanceReport {
  backend: string;
  version: string;
  /** The URL with any password masked. */
  url: string;
  /** True when no check failed. */
  ok: boolean;
  checks: CheckResult[];
  totals: { pass: number; fail: number; skip: number; total: number };
  durationMs: number;
}
