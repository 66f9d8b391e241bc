#!/usr/bin/env node
// Test runner for polysql: `npm test [-- files/dirs/node-test-options]`.
//
// - Engines come from POLYSQL_ENGINES (comma list of sqlite,postgres,mysql; default all).
// - For postgres/mysql without POLYSQL_PG_URL / POLYSQL_MYSQL_URL in the environment,
//   the local servers are started with scripts/db.sh and the URLs passed to the tests.
// - Tests run with `node --import tsx --test --test-concurrency=1 --test-reporter=spec`.
// - Test files under test/cluster/ need real clusters (replicas, Galera, PgBouncer): each names
//   its targets in a `// @cluster <target>...` line, and those targets are started with
//   scripts/cluster.sh (their URLs passed as POLYSQL_*_URL(S)). A cluster file whose engine
//   POLYSQL_ENGINES does not select is left out of the run, said so on stderr (so a
//   POLYSQL_ENGINES=sqlite run starts no cluster).
// - Servers and clusters started by this run are stopped afterwards (also on SIGINT/SIGTERM) unless
//   POLYSQL_KEEP_ENGINES=1. Exit code = the test process's exit code.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DB_SH = path.join(ROOT, "scripts", "db.sh");
const CLUSTER_SH = path.join(ROOT, "scripts", "cluster.sh");
const CLUSTER_DIR = "test/cluster/";
// cluster.sh target -> the engine it needs selected in POLYSQL_ENGINES
const CLUSTER_ENGINES = { "pg-replicas": "postgres", "pg-failover": "postgres", pgbouncer: "postgres", "mariadb-replica": "mysql", galera: "mysql" };
const TEST_DIR = path.join(ROOT, "test");
const TEST_FILE_RE = /\.test\.(ts|mts|cts)$/;

const ALL_ENGINES = ["sqlite", "postgres", "mysql"];
const ALIASES = { pg: "postgres", postgresql: "postgres", mariadb: "mysql", sqlite3: "sqlite" };
// test.mjs engine name -> db.sh engine name + URL variable
const SERVERS = {
  postgres: { db: "postgres", urlVar: "POLYSQL_PG_URL" },
  mysql: { db: "mariadb", urlVar: "POLYSQL_MYSQL_URL" },
};

const log = (msg) => process.stderr.write(`[test.mjs] ${msg}\n`);

function fail(msg, code = 1) {
  log(`ERROR: ${msg}`);
  process.exit(code);
}

// ---------------------------------------------------------------- engines

function parseEngines() {
  const raw = process.env.POLYSQL_ENGINES;
  if (raw === undefined || raw.trim() === "") return [...ALL_ENGINES];
  const out = [];
  for (let name of raw
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    name = ALIASES[name] ?? name;
    if (!ALL_ENGINES.includes(name)) {
      fail(`unknown engine '${name}' in POLYSQL_ENGINES (expected a comma list of ${ALL_ENGINES.join(",")})`, 2);
    }
    if (!out.includes(name)) out.push(name);
  }
  if (out.length === 0) fail("POLYSQL_ENGINES selects no engine", 2);
  return out;
}

// ---------------------------------------------------------------- test files

function findTestFiles(dir) {
  const found = [];
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && TEST_FILE_RE.test(e.name)) found.push(p);
    }
  };
  walk(dir);
  return found.map((p) => path.relative(ROOT, p).split(path.sep).join("/")).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// Splits the command-line args into node options and test files. Existing paths are
// files (directories are expanded to the test files inside them); everything else is
// kept, in order, as node --test options (e.g. --test-name-pattern=foo, --test-only).
function parseArgs(argv) {
  const options = [];
  const files = [];
  let sawPath = false;
  for (const arg of argv) {
    const abs = path.resolve(arg);
    if (!arg.startsWith("-") && existsSync(abs)) {
      sawPath = true;
      if (statSync(abs).isDirectory()) files.push(...findTestFiles(abs));
      else files.push(arg);
    } else {
      options.push(arg);
    }
  }
  if (!sawPath) {
    const positional = options.filter((a, i) => !a.startsWith("-") && !(i > 0 && /^--[^=]+$/.test(options[i - 1])));
    if (positional.length > 0) fail(`no such test file or directory: ${positional.join(", ")}`, 2);
    files.push(...findTestFiles(TEST_DIR));
    if (files.length === 0) fail(`no test files matching test/**/*.test.ts under ${TEST_DIR}`);
  } else if (files.length === 0) {
    fail("the given directories contain no *.test.ts files");
  }
  return { options, files };
}

