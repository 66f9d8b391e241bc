import type { BigintMode } from "./values/decoders.js";
import { Database } from "./database.js";
import { deferBackendOptions } from "./config/credentials.js";
import { ConfigError } from "./errors.js";
import { checkKnownKeys, resolveNumbers } from "./config/options.js";
import { BREAKER_DEFAULTS, type BreakerOptions } from "./pool/circuit-breaker.js";
import { resolvePoolOptions, type PoolOptions } from "./pool/pool-options.js";
import { resolveRetryOptions, type RetryOptions } from "./session/retry.js";
import type { DuplicateColumns } from "./session/result-shape.js";
import { backendForScheme, validateBackendConfig } from "./dialects/registry.js";
import { redactUrl } from "./config/redact.js";
import { takeUrlParam } from "./config/url-params.js";
import { Observer } from "./telemetry/observer.js";
import { resolveTelemetry, type TelemetryOptions } from "./telemetry/otel.js";
import type { QueryHook } from "./telemetry/query-event.js";
import type { HealthReport } from "./database.js";
import "./dialects/builtin.js";

/** Options of `connect()`; unknown keys are errors. */
export interface ConnectOptions {
  /** `sqlite:./app.db`, `sqlite::memory:`, `postgres://...`, `mysql://...`, or a plugin's scheme. */
  url: string;
  pool?: Partial<PoolOptions>;
  /** How BIGINT values come back. Default `"number"` (an error past 2^53). */
  bigint?: BigintMode;
  /** Retries of transient failures for single statements (and the backoff for `transaction({ retries })`). */
  retry?: Partial<RetryOptions>;
  /** Circuit breaker: `{ threshold, cooldownMs }`; `threshold: 0` turns it off. */
  breaker?: Partial<BreakerOptions>;
  /** Client-side deadline per statement; past it the connection is destroyed and the call fails with `query_timeout`. Default 0 (none). */
  queryTimeoutMs?: number;
  /**
   * A result with two columns of one name: row objects keep the last (`"last"`, the default),
   * or the call fails with `duplicate_column` naming them (`"error"`). Positional results
   * (`query()`, `value()`, array streams) keep every column either way.
   */
  duplicateColumns?: DuplicateColumns;
  /**
   * `"transaction"`: the URL reaches the database through a pooler that gives each transaction a
   * server connection of its choosing (PgBouncer's `pool_mode = transaction`); also
   * `?pooler=transaction` in the URL. polysql then prepares no named statements and relies on no
   * session state between transactions; `db.connection()`, and statements that change the session
   * (`SET`, session locks, `LISTEN`, temporary tables) outside a transaction, are `pooler_unsupported`
   * errors; migrations take their lock through `directUrl`. Not detected: say it.
   */
  pooler?: Pooler;
  /**
   * A URL that reaches the same database without the pooler, for what needs one session:
   * the migration lock and `db.direct()`. Opened on demand, with this call's other options.
   */
  directUrl?: string;
  /**
   * Called once per statement after it ended, with `{ sql, operation, collection, engine, durationMs, waitMs,
   * rowCount, attempt, inTransaction, slow, error? }` (see `QueryEvent`). Synchronous; what it throws is reported
   * once through `process.emitWarning` (code `POLYSQL_ON_QUERY`) and never reaches the query.
   */
  onQuery?: QueryHook;
  /** Statements lasting at least this many ms are marked `slow` in `onQuery` events (the CLI warns about them). Default 0 (none). */
  slowQueryMs?: number;
  /**
   * OpenTelemetry spans and metrics (stable database conventions). By default on when `@opentelemetry/api` is
   * installed and an SDK registered global providers before `connect()`; `false` turns it off; an object gives
   * providers and `parameters: true` (bound values on spans). See docs/observability.md.
   */
  telemetry?: false | TelemetryOptions;
  /** Runs `db.health()` in the background every this many ms (0, the default: never); see `onHealthChange`. */
  healthCheckIntervalMs?: number;
  /** Called when a background health check finds the state changed (healthy ↔ unhealthy); an unhealthy result holds the circuit breaker open until a check succeeds. */
  onHealthChange?: (report: HealthReport) => void;
  /**
   * Backend-specific settings under the backend's name, e.g. `{ sqlite: { busyTimeoutMs: 1000 } }`;
   * for network engines also a function returning them, called for every new connection (rotating credentials).
   */
  [backend: string]: unknown;
}

const BIGINT_MODES: readonly BigintMode[] = ["number", "bigint", "string"];
const DUPLICATE_COLUMNS: readonly DuplicateColumns[] = ["last", "error"];
const OBSERVABILITY_KEYS = ["onQuery", "slowQueryMs", "telemetry", "healthCheckIntervalMs", "onHealthChange"];
const CORE_KEYS = ["url", "pool", "bigint", "retry", "breaker", "queryTimeoutMs", "duplicateColumns", "pooler", "directUrl", ...OBSERVABILITY_KEYS];

/** What sits between polysql and the database: a transaction-mode pooler, or nothing (undefined). */
export type Pooler = "transaction";
const POOLERS: readonly Pooler[] = ["transaction"];

/**
 * Opens a database by URL; the backend is chosen by the URL's scheme and its
 * driver package is loaded on first use.
 *
 * @example
 * const db = await connect(process.env.DATABASE_URL ?? "sqlite:./app.db");
 * const db2 = await connect({ url: "postgres://app@localhost/app", pool: { max: 20 } });
 */
