import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { evaluateGoals } from "./goals.js";
import { SCENARIOS } from "./plan.js";
import { cellSummary, extraMedian, type Cell, type Results } from "./results.js";
import { fmt, speedRatio } from "./stats.js";
import { barChart, lineChart, type Line } from "./svg.js";

const EXTRA_LABELS: Record<string, string> = {
  p50Ms: "p50 ms",
  p99Ms: "p99 ms",
  peakRssGrowthMiB: "peak RSS growth MiB",
  usPerOp: "µs/op",
  msPerQuery: "ms/query",
  seconds: "s",
  cpuUsPerOp: "client CPU µs/op",
  cpuUsPerRow: "client CPU µs/row",
  importMs: "import ms",
  importP95Ms: "import p95 ms",
  connectMs: "connect() to first row ms",
  connectP95Ms: "connect p95 ms",
  newConnFirstRowMs: "new connection to first row ms",
  newConnFirstRowP95Ms: "new connection p95 ms",
  secondQueryMs: "second query ms",
  secondQueryP95Ms: "second query p95 ms",
};

function polysqlNames(cells: Cell[]): string[] {
  return [...new Set(cells.filter((c) => c.contender.startsWith("polysql")).map((c) => c.contender))];
}

/** The markdown tables, one per scenario. */
export function tables(results: Results): string {
  const out: string[] = [];
  for (const info of SCENARIOS) {
    const cells = results.cells.filter((c) => c.scenario === info.id);
    if (cells.length === 0) continue;
    const bases = polysqlNames(cells);
    const extras = [...new Set(cells.flatMap((c) => Object.keys(c.extras)))].filter((k) => k !== "usPerOp" && k !== "msPerQuery");
    const when = [...new Set(cells.map((c) => `${c.runAt}${c.quick ? " (--quick)" : ""}`))].join(", ");
    out.push(`### ${["latency", "growth", "cold"].includes(info.id) ? "" : `${info.id}. `}${info.title}\n`);
    out.push(`Unit: ${info.unit} (${info.higherIsBetter ? "higher" : "lower"} is better). Measured ${when}.\n`);
    const ratioHeads = bases.map((b) => (bases.length > 1 ? `${b} speed ÷ this` : "polysql speed ÷ this"));
    out.push(`| group | contender | median | spread | rounds | ${[...extras.map((e) => EXTRA_LABELS[e] ?? e), ...ratioHeads].join(" | ")} |`);
    out.push(`|${" --- |".repeat(5 + extras.length + ratioHeads.length)}`);
    for (const c of cells) {
      const s = cellSummary(c);
      const med = c.skipped ? `skipped: ${c.skipped}` : c.errors.length > 0 && s.n === 0 ? `failed: ${c.errors[0].split("\n")[0].slice(0, 80)}` : fmt(s.median);
      const ratios = bases.map((b) => {
        if (c.contender === b) return "1.00";
        if (c.contender.startsWith("polysql")) return "";
        const base = cells.find((x) => x.group === c.group && x.contender === b);
        if (base === undefined) return "";
        const r = speedRatio(cellSummary(base).median, s.median, info.higherIsBetter);
        return Number.isFinite(r) ? `**${r.toFixed(2)}x**` : "—";
      });
      const ex = extras.map((e) => fmt(extraMedian(c, e)));
      out.push(
        `| ${c.group} | ${c.contender} | ${med} | ${Number.isFinite(s.spread) ? `±${(s.spread * 100).toFixed(1)}%` : "—"} | ${s.n} | ${[...ex, ...ratios].join(" | ")} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}

export function goalsTable(results: Results): string {
  const rows = evaluateGoals(results.cells).map(
    (g) => `| ${g.goal} | ${g.target} | ${g.actual} | ${g.met === undefined ? "not measured" : g.met ? "met" : "**missed**"} |`,
  );
  return ["| goal | target | actual | status |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

export function machineText(results: Results): string {
  const m = results.machine;
  return [
    `- CPU: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.platform}`,
    `- Node ${m.node}; load average at start ${m.loadAverage.join(" / ")}; polysql under test: ${results.source}`,
    `- Engines: ${Object.values(m.engines).join("; ")}`,
    `- Packages: ${Object.entries(m.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  ].join("\n");
}

/** Writes every chart; returns their file names (relative to `dir`). */
export function writeCharts(results: Results, dir: string): string[] {
  const files: string[] = [];
  const write = (name: string, svg: string) => {
    writeFileSync(join(dir, name), svg);
    files.push(name);
  };
  for (const info of SCENARIOS.filter((s) => /^\d$/.test(s.id))) {
    const cells = results.cells.filter((c) => c.scenario === info.id);
    if (cells.length === 0) continue;
    const base = polysqlNames(cells)[0];
    const bars = cells.map((c) => {
      const med = c.skipped ? NaN : cellSummary(c).median;
      const b = cells.find((x) => x.group === c.group && x.contender === base);
      const r = b && !c.contender.startsWith("polysql") ? speedRatio(cellSummary(b).median, med, info.higherIsBetter) : NaN;
      return { group: c.group, name: c.contender, value: med, note: Number.isFinite(r) ? `(polysql ${r.toFixed(2)}x)` : undefined };
    });
    write(`scenario-${info.id}.svg`, barChart(`${info.id}. ${info.title}`, info.unit, bars));
  }
  const groups = (id: string) => [...new Set(results.cells.filter((c) => c.scenario === id).map((c) => c.group))];
  for (const engine of groups("latency")) {
    const lines: Line[] = [];
    const cells = results.cells.filter((c) => c.scenario === "latency" && c.group === engine && c.series);
    cells.forEach((c, i) => {
      const color = c.contender === "polysql" ? "#d62728" : ["#1f77b4", "#2ca02c"][i % 2];
      lines.push({ name: `${c.contender} p50`, color, points: c.series!.map((p) => ({ x: p.x, y: p.p50Ms })) });
      lines.push({ name: `${c.contender} p99`, color, dashed: true, points: c.series!.map((p) => ({ x: p.x, y: p.p99Ms })) });
    });
    write(`latency-${engine}.svg`, lineChart(`Point-lookup latency, ${engine}, pool of 4`, "concurrent callers", "latency ms", lines, true));
  }
  for (const engine of groups("growth")) {
    const cells = results.cells.filter((c) => c.scenario === "growth" && c.group === engine && c.series);
    const lines: Line[] = cells.map((c) => ({
      name: c.contender,
      color: c.contender === "polysql" ? "#d62728" : undefined,
      points: c.series!.map((p) => ({ x: p.x, y: p.rowsPerSec })),
    }));
    write(`growth-${engine}.svg`, lineChart(`Bulk insert throughput, ${engine}`, "rows per batch", "rows/s", lines, true));
  }
  return files;
}

/** bench/results/latest.md: the machine, the goals and every table. */
export function latestMarkdown(results: Results, charts: string[]): string {
  return [
    `# polysql benchmarks — latest run`,
    ``,
    `Command: \`${results.command}\` — ${results.startedAt} to ${results.finishedAt}${results.quick ? " (quick mode: smaller workloads, fewer rounds)" : ""}.`,
    ``,
    machineText(results),
    ``,
    `## Goals`,
    ``,
    goalsTable(results),
    ``,
    `## Results`,
    ``,
    `Median over rounds; spread = half the min–max range over the median. "polysql speed ÷ this" > 1 means polysql is faster.`,
    ``,
    tables(results),
    `## Charts`,
    ``,
    ...charts.map((c) => `![${c}](${c})`),
    ``,
  ].join("\n");
}
