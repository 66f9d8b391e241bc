import { parseArgs } from "node:util";
import { unknownKeys } from "../config/options.js";
import { UsageError } from "./exit-codes.js";

/** A parsed command line. */
export interface CliCommand {
  /** `migrate up`, `migrate status`, `health`, `query`, `backends`, `help`, `version`. */
  name: string;
  positionals: string[];
  flags: CliFlags;
}

export interface CliFlags {
  url?: string;
  /** `check`: every `--url` given (a differential run with two or more). */
  urls?: string[];
  /** `check --engines sqlite,postgres`: the engines the SQL must agree on. */
  engines?: string[];
  /** `check --sql-mode native`: MySQL sessions run natively, not under the portable profile. */
  sqlMode?: "portable" | "native";
  dir?: string;
  json?: boolean;
  dryRun?: boolean;
  to?: string;
  steps?: number;
  allowOutOfOrder?: boolean;
  lockTimeoutMs?: number;
  /** `generate --queries DIR`: the query files (default ./queries). */
  queries?: string;
  /** `generate --out DIR`: the generated modules and snapshot (default ./src/queries). */
  out?: string;
  /** `generate --check`: compare, write nothing, exit 1 when stale. */
  check?: boolean;
  /** `generate --bigint number|bigint|string`: the type of 64-bit integers, as the connect() option. */
  bigint?: "number" | "bigint" | "string";
  /** `generate --import-from MODULE`: where the generated code imports polysql's types (default "polysql"). */
  importFrom?: string;
  /** `generate --tables REGEX`: the tables that get a row type in tables.ts (default all). */
  tables?: string;
  /** `--plugin MODULE` (repeatable, any command): modules to import first. */
  plugins?: string[];
  /** `health --watch`: check every `--interval` ms (default 5000) and print a line per check until interrupted. */
  watch?: boolean;
  intervalMs?: number;
  /** `--slow-ms MS`: statements at least this long print a warning on stderr (default 1000; 0 never). */
  slowMs?: number;
}

const OPTIONS = {
  url: { type: "string", multiple: true },
  dir: { type: "string" },
  json: { type: "boolean" },
  "dry-run": { type: "boolean" },
  to: { type: "string" },
  steps: { type: "string" },
  "allow-out-of-order": { type: "boolean" },
  "lock-timeout": { type: "string" },
  plugin: { type: "string", multiple: true },
  engines: { type: "string" },
  "sql-mode": { type: "string" },
  queries: { type: "string" },
  out: { type: "string" },
  check: { type: "boolean" },
  bigint: { type: "string" },
  "import-from": { type: "string" },
  tables: { type: "string" },
  watch: { type: "boolean" },
  interval: { type: "string" },
  "slow-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

const CONNECT = ["url", "dir", "json", "lock-timeout"];
/** Options each command accepts, and how many positionals it takes. */
const COMMANDS: Record<string, { options: string[]; positionals: number | "any" }> = {
  "migrate up": { options: [...CONNECT, "dry-run", "to", "allow-out-of-order"], positionals: 0 },
  "migrate down": { options: [...CONNECT, "dry-run", "steps"], positionals: 0 },
  "migrate status": { options: [...CONNECT, "allow-out-of-order"], positionals: 0 },
  "migrate validate": { options: [...CONNECT, "allow-out-of-order"], positionals: 0 },
  "migrate repair": { options: CONNECT, positionals: 0 },
  "migrate new": { options: ["dir", "json"], positionals: 1 },
  health: { options: ["url", "json", "watch", "interval"], positionals: 0 },
  query: { options: ["url", "json"], positionals: 1 },
  backends: { options: ["json"], positionals: 0 },
  check: { options: ["url", "json", "engines", "sql-mode"], positionals: "any" },
  generate: { options: ["url", "json", "queries", "out", "check", "bigint", "import-from", "tables"], positionals: 0 },
};

/**
 * Parses argv (without `node` and the script) with `node:util` `parseArgs`;
 * throws `UsageError` for an unknown command or option, naming the accepted ones.
 *
 * @example parseCommand(["migrate", "up", "--to", "003"]) // { name: "migrate up", flags: { to: "003" }, positionals: [] }
 */
export function parseCommand(argv: string[]): CliCommand {
  const { values, positionals } = parseFlags(argv);
  if (values.version) return { name: "version", positionals: [], flags: {} };
  if (values.help || positionals.length === 0 || positionals[0] === "help") return { name: "help", positionals: [], flags: {} };
  const name = positionals[0] === "migrate" ? `migrate ${positionals[1] ?? ""}`.trim() : positionals[0];
  const spec = COMMANDS[name];
  if (spec === undefined) throw new UsageError(`Unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")})`);
  const args = positionals.slice(name.split(" ").length);
  if (spec.positionals !== "any" && args.length !== spec.positionals) {
    throw new UsageError(`"${name}" takes ${spec.positionals === 0 ? "no arguments" : `${spec.positionals} argument`}, got ${args.length}`);
  }
  // Worded for a command line (flags, not an options object); --plugin goes with any command.
  const [unknown] = unknownKeys(values, [...spec.options, "plugin", "slow-ms"]);
  if (unknown !== undefined) throw new UsageError(`"${name}" does not accept --${unknown} (accepted: ${spec.options.map((o) => `--${o}`).join(", ")})`);
  if (name !== "check" && name !== "generate" && (values.url?.length ?? 0) > 1) throw new UsageError(`"${name}" takes one --url`);
  const flags: CliFlags = {
    url: values.url?.[0],
    urls: name === "check" || name === "generate" ? values.url : undefined,
    engines: values.engines === undefined ? undefined : engineList(values.engines),
    sqlMode: values["sql-mode"] === undefined ? undefined : sqlMode(values["sql-mode"]),
    dir: values.dir,
    json: values.json,
    dryRun: values["dry-run"],
    to: values.to,
    allowOutOfOrder: values["allow-out-of-order"],
    steps: values.steps === undefined ? undefined : wholeNumber("--steps", values.steps, 1),
    lockTimeoutMs: values["lock-timeout"] === undefined ? undefined : wholeNumber("--lock-timeout", values["lock-timeout"], 0),
    plugins: values.plugin,
    watch: values.watch,
    intervalMs: values.interval === undefined ? undefined : wholeNumber("--interval", values.interval, 10),
    slowMs: values["slow-ms"] === undefined ? undefined : wholeNumber("--slow-ms", values["slow-ms"], 0),
    queries: values.queries,
    out: values.out,
    check: values.check,
    bigint: values.bigint === undefined ? undefined : bigintMode(values.bigint),
    importFrom: values["import-from"],
    tables: values.tables,
  };
  for (const key of Object.keys(flags) as (keyof CliFlags)[]) if (flags[key] === undefined) delete flags[key];
  return { name, positionals: args, flags };
}

/** `parseArgs` over the known options; its errors (unknown or malformed flags) are usage errors. */
function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function engineList(text: string): string[] {
  const engines = text.split(",").map((e) => e.trim());
  const bad = engines.find((e) => !["sqlite", "postgres", "mysql"].includes(e));
  if (bad !== undefined || engines.length === 0) throw new UsageError(`--engines takes a comma list of sqlite, postgres, mysql; got "${text}"`);
  return engines;
}

function sqlMode(text: string): "portable" | "native" {
  if (text !== "portable" && text !== "native") throw new UsageError(`--sql-mode must be portable or native, got "${text}"`);
  return text;
}

function bigintMode(text: string): "number" | "bigint" | "string" {
  if (text !== "number" && text !== "bigint" && text !== "string") throw new UsageError(`--bigint must be number, bigint or string, got "${text}"`);
  return text;
}

function wholeNumber(option: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min) throw new UsageError(`${option} must be a whole number >= ${min}, got "${text}"`);
  return n;
}

