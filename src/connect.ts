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
import type { PortabilityMode } from "./check/portability-guard.js";
import type { ReplicaOptions } from "./cluster/replica-set.js";
import { multiHostBackend, parseHostList } from "./cluster/multi-host.js";
import type { BackendDefinition } from "./dialects/contract/index.js";
import type { ReplicaSetup } from "./database.js";
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
  /**
   * Read-only connections beside the one that writes, for plain reads outside a transaction and
   * read-only transactions: SQLite files under WAL (also `?readers=n` in the URL). Default 4 for a
   * SQLite file, 0 for `:memory:`; an engine without readers refuses the option. See docs/sqlite.md.
   */
  readers?: number;
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
   * A guard for test suites: each new statement text is checked once (cached by text) against the
   * rules of docs/portability.md, then `"warn"` emits a `PortabilityWarning` (once per text) and
   * `"error"` throws a `PortabilityError` naming the rule and the fix (every time it runs).
   * Default `"off"`: nothing is checked. polysql's own SQL (migrations, introspection) is exempt.
   */
  portability?: PortabilityMode | "off";
  /**
   * Read replicas of `url` (same engine, same credentials and backend options). Plain reads outside
   * a transaction go to a replica in the rotation, round robin; everything else to `url`, the primary.
   * `db.primary` / `db.replica` force the route; `metrics().nodes` and `health().nodes` report each node.
   */
  replicas?: readonly string[];
  /** A replica further behind the primary than this (measured in the background) leaves the rotation until it catches up. Default 5,000. */
  maxReplicaLagMs?: number;
  /**
   * After a write, reads from the same async context (AsyncLocalStorage) see it: they wait for a replica to
   * apply the write's position (WAL LSN, GTID), at most `timeoutMs` (default 200), else read on the primary.
   * Default on; `false` turns it off (reads may then be stale by the replica's lag).
   */
  readYourWrites?: boolean | { timeoutMs?: number };
  /** How often the background monitor measures each replica's lag. Default 1,000 ms. */
  replicaCheckIntervalMs?: number;
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
const REPLICA_KEYS = ["replicas", "maxReplicaLagMs", "readYourWrites", "replicaCheckIntervalMs"];
const OBSERVABILITY_KEYS = ["onQuery", "slowQueryMs", "telemetry", "healthCheckIntervalMs", "onHealthChange"];
const CORE_KEYS = [
  "url",
  "pool",
  "readers",
  "bigint",
  "retry",
  "breaker",
  "queryTimeoutMs",
  "duplicateColumns",
  "pooler",
  "directUrl",
  "portability",
  ...OBSERVABILITY_KEYS,
];
const PORTABILITY_MODES: readonly (PortabilityMode | "off")[] = ["off", "warn", "error"];

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
  checkKnownKeys("connect()", options, [...CORE_KEYS, ...REPLICA_KEYS, backend.name]);
  const bigint = options.bigint ?? "number";
  if (!BIGINT_MODES.includes(bigint)) throw new ConfigError(`Option "bigint" must be one of "number", "bigint", "string"`);

  if (pooler !== undefined && !POOLERS.includes(pooler)) {
    throw new ConfigError(`Option "pooler" (URL pooler=) must be ${POOLERS.map((p) => `"${p}"`).join(" or ")}, got ${JSON.stringify(pooler)}`);
  }
  if (options.directUrl !== undefined && (typeof options.directUrl !== "string" || options.directUrl === "")) {
    throw new ConfigError(`Option "directUrl" must be a non-empty URL string`);
  }
  const own = options[backend.name];
  /** One node's backend config: its URL's, then the backend options (the same for every node). */
  const nodeConfig = (nodeUrl: string): Record<string, unknown> => {
    const config: Record<string, unknown> = { ...backend.parseUrl(nodeUrl) };
    if (typeof own === "function") {
      deferBackendOptions(config, own as () => unknown);
    } else if (own !== undefined) {
      if (own === null || typeof own !== "object") throw new ConfigError(`Option "${backend.name}" must be an object, or a function returning one`);
      checkKnownKeys(backend.name, own, backend.configKeys);
      for (const [key, value] of Object.entries(own)) config[key] = value;
    }
    if (options.readers !== undefined) {
      if (!backend.configKeys.includes("readers")) {
        throw new ConfigError(`Option "readers" is for engines with reader connections (SQLite files); ${backend.name} has none: size its pool with "pool"`);
      }
      config.readers = options.readers;
    }
    if (pooler === "transaction" && backend.configKeys.includes("preparedStatements")) {
      // A named statement prepared on one server connection is missing on the next one the pooler picks.
      if (config.preparedStatements === true) {
        throw new ConfigError(`${backend.name} option "preparedStatements: true" cannot work behind pooler: "transaction"`);
      }
      config.preparedStatements = false;
    }
    // An options function is checked with its result, for each new connection.
    if (typeof own !== "function") validateBackendConfig(backend, config);
    return config;
  };
  // A host list (h1:port,h2:port): one config per host, and a backend whose connect picks among them.
  const hostList = parseHostList(url);
  const hostConfigs = hostList?.urls.map(nodeConfig);
  const config = hostConfigs?.[0] ?? nodeConfig(url);
  const target = hostList === undefined ? backend : multiHostBackend(backend, backend.dialectFor?.(config) ?? backend.dialect, hostList, hostConfigs!);
  const replicas = replicaSetup(options, backend, pooler, nodeConfig);
  if (hostList !== undefined && replicas !== undefined) {
    throw new ConfigError(`"replicas" with a host list in "url" is not supported: list the primary's hosts, or give one primary URL and its replicas`);
  }
  const pool = resolvePoolOptions(options.pool);
  // An embedded single-writer engine holds one connection (its readers are a pool of their own).
  if (!backend.dialect.capabilities.concurrentConnections) {
    pool.max = 1;
    pool.min = Math.min(pool.min, 1);
  }
  const queryTimeoutMs = options.queryTimeoutMs ?? 0;
  if (!Number.isInteger(queryTimeoutMs) || queryTimeoutMs < 0) throw new ConfigError(`Option "queryTimeoutMs" must be a whole number >= 0`);
  const duplicateColumns = options.duplicateColumns ?? "last";
  if (!DUPLICATE_COLUMNS.includes(duplicateColumns)) throw new ConfigError(`Option "duplicateColumns" must be one of "last", "error"`);
  const portability = options.portability ?? "off";
  if (!PORTABILITY_MODES.includes(portability)) throw new ConfigError(`Option "portability" must be one of "off", "warn", "error"`);
  if (options.onQuery !== undefined && typeof options.onQuery !== "function") throw new ConfigError(`Option "onQuery" must be a function`);
  const slowQueryMs = options.slowQueryMs ?? 0;
  if (typeof slowQueryMs !== "number" || !(slowQueryMs >= 0)) throw new ConfigError(`Option "slowQueryMs" must be a number >= 0`);
  const healthCheckIntervalMs = options.healthCheckIntervalMs ?? 0;
  if (!Number.isInteger(healthCheckIntervalMs) || healthCheckIntervalMs < 0)
    throw new ConfigError(`Option "healthCheckIntervalMs" must be a whole number >= 0`);
  if (options.onHealthChange !== undefined && typeof options.onHealthChange !== "function") throw new ConfigError(`Option "onHealthChange" must be a function`);
  const otel = resolveTelemetry(options.telemetry);
  const dialect = backend.dialectFor?.(config) ?? backend.dialect;
  if (otel !== undefined && dialect.responseStatusCode !== undefined) otel.responseStatusCode = dialect.responseStatusCode;
  const observer =
    options.onQuery !== undefined || otel !== undefined ? new Observer(backend.name, dialect.syntax, options.onQuery, slowQueryMs, otel) : undefined;
  const db = new Database(
    target,
    config,
    { bigint },
    {
      pool,
      retry: resolveRetryOptions(options.retry),
      breaker: resolveNumbers("breaker", options.breaker, BREAKER_DEFAULTS),
      queryTimeoutMs,
      duplicateColumns,
      // Loaded only when asked for: the check's rules are a good part of what `import("polysql")` would read otherwise.
      portability: portability === "off" ? undefined : new (await import("./check/portability-guard.js")).PortabilityGuard(portability),
      observer,
      healthMonitor: healthCheckIntervalMs > 0 ? { intervalMs: healthCheckIntervalMs, onChange: options.onHealthChange } : undefined,
      pooler,
      replicas,
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

/** The replica URLs' configs and the router's settings, checked; undefined without replicas. */
function replicaSetup(
  options: ConnectOptions,
  backend: BackendDefinition<object>,
  pooler: Pooler | undefined,
  nodeConfig: (url: string) => Record<string, unknown>,
): ReplicaSetup | undefined {
  const { replicas, maxReplicaLagMs = 5_000, readYourWrites = true, replicaCheckIntervalMs = 1_000 } = options;
  if (replicas === undefined || (Array.isArray(replicas) && replicas.length === 0)) {
    for (const key of ["maxReplicaLagMs", "readYourWrites", "replicaCheckIntervalMs"] as const) {
      if (options[key] !== undefined) throw new ConfigError(`Option "${key}" needs "replicas" (read replica URLs)`);
    }
    return undefined;
  }
  if (!Array.isArray(replicas) || replicas.some((r) => typeof r !== "string" || r === "")) {
    throw new ConfigError(`Option "replicas" must be an array of URLs`);
  }
  const configs = replicas.map((replicaUrl: string) => {
    const taken = takeUrlParam(replicaUrl, "pooler");
    if (taken.value !== undefined && taken.value !== pooler) {
      throw new ConfigError(`Replica ${redactUrl(taken.url)} says pooler=${taken.value}: set pooler for the whole database (on "url" or the "pooler" option)`);
    }
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(taken.url)?.[1]?.toLowerCase();
    if (scheme === undefined || backendForScheme(scheme) !== backend) {
      throw new ConfigError(`Replica ${redactUrl(taken.url)} is not a ${backend.name} URL: replicas are of the primary's engine`);
    }
    return { url: taken.url, config: nodeConfig(taken.url) };
  });
  if (!Number.isInteger(maxReplicaLagMs) || maxReplicaLagMs < 0) throw new ConfigError(`Option "maxReplicaLagMs" must be a whole number >= 0`);
  if (!Number.isInteger(replicaCheckIntervalMs) || replicaCheckIntervalMs < 10) {
    throw new ConfigError(`Option "replicaCheckIntervalMs" must be a whole number >= 10`);
  }
  let ryw: ReplicaOptions["readYourWrites"];
  if (readYourWrites === false) ryw = false;
  else if (readYourWrites === true) ryw = { timeoutMs: 200 };
  else if (readYourWrites !== null && typeof readYourWrites === "object") {
    checkKnownKeys("readYourWrites", readYourWrites, ["timeoutMs"]);
    const timeoutMs = readYourWrites.timeoutMs ?? 200;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) throw new ConfigError(`readYourWrites option "timeoutMs" must be a whole number >= 0`);
    ryw = { timeoutMs };
  } else throw new ConfigError(`Option "readYourWrites" must be true, false or { timeoutMs }`);
  return {
    primaryUrl: takeUrlParam(options.url, "pooler").url,
    nodes: configs,
    options: { maxReplicaLagMs, readYourWrites: ryw, checkIntervalMs: replicaCheckIntervalMs },
  };
}
