import { cellSummary, extraMedian, type Cell, type Results } from "./results.js";
import { fmt } from "./stats.js";

/** Issue 15's goal: OpenTelemetry on costs serial point lookups at most 5% on PostgreSQL and MariaDB. */
const OTEL_GOAL = 1.05;
const VARIANTS = [
  ["polysql:hook", "onQuery hook"],
  ["polysql:otel", "OpenTelemetry SDK"],
] as const;

/**
 * The observability scenario ("obs") as one table: per engine, the time per serial lookup with
 * nothing observing, with an `onQuery` hook and with OpenTelemetry's SDK, each as a ratio to the
 * first (1.05 = 5% slower), wall time and client CPU time; empty when the scenario was not run.
 */
export function observabilityTable(results: Results): string {
  const cells = results.cells.filter((c) => c.scenario === "obs");
  if (cells.length === 0) return "";
  const find = (group: string, contender: string): Cell | undefined => cells.find((c) => c.group === group && c.contender === contender);
  const rows = [
    "| engine | off: µs/lookup (client CPU µs) | onQuery hook: time ratio (CPU ratio) | OpenTelemetry SDK: time ratio (CPU ratio) | goal: OpenTelemetry ≤ 1.05x | rounds |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const group of [...new Set(cells.map((c) => c.group))]) {
    const off = find(group, "polysql");
    if (off === undefined) continue;
    const offUs = extraMedian(off, "usPerOp");
    const offCpu = extraMedian(off, "cpuUsPerOp");
    const ratios = VARIANTS.map(([name]) => {
      const c = find(group, name);
      if (c === undefined) return { text: "not measured", time: NaN };
      // ops/s ratio off ÷ variant = time per lookup ratio variant ÷ off.
      const time = cellSummary(off).median / cellSummary(c).median;
      const cpu = extraMedian(c, "cpuUsPerOp") / offCpu;
      return { text: `${time.toFixed(3)}x (${cpu.toFixed(2)}x)`, time };
    });
    const otel = ratios[1].time;
    const goal = group === "sqlite" ? "— (PostgreSQL and MariaDB)" : !Number.isFinite(otel) ? "not measured" : otel <= OTEL_GOAL ? "met" : "**missed**";
    const n = Math.min(...[off, ...VARIANTS.map(([name]) => find(group, name))].map((c) => (c === undefined ? 0 : cellSummary(c).n)));
    rows.push(`| ${group} | ${fmt(offUs)} (${fmt(offCpu)}) | ${ratios[0].text} | ${ratios[1].text} | ${goal} | ${n} |`);
  }
  return [
    "Serial point lookups on one connection, the same work in three processes per round (interleaved): nothing observing",
    "(no hook, no SDK registered), an `onQuery` hook, and OpenTelemetry's SDK (`BatchSpanProcessor` into the in-memory span",
    "exporter, in-memory metric exporter; see `bench/lib/otel-sdk.ts`). A ratio is the time per lookup over the time with nothing",
    "observing (1.05x = 5% slower), from the medians over rounds; the CPU ratio is the client process's CPU time per lookup.",
    "",
    ...rows,
  ].join("\n");
}
