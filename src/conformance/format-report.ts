import type { ConformanceReport } from "./conformance-check.js";

/**
 * The report as text: a summary line, then each failure with its reason, then
 * each skip with its reason (passes are counted, not listed, unless `verbose`).
 *
 * @example console.log(formatReport(await runConformance({ url: "sqlite:./kit.db" })));
 */
export function formatReport(report: ConformanceReport, options: { verbose?: boolean } = {}): string {
  const { pass, fail, skip, total } = report.totals;
  const lines = [
    `${report.ok ? "PASS" : "FAIL"} ${report.backend} ${report.version} (${report.url}): ${pass} passed, ${fail} failed, ${skip} skipped of ${total} in ${report.durationMs} ms`,
  ];
  for (const status of ["fail", "skip", ...(options.verbose ? ["pass"] : [])] as const) {
    for (const check of report.checks.filter((c) => c.status === status)) {
      const detail = check.error ?? check.reason;
      lines.push(`  ${status.toUpperCase().padEnd(4)} [${check.area}] ${check.name}${detail ? `\n         ${detail.replaceAll("\n", "\n         ")}` : ""}`);
    }
  }
  return lines.join("\n");
}