export async function connect(urlOrOptions: string | ConnectOptions): Promise<Database> {
  const options: ConnectOptions = typeof urlOrOptions === "string" ? { url: urlOrOptions } : urlOrOptions;
  if (options === null || typeof options !== "object") throw new ConfigError("connect() takes a URL string or an options object");
  if (typeof options.url !== "string" || options.url === "") throw new ConfigError(`connect(): option "url" must be a non-empty string`);
  // polysql's own URL parameter, not the driver's.
  const fromUrl = takeUrlParam(options.url, "pooler");
  const url = fromUrl.url;
  const pooler = options.pooler ?? (fromUrl.value as Pooler | undefined);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(options.url)?.[1]?.toLowerCase();
  const backend = scheme === undefined ? undefined : backendForScheme(scheme);
  if (backend === undefined) {
    throw new ConfigError(
      `No backend for URL ${redactUrl(url)}: expected a scheme such as sqlite:, postgres:, mysql: (or one registered with registerBackend)`,
    );
  }
  checkKnownKeys("connect()", options, [...CORE_KEYS, backend.name]);
  const bigint = options.bigint ?? "number";
  if (!BIGINT_MODES.includes(bigint)) throw new ConfigError(`Option "bigint" must be one of "number", "bigint", "string"`);

  if (pooler !== undefined && !POOLERS.includes(pooler)) {
    throw new ConfigError(`Option "pooler" (URL pooler=) must be ${POOLERS.map((p) => `"${p}"`).join(" or ")}, got ${JSON.stringify(pooler)}`);
  }
  if (options.directUrl !== undefined && (typeof options.directUrl !== "string" || options.directUrl === "")) {
    throw new ConfigError(`Option "directUrl" must be a non-empty URL string`);
  }
  const config: Record<string, unknown> = { ...backend.parseUrl(url) };
  const own = options[backend.name];
  if (typeof own === "function") {
    deferBackendOptions(config, own as () => unknown);
  } else if (own !== undefined) {
    if (own === null || typeof own !== "object") throw new ConfigError(`Option "${backend.name}" must be an object, or a function returning one`);
    checkKnownKeys(backend.name, own, backend.configKeys);
    for (const [key, value] of Object.entries(own)) config[key] = value;
  }
  if (pooler === "transaction" && backend.configKeys.includes("preparedStatements")) {
    // A named statement prepared on one server connection is missing on the next one the pooler picks.
    if (config.preparedStatements === true) throw new ConfigError(`${backend.name} option "preparedStatements: true" cannot work behind pooler: "transaction"`);
    config.preparedStatements = false;
  }
  // An options function is checked with its result, for each new connection.
  if (typeof own !== "function") validateBackendConfig(backend, config);
  const pool = resolvePoolOptions(options.pool);
  // An embedded single-writer engine holds one connection.
  if (!backend.dialect.capabilities.concurrentConnections) {
    pool.max = 1;
    pool.min = Math.min(pool.min, 1);
  }
  const queryTimeoutMs = options.queryTimeoutMs ?? 0;
  if (!Number.isInteger(queryTimeoutMs) || queryTimeoutMs < 0) throw new ConfigError(`Option "queryTimeoutMs" must be a whole number >= 0`);
  const duplicateColumns = options.duplicateColumns ?? "last";
  if (!DUPLICATE_COLUMNS.includes(duplicateColumns)) throw new ConfigError(`Option "duplicateColumns" must be one of "last", "error"`);
  if (options.onQuery !== undefined && typeof options.onQuery !== "function") throw new ConfigError(`Option "onQuery" must be a function`);
  const slowQueryMs = options.slowQueryMs ?? 0;
  if (typeof slowQueryMs !== "number" || !(slowQueryMs >= 0)) throw new ConfigError(`Option "slowQueryMs" must be a number >= 0`);
  const healthCheckIntervalMs = options.healthCheckIntervalMs ?? 0;
  if (!Number.isInteger(healthCheckIntervalMs) || healthCheckIntervalMs < 0)
    throw new ConfigError(`Option "healthCheckIntervalMs" must be a whole number >= 0`);
  if (options.onHealthChange !== undefined && typeof options.onHealthChange !== "function") throw new ConfigError(`Option "onHealthChange" must be a function`);
  const otel = resolveTelemetry(options.telemetry);
  const syntax = (backend.dialectFor?.(config) ?? backend.dialect).syntax;
  const observer = options.onQuery !== undefined || otel !== undefined ? new Observer(backend.name, syntax, options.onQuery, slowQueryMs, otel) : undefined;
  const db = new Database(
    backend,
    config,
    { bigint },
    {
      pool,
      retry: resolveRetryOptions(options.retry),
      breaker: resolveNumbers("breaker", options.breaker, BREAKER_DEFAULTS),
      queryTimeoutMs,
      duplicateColumns,
      observer,
      healthMonitor: healthCheckIntervalMs > 0 ? { intervalMs: healthCheckIntervalMs, onChange: options.onHealthChange } : undefined,
      pooler,
      // Session-bound work behind a pooler goes to the database directly, with the same options.
      openDirect:
        options.directUrl === undefined ? undefined : () => connect({ ...options, url: options.directUrl as string, pooler: undefined, directUrl: undefined }),
    },
  );
  try {
    return await db.open();
  } catch (err) {
    await db.close();
    throw err;
  }
}