// ---------------------------------------------------------------- db.sh

function dbStatus(dbEngine) {
  const r = spawnSync("bash", [DB_SH, "status", dbEngine], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) fail(`bash scripts/db.sh status ${dbEngine} failed (exit ${r.status})`);
  return /:\s*running\b/.test(r.stdout);
}

function dbStart(dbEngine) {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [DB_SH, "start", dbEngine], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code !== 0) return reject(new Error(`bash scripts/db.sh start ${dbEngine} failed (${signal ?? `exit ${code}`})`));
      const vars = {};
      for (const line of out.split(/\r?\n/)) {
        const m = /^\s*(?:export\s+)?(POLYSQL_[A-Z0-9_]+_URL)=(\S+)\s*$/.exec(line);
        if (m) vars[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2");
      }
      resolve(vars);
    });
  });
}

function dbStop(dbEngine) {
  log(`stopping ${dbEngine} (started by this run)`);
  const r = spawnSync("bash", [DB_SH, "stop", dbEngine], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) log(`warning: bash scripts/db.sh stop ${dbEngine} failed (exit ${r.status})`);
}

// ---------------------------------------------------------------- cluster.sh

/** The cluster targets a test file names in its `// @cluster a b` line (none outside test/cluster/). */
function clusterTargets(file) {
  if (!file.split(path.sep).join("/").includes(CLUSTER_DIR)) return [];
  const m = /^\/\/\s*@cluster\s+(.+)$/m.exec(readFileSync(path.resolve(ROOT, file), "utf8"));
  if (!m) fail(`${file} is under ${CLUSTER_DIR} but has no "// @cluster <target>..." line naming the clusters it needs`, 2);
  const targets = m[1].trim().split(/\s+/);
  for (const t of targets) if (!CLUSTER_ENGINES[t]) fail(`${file}: unknown cluster target "${t}" (expected ${Object.keys(CLUSTER_ENGINES).join(", ")})`, 2);
  return targets;
}

/** Whether every node of a cluster target runs (`cluster.sh status` says "running" on each line). */
function clusterRunning(target) {
  const r = spawnSync("bash", [CLUSTER_SH, "status", target], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) fail(`bash scripts/cluster.sh status ${target} failed (exit ${r.status})`);
  const lines = r.stdout.split(/\r?\n/).filter(Boolean);
  return lines.length > 0 && lines.every((l) => /:\s*running\b/.test(l));
}

function clusterStart(targets) {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [CLUSTER_SH, "start", ...targets], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code !== 0) return reject(new Error(`bash scripts/cluster.sh start ${targets.join(" ")} failed (${signal ?? `exit ${code}`})`));
      const vars = {};
      for (const line of out.split(/\r?\n/)) {
        const m = /^\s*(?:export\s+)?(POLYSQL_[A-Z0-9_]+_URLS?)=(\S+)\s*$/.exec(line);
        if (m) vars[m[1]] = m[2];
      }
      resolve(vars);
    });
  });
}

function clusterStop(targets) {
  log(`stopping cluster ${targets.join(" ")} (started by this run)`);
  const r = spawnSync("bash", [CLUSTER_SH, "stop", ...targets], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) log(`warning: bash scripts/cluster.sh stop ${targets.join(" ")} failed (exit ${r.status})`);
}

// ---------------------------------------------------------------- main

const engines = parseEngines();
const { options, files: allFiles } = parseArgs(process.argv.slice(2));
// Cluster test files run only with their engine selected; their targets start before the tests.
const clusterNeeds = new Set();
const files = allFiles.filter((file) => {
  const targets = clusterTargets(file);
  const missing = targets.filter((t) => !engines.includes(CLUSTER_ENGINES[t]));
  if (missing.length > 0) {
    log(`leaving out ${file}: its cluster (${missing.join(", ")}) needs an engine POLYSQL_ENGINES does not select`);
    return false;
  }
  // PgBouncer fronts the pg-replicas primary: start (and stop) that too.
  for (const t of targets) {
    if (t === "pgbouncer") clusterNeeds.add("pg-replicas");
    clusterNeeds.add(t);
  }
  return true;
});
if (files.length === 0) fail("no test file left to run for the engines selected by POLYSQL_ENGINES", 2);
const keepEngines = process.env.POLYSQL_KEEP_ENGINES === "1";

