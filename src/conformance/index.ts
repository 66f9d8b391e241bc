/**
 * The conformance kit: the behavioural suite every polysql backend must pass,
 * run against a real database. Import it as `polysql/conformance`.
 *
 * @example
 * import { runConformance, formatReport } from "polysql/conformance";
 * const report = await runConformance({ url: "pglite:./kit-db", backend: pgliteBackend });
 * console.log(formatReport(report));
 */
export { runConformance, type ConformanceOptions } from "./run-conformance.js";
export { formatReport } from "./format-report.js";
export { ALL_CHECKS } from "./all-checks.js";
export { AREAS, type CheckContext, type CheckResult, type ConformanceArea, type ConformanceCheck, type ConformanceReport } from "./conformance-check.js";
