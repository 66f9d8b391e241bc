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
   * Backend-specific settings under the backend's name, e.g. `{ sqlite: { busyTimeoutMs: 1000 } }`;
   * for network engines also a function returning them, called for every new connection (rotating credentials).
   */
  [backend: string]: unknown;
}

const BIGINT_MODES: readonly BigintMode[] = ["number", "bigint", "string"];
const DUPLICATE_COLUMNS: readonly DuplicateColumns[] = ["last", "error"];
const CORE_KEYS = ["url", "pool", "bigint", "retry", "breaker", "queryTimeoutMs", "duplicateColumns"];

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
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(options.url)?.[1]?.toLowerCase();
  const backend = scheme === undefined ? undefined : backendForScheme(scheme);
  if (backend === undefined) {
    throw new ConfigError(
      `No backend for URL ${redactUrl(options.url)}: expected a scheme such as sqlite:, postgres:, mysql: (or one registered with registerBackend)`,
    );
  }
  checkKnownKeys("connect()", options, [...CORE_KEYS, backend.name]);
  const bigint = options.bigint ?? "number";
  if (!BIGINT_MODES.includes(bigint)) throw new ConfigError(`Option "bigint" must be one of "number", "bigint", "string"`);

  const config: Record<string, unknown> = { ...backend.parseUrl(options.url) };
  const own = options[backend.name];
  if (typeof own === "function") {
    deferBackendOptions(config, own as () => unknown);
  } else if (own !== undefined) {
    if (own === null || typeof own !== "object") throw new ConfigError(`Option "${backend.name}" must be an object, or a function returning one`);
    checkKnownKeys(backend.name, own, backend.configKeys);
    for (const [key, value] of Object.entries(own)) config[key] = value;
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
    },
  );
  try {
    return await db.open();
  } catch (err) {
    await db.close();
    throw err;
  }
}
