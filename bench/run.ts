/**
 * The benchmark runner:
 *   npm run bench [-- --quick] [--head] [--scenario 1,2,latency] [--engine postgres,mysql] [--rounds N] [--report-only]
 * Every contender runs in its own child process, interleaved round by round
 * (A B C, then B C A...), so drift on a noisy machine hits all of them alike.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { polysqlHasInsertMany } from "./contenders/polysql.js";
import { describeMachine } from "./lib/machine.js";
import type { Measurement } from "./lib/measure.js";
import { FULL, QUICK, SCENARIOS } from "./lib/plan.js";
import { benchmarksMarkdown } from "./lib/benchmarks-md.js";
import { latestMarkdown, writeCharts } from "./lib/report.js";
import { addMeasurement, cellSummary, type Cell, type Results } from "./lib/results.js";
import { setup } from "./lib/setup.js";
import { fmt } from "./lib/stats.js";
import { ENGINES, type Engine } from "./lib/types.js";
import type { Job } from "./worker.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const outDir = join(here, "results");
const CHILD_TIMEOUT_MS = 240_000;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const quick = process.argv.includes("--quick");
const sizes = { ...(quick ? QUICK : FULL) };
if (flag("rounds") !== undefined) sizes.rounds = Number(flag("rounds"));
const onlyScenarios = flag("scenario")?.split(",");
const onlyEngines = flag("engine")?.split(",");
const partial = onlyScenarios !== undefined || onlyEngines !== undefined;

/** With --head, measure a snapshot of the last commit's src/ (children inherit POLYSQL_SRC). */
function chooseSource(): string {
  if (!process.argv.includes("--head")) return "working tree src/";
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  const dir = join(root, "node_modules", ".cache", "polysql-bench", commit);
  if (!existsSync(join(dir, "package.json"))) {
    mkdirSync(dir, { recursive: true });
    execFileSync("sh", ["-c", `git archive HEAD src package.json | tar -x -C '${dir}'`], { cwd: root });
  }
  process.env.POLYSQL_SRC = join(dir, "src");
  return `commit ${commit} (git archive HEAD src package.json)`;
}

function runChild(job: Job): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", join(here, "worker.ts"), JSON.stringify(job)], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice(7)) as Measurement);
      else
        reject(
          new Error(
            signal === "SIGKILL"
              ? `timed out after ${CHILD_TIMEOUT_MS / 1000}s`
              : err.trim().split("\n").slice(0, 3).join(" | ").slice(0, 300) || `exit ${code}`,
          ),
        );
    });
  });
}

/** `--report-only`: re-render latest.md, the charts and BENCHMARKS.md from latest.json (e.g. after editing bench/notes.md). */
function reportOnly(): void {
  const results = JSON.parse(readFileSync(join(outDir, "latest.json"), "utf8")) as Results;
  const charts = writeCharts(results, outDir);
  writeFileSync(join(outDir, "latest.md"), latestMarkdown(results, charts));
  writeFileSync(join(root, "BENCHMARKS.md"), benchmarksMarkdown(results, charts));
  console.log(`re-rendered bench/results/latest.md, ${charts.length} charts, BENCHMARKS.md from latest.json`);
}

async function main(): Promise<void> {
  if (process.argv.includes("--report-only")) return reportOnly();
  const source = chooseSource();
  const startedAt = new Date().toISOString();
  const runAt = startedAt.slice(0, 16).replace("T", " ");
  const engines = ENGINES.filter((e) => onlyEngines === undefined || onlyEngines.includes(e));
  const versions: Record<string, string> = {};
  for (const engine of engines) versions[engine] = await setup(engine, sizes.streamRows);
  const machine = describeMachine(versions);
  console.log(`polysql bench${quick ? " --quick" : ""}: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, load ${machine.loadAverage.join(" ")}`);
  for (const v of Object.values(versions)) console.log(`  ${v}`);
  console.log(`  polysql under test: ${source}`);
  const insertMany = await polysqlHasInsertMany();
  if (!insertMany) console.log("  note: this polysql build has no db.insertMany; bulk scenarios measure the other contenders only");

  const cells: Cell[] = [];
  for (const info of SCENARIOS) {
    if (onlyScenarios !== undefined && !onlyScenarios.includes(info.id)) continue;
    const rounds = info.rounds(sizes);
    for (const { group, contenders } of info.groups) {
      if (ENGINES.includes(group as Engine) && !engines.includes(group as Engine)) continue;
      const row = contenders.map((contender): Cell => ({ scenario: info.id, group, contender, samples: [], extras: {}, errors: [], runAt, quick }));
      cells.push(...row);
      for (let r = 0; r < rounds; r++) {
        // Rotate the order each round: A B C, B C A, C A B...
        for (let k = 0; k < row.length; k++) {
          const cell = row[(k + r) % row.length];
          if (cell.skipped !== undefined || cell.errors.length >= 2) continue;
          if (cell.contender === "polysql" && (info.id === "5" || info.id === "growth") && !insertMany) {
            cell.skipped = "db.insertMany not in this build yet";
            continue;
          }
          const started = performance.now();
          let status: string;
          try {
            const m = await runChild({ scenario: info.id, group, contender: cell.contender, sizes });
            addMeasurement(cell, m);
            status = m.skipped ?? `${fmt(m.value)} ${info.unit}`;
          } catch (err) {
            cell.errors.push((err as Error).message);
            status = `ERROR ${(err as Error).message}`;
          }
          console.log(
            `[${info.id} ${group} r${r + 1}/${rounds}] ${cell.contender.padEnd(28)} ${status}  (${((performance.now() - started) / 1000).toFixed(1)}s)`,
          );
        }
      }
      const summary = row.map((c) => `${c.contender} ${fmt(cellSummary(c).median)}`).join(", ");
      console.log(`== ${info.id} ${group}: ${summary}`);
    }
  }

  mkdirSync(outDir, { recursive: true });
  const jsonPath = join(outDir, "latest.json");
  let merged = cells;
  if (partial && existsSync(jsonPath)) {
    // A partial run replaces only the cells it measured.
    const previous = JSON.parse(readFileSync(jsonPath, "utf8")) as Results;
    const key = (c: Cell) => `${c.scenario}|${c.group}|${c.contender}`;
    const fresh = new Set(cells.map(key));
    merged = [...previous.cells.filter((c) => !fresh.has(key(c))), ...cells];
    const order = (c: Cell) => SCENARIOS.findIndex((s) => s.id === c.scenario);
    merged.sort((a, b) => order(a) - order(b));
  }
  const results: Results = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    startedAt,
    finishedAt: new Date().toISOString(),
    quick,
    source,
    machine,
    cells: merged,
  };
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 1)}\n`);
  const charts = writeCharts(results, outDir);
  writeFileSync(join(outDir, "latest.md"), latestMarkdown(results, charts));
  writeFileSync(join(root, "BENCHMARKS.md"), benchmarksMarkdown(results, charts));
  console.log(`wrote bench/results/latest.md, latest.json, ${charts.length} charts, BENCHMARKS.md`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
