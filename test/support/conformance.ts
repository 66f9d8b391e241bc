import assert from "node:assert/strict";
import { formatReport, type ConformanceReport } from "../../src/conformance/index.js";

/** Asserts every check passed or was skipped for a declared capability; prints the report either way. */
export function assertConforms(report: ConformanceReport): void {
  const text = formatReport(report);
  console.log(text);
  assert.equal(report.totals.fail, 0, `conformance failures:\n${text}`);
  for (const check of report.checks.filter((c) => c.status === "skip")) {
    assert.match(check.reason ?? "", /^\w+: (?:false|not declared)$/, `[${check.area}] ${check.name} skipped without a declared capability`);
  }
  assert.ok(report.totals.pass >= 55, `only ${report.totals.pass} checks passed`);
}