const startedByUs = []; // db.sh engine names to stop at the end
const clustersStartedByUs = []; // cluster.sh targets to stop at the end
let testChild = null;
let interrupted = null; // signal name
let cleanedUp = false;

function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  if (keepEngines) {
    if (startedByUs.length) log(`POLYSQL_KEEP_ENGINES=1: leaving ${startedByUs.join(", ")} running (bash scripts/db.sh stop)`);
    if (clustersStartedByUs.length) log(`POLYSQL_KEEP_ENGINES=1: leaving ${clustersStartedByUs.join(", ")} running (bash scripts/cluster.sh stop all)`);
    return;
  }
  if (clustersStartedByUs.length) clusterStop(clustersStartedByUs);
  for (const e of [...startedByUs].reverse()) dbStop(e);
}

function exitWith(code) {
  cleanup();
  process.exit(code);
}

const signalExitCode = (sig) => 128 + (os.constants.signals[sig] ?? 1);

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    if (interrupted) return; // already shutting down; keep going with cleanup
    interrupted = sig;
    log(`received ${sig}, shutting down`);
    if (testChild && testChild.exitCode === null && testChild.signalCode === null) {
      testChild.kill(sig); // the child's 'exit' handler cleans up
    }
    // Otherwise we are starting servers; main() checks `interrupted` after each step.
  });
}

async function main() {
  const childEnv = { ...process.env, POLYSQL_ENGINES: engines.join(",") };

  for (const engine of engines) {
    const server = SERVERS[engine];
    if (!server) continue;
    if (process.env[server.urlVar]) {
      log(`${engine}: using ${server.urlVar} from the environment`);
      continue;
    }
    const wasRunning = dbStatus(server.db);
    if (!wasRunning) startedByUs.push(server.db); // stop it later even if start fails halfway
    let vars;
    try {
      vars = await dbStart(server.db);
    } catch (err) {
      log(`ERROR: ${err.message}`);
      return exitWith(interrupted ? signalExitCode(interrupted) : 1);
    }
    if (interrupted) return exitWith(signalExitCode(interrupted));
    if (!vars[server.urlVar]) {
      log(`ERROR: bash scripts/db.sh start ${server.db} printed no ${server.urlVar}= line`);
      return exitWith(1);
    }
    Object.assign(childEnv, vars);
    log(`${engine}: ${wasRunning ? "already running" : "started"} (${server.urlVar}=${vars[server.urlVar]})`);
  }
  if (interrupted) return exitWith(signalExitCode(interrupted));

  if (clusterNeeds.size > 0) {
    const targets = [...clusterNeeds];
    // The failover pair is always (re)started: its test stops the primary and promotes the standby.
    for (const t of targets) if (t === "pg-failover" || !clusterRunning(t)) clustersStartedByUs.push(t);
    const started = Date.now();
    let vars;
    try {
      vars = await clusterStart(targets);
    } catch (err) {
      log(`ERROR: ${err.message}`);
      return exitWith(interrupted ? signalExitCode(interrupted) : 1);
    }
    if (interrupted) return exitWith(signalExitCode(interrupted));
    Object.assign(childEnv, vars);
    log(`clusters ${targets.join(", ")} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const nodeArgs = ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...options, ...files];
  log(`engines: ${engines.join(",")}; ${files.length} test file(s)`);
  testChild = spawn(process.execPath, nodeArgs, { cwd: ROOT, env: childEnv, stdio: "inherit" });
  testChild.on("error", (err) => {
    log(`ERROR: could not run node --test: ${err.message}`);
    exitWith(1);
  });
  testChild.on("exit", (code, signal) => {
    let rc = code ?? (signal ? signalExitCode(signal) : 1);
    if (interrupted && rc === 0) rc = signalExitCode(interrupted);
    exitWith(rc);
  });
}

main().catch((err) => {
  log(`ERROR: ${err?.stack ?? err}`);
  exitWith(1);
});
