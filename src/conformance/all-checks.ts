import { BULK_CHECKS } from "./bulk-checks.js";
import { COLUMN_CHECKS } from "./column-checks.js";
import type { ConformanceCheck } from "./conformance-check.js";
import { ERROR_CHECKS } from "./error-checks.js";
import { INTROSPECTION_CHECKS } from "./introspection-checks.js";
import { POOL_CHECKS } from "./pool-checks.js";
import { QUERY_CHECKS } from "./query-checks.js";
import { SESSION_CHECKS } from "./session-checks.js";
import { STREAM_CHECKS } from "./stream-checks.js";
import { TRANSACTION_CHECKS } from "./transaction-checks.js";
import { VALUE_CHECKS } from "./value-checks.js";

/** The whole suite, area by area. */
export const ALL_CHECKS: readonly ConformanceCheck[] = [
  ...QUERY_CHECKS,
  ...COLUMN_CHECKS,
  ...TRANSACTION_CHECKS,
  ...VALUE_CHECKS,
  ...ERROR_CHECKS,
  ...STREAM_CHECKS,
  ...BULK_CHECKS,
  ...POOL_CHECKS,
  ...INTROSPECTION_CHECKS,
  ...SESSION_CHECKS,
];
