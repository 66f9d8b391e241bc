import type { ValueOptions } from "../../values/decoders.js";
import type { Dialect } from "./dialect.js";
import type { DriverConnection } from "./driver.js";

/**
 * A backend: what a plugin registers to add an engine. The core provides the
 * pool, transactions, retries, errors and the public API around it.
 *
 * @example
 * registerBackend({ name: "pglite", schemes: ["pglite"], version: "1.0.0",
 *   driverPackages: ["@electric-sql/pglite"], dialect, configKeys: ["dataDir"],
 *   parseUrl: (url) => ({ dataDir: url.pathname }), connect: async (cfg) => openPglite(cfg) });
 */
/** What telemetry says of one database: OpenTelemetry's `db.system.name`, `db.namespace`, `server.address`, `server.port`. */
export interface BackendIdentity {
  /** `db.system.name` as the conventions spell it: `postgresql`, `mysql`, `mariadb`, `sqlite`... */
  system: string;
  /** The database (or schema, or file) the connection uses. */
  namespace?: string;
  address?: string;
  port?: number;
}

export interface BackendDefinition<Config extends object = Record<string, unknown>> {
  readonly name: string;
  /** URL schemes without the colon, e.g. `["postgres", "postgresql"]`. */
  readonly schemes: readonly string[];
  readonly version: string;
  /** npm packages the driver loads; listed by `backends()` with whether they are installed. */
  readonly driverPackages: readonly string[];
  readonly dialect: Dialect;
  /**
   * Optional: the dialect for one database's config, when an option changes how the
   * engine reads SQL (MySQL's `sqlMode` picks the portable or the native lexer). Called
   * once by `connect()` with the URL's and the options object's config; absent means `dialect`.
   * Options that choose the dialect cannot come from an options function.
   */
  dialectFor?(config: Config): Dialect;
  /** Keys a caller may pass under `connect({ <backend name>: {...} })`; others are errors. */
  readonly configKeys: readonly string[];
  /** Turns a URL into this backend's config; throws ConfigError on a bad one. */
  parseUrl(url: string): Config;
  /**
   * Checks the merged config (from the URL and `connect({ <name>: {...} })`) before
   * any connection is opened; throws `ConfigError` naming the bad option. Unknown
   * keys are already rejected by `configKeys`.
   */
  validateConfig?(config: Config): void;
  /**
   * Optional: the database as telemetry describes it, from the config and the connected server's
   * version (which tells MySQL from MariaDB; undefined before the first connection). Absent:
   * `db.system.name` is the backend's name and the rest is left out.
   */
  identify?(config: Config, serverVersion: string | undefined): BackendIdentity;
  /** Opens one connection. */
  connect(config: Config, values: ValueOptions): Promise<DriverConnection>;
  /**
   * Optional: read-only connections to the same database, a second pool beside the one that
   * writes (SQLite under WAL: one writer, several readers). Plain reads outside a transaction
   * and read-only transactions run on them. Returns how many at most and the config to open one
   * with; absent, undefined or `count: 0`: none, every statement runs on the main pool.
   */
  readers?(config: Config): { count: number; config: Config } | undefined;
}
