import { RAW } from "../contenders/index.js";
import { SCENARIOS } from "./plan.js";
import { cellSummary, extraMedian, type Cell } from "./results.js";
import { speedRatio } from "./stats.js";

/** One goal (issues 8 and 17) and where it stands. */
export interface GoalStatus {
  goal: string;
  target: string;
  actual: string;
  met: boolean | undefined;
}

function find(cells: Cell[], scenario: string, group: string, contender: string): Cell | undefined {
  return cells.find((c) => c.scenario === scenario && c.group === group && c.contender === contender);
}

function median(cells: Cell[], scenario: string, group: string, contender: string): number {
  const cell = find(cells, scenario, group, contender);
  return cell === undefined ? NaN : cellSummary(cell).median;
}

/** polysql's speed relative to a contender (>1 = polysql faster). */
export function ratio(cells: Cell[], scenario: string, group: string, contender: string, polysql = "polysql"): number {
  const info = SCENARIOS.find((s) => s.id === scenario)!;
  return speedRatio(median(cells, scenario, group, polysql), median(cells, scenario, group, contender), info.higherIsBetter);
}

/** The fastest raw driver of an engine in a scenario. */
export function fastestRaw(cells: Cell[], scenario: string, engine: "sqlite" | "postgres" | "mysql"): string {
  return RAW[engine].reduce((best, name) => (median(cells, scenario, engine, name) > median(cells, scenario, engine, best) ? name : best));
}

const x = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : "not measured");

export function evaluateGoals(cells: Cell[]): GoalStatus[] {
  const out: GoalStatus[] = [];
  const atLeast = (goal: string, target: number, r: number, detail = "") =>
    out.push({ goal, target: `≥ ${target}x`, actual: `${x(r)}${detail}`, met: Number.isFinite(r) ? r >= target : undefined });
  for (const scenario of ["1", "2"]) {
    const label = scenario === "1" ? "serial" : "64 callers";
    for (const engine of ["postgres", "mysql"] as const) {
      const raw = fastestRaw(cells, scenario, engine);
      atLeast(`Point lookup (${label}), ${engine}: polysql vs fastest raw driver`, 0.95, ratio(cells, scenario, engine, raw), ` (vs ${raw})`);
    }
    atLeast(`Point lookup (${label}), sqlite: polysql vs raw better-sqlite3`, 0.8, ratio(cells, scenario, "sqlite", "better-sqlite3"));
    atLeast(`Point lookup (${label}), sqlite: polysql vs Kysely`, 2, ratio(cells, scenario, "sqlite", "kysely"));
    atLeast(`Point lookup (${label}), sqlite: polysql vs Knex`, 3, ratio(cells, scenario, "sqlite", "knex"));
  }
  atLeast("Bulk insert, postgres: polysql insertMany vs raw COPY", 0.9, ratio(cells, "5", "postgres", "pg:copy"));
  atLeast("Bulk insert, sqlite: polysql insertMany vs prepared statement in one transaction", 0.9, ratio(cells, "5", "sqlite", "better-sqlite3:prepared-tx"));
  for (const engine of ["sqlite", "postgres", "mysql"]) atLeast(`Bulk insert, ${engine}: polysql vs Knex batchInsert`, 5, ratio(cells, "5", engine, "knex"));
  const cached = median(cells, "6", "cpu", "polysql (cached)");
  out.push({
    goal: "Parameter compilation, cached, 10 parameters",
    target: "< 300 ns",
    actual: Number.isFinite(cached) ? `${cached.toFixed(0)} ns` : "not measured",
    met: Number.isFinite(cached) ? cached < 300 : undefined,
  });
  for (const mode of ["serial", "contended"]) atLeast(`Pool cycle (${mode}): polysql vs tarn`, 1, ratio(cells, "7", mode, "tarn"));
  for (const engine of ["sqlite", "postgres", "mysql"]) {
    const cell = find(cells, "8", engine, "polysql");
    const rss = cell === undefined ? NaN : extraMedian(cell, "peakRssGrowthMiB");
    out.push({
      goal: `Streaming 1M rows, ${engine}: peak RSS growth`,
      target: "< 64 MiB",
      actual: Number.isFinite(rss) ? `${rss.toFixed(1)} MiB` : "not measured",
      met: Number.isFinite(rss) ? rss < 64 : undefined,
    });
  }
  loadGoals(cells, atLeast);
  coldStartGoals(cells, out);
  return out;
}

/** Issue 17's table: under load and against the fastest driver (rows already covered above are not repeated). */
function loadGoals(cells: Cell[], atLeast: (goal: string, target: number, r: number, detail?: string) => void): void {
  const raw = (scenario: string, engine: "postgres" | "mysql") => fastestRaw(cells, scenario, engine);
  for (const [scenario, label] of [
    ["2", "PostgreSQL point lookups, 64 callers, pool of 4"],
    ["1", "PostgreSQL point lookups, serial"],
  ] as const) {
    atLeast(`Issue 17: ${label}, vs fastest`, 1, ratio(cells, scenario, "postgres", raw(scenario, "postgres")), ` (vs ${raw(scenario, "postgres")})`);
  }
  atLeast("Issue 17: SQLite short transactions, 64 callers, vs better-sqlite3", 0.8, ratio(cells, "4", "sqlite", "better-sqlite3"));
  atLeast("Issue 17: MariaDB streaming, vs the fastest raw driver", 0.9, ratio(cells, "8", "mysql", raw("8", "mysql")), ` (vs ${raw("8", "mysql")})`);
  atLeast("Issue 17: MariaDB short transactions, 64 callers, vs mariadb", 1, ratio(cells, "4", "mysql", "mariadb"));
}

/**
 * The plugin architecture's two cold-start budgets (issue 17, item 4): creating a backend (polysql's
 * `connect()` to its first row in a fresh process, import excluded) under 10 ms, and under 1 ms of
 * interface overhead: polysql's new connection to its first row, less the fastest raw driver's.
 */
function coldStartGoals(cells: Cell[], out: GoalStatus[]): void {
  const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : "not measured");
  for (const engine of ["sqlite", "postgres", "mysql"] as const) {
    const polysql = find(cells, "cold", engine, "polysql");
    const connect = polysql === undefined ? NaN : extraMedian(polysql, "connectMs");
    out.push({
      goal: `Cold start, ${engine}: polysql connect() to the first row (fresh process)`,
      target: "< 10 ms",
      actual: ms(connect),
      met: Number.isFinite(connect) ? connect < 10 : undefined,
    });
    const raws = RAW[engine].map((name) => find(cells, "cold", engine, name)).filter((c): c is Cell => c !== undefined);
    const raw = Math.min(...raws.map((c) => extraMedian(c, "newConnFirstRowMs")));
    const overhead = polysql === undefined || raws.length === 0 ? NaN : extraMedian(polysql, "newConnFirstRowMs") - raw;
    out.push({
      goal: `Interface overhead, ${engine}: a new connection's first row, polysql minus the fastest raw driver`,
      target: "< 1 ms",
      actual: ms(overhead),
      met: Number.isFinite(overhead) ? overhead < 1 : undefined,
    });
  }
}
