import { checkKnownKeys } from "../config/options.js";
import { ConfigError } from "../errors.js";
import type { MigrationStep } from "./migrate-result.js";

/** Options shared by `migrate`, `down`, `status`, `validate` and `repair`. */
export interface MigrationOptions {
  /** Directory holding `V001__name.sql` files. Default `./migrations`. */
  dir?: string;
  /** Accept a pending file that sorts before an applied one. */
  allowOutOfOrder?: boolean;
  /** How long to wait for another migrator's lock. Default 60 000. */
  lockTimeoutMs?: number;
}

/** Options of `migrate()`. */
export interface MigrateOptions extends MigrationOptions {
  /** Apply up to and including this version (e.g. `"003"`). */
  to?: string;
  /** Report the statements each pending migration would run; change nothing. */
  dryRun?: boolean;
  /** Called before and after each migration runs. */
  onProgress?: (event: { phase: "start" | "done"; step: MigrationStep }) => void;
}

/** Options of `down()`. */
export interface DownOptions extends Omit<MigrateOptions, "to" | "allowOutOfOrder"> {
  /** How many applied migrations to undo, newest first. Default 1. */
  steps?: number;
}

const KEYS = {
  migrate: ["dir", "allowOutOfOrder", "lockTimeoutMs", "to", "dryRun", "onProgress"],
  down: ["dir", "lockTimeoutMs", "dryRun", "onProgress", "steps"],
  other: ["dir", "allowOutOfOrder", "lockTimeoutMs"],
} as const;

/** Resolved options, checked once at the edge. */
export interface ResolvedOptions extends MigrateOptions, DownOptions {
  dir: string;
  lockTimeoutMs: number;
}

/** Checks options: unknown keys and bad values are `ConfigError`s naming the option. */
export function checkOptions(kind: keyof typeof KEYS, options: MigrateOptions & DownOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== "object") throw new ConfigError("Migration options must be an object");
  checkKnownKeys("migration", options, KEYS[kind]);
  const dir = options.dir ?? "./migrations";
  if (typeof dir !== "string" || dir === "") throw new ConfigError(`Migration option "dir" must be a non-empty path`);
  const lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
  if (!Number.isInteger(lockTimeoutMs) || lockTimeoutMs < 0) throw new ConfigError(`Migration option "lockTimeoutMs" must be a whole number >= 0`);
  if (options.to !== undefined && !/^\d+(?:[._]\d+)*$/.test(String(options.to))) {
    throw new ConfigError(`Migration option "to" must be a version such as "003" or "1.2"`);
  }
  if (options.steps !== undefined && (!Number.isInteger(options.steps) || options.steps < 1)) {
    throw new ConfigError(`Migration option "steps" must be a whole number >= 1`);
  }
  for (const key of ["allowOutOfOrder", "dryRun"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "boolean") throw new ConfigError(`Migration option "${key}" must be true or false`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") throw new ConfigError(`Migration option "onProgress" must be a function`);
  return { ...options, dir, lockTimeoutMs };
}
