import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { unknownKeys } from "../config/options.js";
import { urlHasPassword } from "../config/redact.js";
import type { CliIo } from "./cli-io.js";
import { UsageError } from "./exit-codes.js";

/** Where the CLI connects and finds migrations. */
export interface CliTarget {
  url: string;
  /** Where the URL came from, for messages: `--url`, `DATABASE_URL`, the config file, or the default. */
  source: string;
  dir: string;
}

const CONFIG_FILE = "polysql.config.json";
const CONFIG_KEYS = ["url", "migrations"];

/**
 * Resolves the connection: `--url`, else `DATABASE_URL`, else `polysql.config.json`
 * (`{ "url": ..., "migrations": ... }`), else `sqlite:./polysql.db`; migrations
 * from `--dir`, else the config file, else `./migrations`.
 */
export function resolveTarget(io: CliIo, flags: { url?: string; dir?: string }): CliTarget {
  const config = readConfig(io.cwd);
  if (config.url !== undefined) warnIfExposed(io, config.url);
  const dir = flags.dir ?? config.migrations ?? "migrations";
  const resolvedDir = path.resolve(io.cwd, dir);
  if (flags.url) return { url: flags.url, source: "--url", dir: resolvedDir };
  if (io.env.DATABASE_URL) return { url: io.env.DATABASE_URL, source: "DATABASE_URL", dir: resolvedDir };
  if (config.url) return { url: config.url, source: CONFIG_FILE, dir: resolvedDir };
  return { url: "sqlite:./polysql.db", source: "default", dir: resolvedDir };
}

/** Warns (never prints the password) when the config file holds a password and group or others may read it. */
function warnIfExposed(io: CliIo, url: string): void {
  if (process.platform === "win32" || !urlHasPassword(url)) return;
  const file = path.join(io.cwd, CONFIG_FILE);
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    return;
  }
  if ((mode & 0o077) === 0) return;
  io.stderr.write(
    `polysql: warning: ${CONFIG_FILE} holds a password and is readable by group or others (mode ${mode.toString(8).padStart(4, "0")}): ` +
      `run "chmod 600 ${CONFIG_FILE}", or move the password to DATABASE_URL or a password function\n`,
  );
}

function readConfig(cwd: string): { url?: string; migrations?: string } {
  const file = path.join(cwd, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return {};
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${CONFIG_FILE} is not valid JSON: ${(err as Error).message}`);
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) throw new UsageError(`${CONFIG_FILE} must hold a JSON object`);
  // Worded for a JSON file: its keys, not options.
  const [unknown] = unknownKeys(config, CONFIG_KEYS);
  if (unknown !== undefined) throw new UsageError(`${CONFIG_FILE}: unknown key "${unknown}" (accepted: ${CONFIG_KEYS.join(", ")})`);
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== "string" || value === "") throw new UsageError(`${CONFIG_FILE}: "${key}" must be a non-empty string`);
  }
  return config as { url?: string; migrations?: string };
}
