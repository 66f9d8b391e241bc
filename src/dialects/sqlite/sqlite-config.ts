import { unknownOptionMessage } from "../../config/options.js";
import { ConfigError } from "../../errors.js";

/** Settings of one SQLite database. */
export interface SqliteConfig {
  /** File path, or `:memory:`. */
  filename: string;
  /** `ro` read-only, `rw` must exist, `rwc` create if missing (default). */
  mode: "ro" | "rw" | "rwc";
  /** How long a writer waits for a lock before SQLITE_BUSY. */
  busyTimeoutMs: number;
  /**
   * Read-only connections beside the writer, for plain reads outside a transaction and read-only
   * transactions (opened on demand). Default 4 for a file, 0 (and only 0) for `:memory:`.
   */
  readers?: number;
  /** Set by the backend on the config of a reader connection; not a user option. */
  role?: "reader";
}

export const SQLITE_CONFIG_KEYS = ["filename", "mode", "busyTimeoutMs", "readers"] as const;

/**
 * Readers by default: a reader is needed only while a read cannot finish at once (a stream being
 * consumed, a read-only transaction, a read beside a statement deadline); the synchronous reads
 * of one thread take turns on one. Four covers several streams at once; each costs a file handle
 * and its page cache (up to 2 MiB), and is opened only when needed.
 */
export const DEFAULT_READERS = 4;
/** Most readers one database may have. */
const MAX_READERS = 64;

/** Whether the config names an in-memory database (private to its connection). */
export function isMemory(config: Pick<SqliteConfig, "filename">): boolean {
  return config.filename === ":memory:" || config.filename === "";
}

/**
 * Parses `sqlite:./app.db`, `sqlite:///abs/path.db`, `sqlite::memory:`,
 * with `?mode=ro|rw|rwc`, `?busy_timeout=ms` and `?readers=n`.
 */
export function parseSqliteUrl(url: string): SqliteConfig {
  const match = /^(?:sqlite3?|file):(.*)$/i.exec(url);
  if (!match) throw new ConfigError(`Not a SQLite URL: ${url}`);
  let rest = match[1];
  const q = rest.indexOf("?");
  const query = new URLSearchParams(q >= 0 ? rest.slice(q + 1) : "");
  if (q >= 0) rest = rest.slice(0, q);
  if (rest.startsWith("//")) rest = rest.slice(2);
  const filename = rest === "" || rest === "memory" ? ":memory:" : decodeURIComponent(rest);
  const config: SqliteConfig = { filename, mode: "rwc", busyTimeoutMs: 5000 };
  for (const [key, value] of query) {
    if (key === "mode") {
      if (value !== "ro" && value !== "rw" && value !== "rwc") {
        throw new ConfigError(`SQLite URL option mode=${value} is not one of ro, rw, rwc`);
      }
      config.mode = value;
    } else if (key === "busy_timeout") {
      const ms = Number(value);
      if (!Number.isInteger(ms) || ms < 0) throw new ConfigError(`SQLite URL option busy_timeout=${value} is not a whole number of ms`);
      config.busyTimeoutMs = ms;
    } else if (key === "readers") {
      const n = Number(value);
      if (value === "" || !Number.isInteger(n) || n < 0 || n > MAX_READERS) {
        throw new ConfigError(`SQLite URL option readers=${value} is not a whole number from 0 to ${MAX_READERS}`);
      }
      config.readers = n;
    } else {
      throw new ConfigError(unknownOptionMessage("SQLite URL", key, ["mode", "busy_timeout", "readers"]));
    }
  }
  return config;
}

/** Checks the merged config (URL and `connect({ sqlite })`, or the top-level `readers`). */
export function validateSqliteConfig(config: SqliteConfig): void {
  const { readers } = config;
  if (readers === undefined) return;
  if (typeof readers !== "number" || !Number.isInteger(readers) || readers < 0 || readers > MAX_READERS) {
    throw new ConfigError(`SQLite option "readers" must be a whole number from 0 to ${MAX_READERS}, got ${String(readers)}`);
  }
  if (readers > 0 && isMemory(config)) {
    throw new ConfigError(
      `SQLite option "readers" must be 0 for :memory:: an in-memory database belongs to its one connection (a shared-cache one has table locks and sees uncommitted rows, not WAL snapshots); use a file for readers`,
    );
  }
}

/**
 * The readers of a database: none for `:memory:`; for a file, `readers` (default 4) connections
 * opened read-only. A writable database's readers need WAL (the writer turns it on), which they
 * check when they open; a `mode=ro` database's are plain read-only connections.
 */
export function sqliteReaders(config: SqliteConfig): { count: number; config: SqliteConfig } | undefined {
  if (isMemory(config) || config.role === "reader") return undefined;
  const count = config.readers ?? DEFAULT_READERS;
  return count === 0 ? undefined : { count, config: { ...config, role: "reader" } };
}
