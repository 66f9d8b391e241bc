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
}

export const SQLITE_CONFIG_KEYS = ["filename", "mode", "busyTimeoutMs"] as const;

/**
 * Parses `sqlite:./app.db`, `sqlite:///abs/path.db`, `sqlite::memory:`,
 * with `?mode=ro|rw|rwc` and `?busy_timeout=ms`.
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
    } else {
      throw new ConfigError(unknownOptionMessage("SQLite URL", key, ["mode", "busy_timeout"]));
    }
  }
  return config;
}
