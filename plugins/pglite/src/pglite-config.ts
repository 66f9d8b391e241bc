import { ConfigError } from "./polysql.js";

/** Settings of one PGlite database. */
export interface PgliteConfig {
  /** Directory holding the database files; undefined for an in-memory database. */
  dataDir?: string;
  /** Let PGlite flush to disk after a query returns instead of before (faster, less durable). */
  relaxedDurability?: boolean;
}

export const PGLITE_CONFIG_KEYS = ["dataDir", "relaxedDurability"] as const;

/**
 * Parses `pglite::memory:` (or `pglite:`) for an in-memory database and
 * `pglite:./dir`, `pglite:///abs/dir` for one stored in a directory.
 *
 * @example parsePgliteUrl("pglite:./data/app") // { dataDir: "./data/app" }
 */
export function parsePgliteUrl(url: string): PgliteConfig {
  const match = /^pglite:(.*)$/i.exec(url);
  if (!match) throw new ConfigError(`Not a PGlite URL: expected pglite::memory: or pglite:./dir`);
  let rest = match[1];
  if (rest.includes("?")) throw new ConfigError(`PGlite URLs take no ?options; pass { pglite: { relaxedDurability: true } } to connect()`);
  if (rest.startsWith("//")) rest = rest.slice(2);
  return rest === "" || rest === ":memory:" ? {} : { dataDir: decodeURIComponent(rest) };
}

/** Checks the merged config: `dataDir` a non-empty string, `relaxedDurability` a boolean. */
export function validatePgliteConfig(config: PgliteConfig): void {
  if (config.dataDir !== undefined && (typeof config.dataDir !== "string" || config.dataDir === "")) {
    throw new ConfigError(`PGlite option "dataDir" must be a non-empty directory path`);
  }
  if (config.relaxedDurability !== undefined && typeof config.relaxedDurability !== "boolean") {
    throw new ConfigError(`PGlite option "relaxedDurability" must be true or false`);
  }
}