/** The help text. */
export const HELP = `Usage: polysql <command> [options]

Commands:
  migrate up [--to V] [--dry-run] [--allow-out-of-order]   apply pending migrations
  migrate down [--steps N] [--dry-run]                     undo the newest migrations with their U files
  migrate status [--json]                                  list migrations and their state
  migrate validate                                         check files against the history
  migrate repair                                           clear failed runs, realign changed checksums
  migrate new <name>                                       create the next V/U file pair
  health [--json] [--watch [--interval MS]]                check the database answers (--watch: a line per check
                                                           every MS, default 5000, until interrupted)
  query "<sql>" [--json]                                   run one statement and print its rows
  backends [--json]                                        list the registered backends and their drivers
  check [files/dirs...] [--json]                           find SQL the engines read differently (docs/portability.md)
        [--engines sqlite,postgres,mysql] [--sql-mode portable|native]
  generate [--url URL ...] [--queries DIR] [--out DIR]      typed functions from query files, types asked of each engine
        [--check] [--bigint number|bigint|string]          (docs/typed-sql.md); --check: exit 1 when stale
        [--import-from MODULE] [--tables REGEX]
  check [files/dirs...] --url A --url B [--url C]          also run each query file's queries on every engine
                                                           (rolled back) and report results that differ

Options:
  --url URL           database URL (else DATABASE_URL, else polysql.config.json, else sqlite:./polysql.db)
  --dir DIR           migrations directory (else "migrations" in polysql.config.json, else ./migrations)
  --lock-timeout MS   wait this long for another migrator's lock (default 60000)
  --json              machine-readable output
  --plugin MODULE     import a backend plugin first (repeatable; also POLYSQL_PLUGINS=a,b)
  --slow-ms MS        warn on stderr about statements lasting at least MS (default 1000; 0 never)

Exit codes: 0 ok, 1 failure, 2 usage error, 3 validation failed (drift, missing, out of order,
unrepaired failure), 4 lock timeout; check exits 1 when it finds something.
`;
