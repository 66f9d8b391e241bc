/**
 * The portability check: rules over the lexer's tokens for the constructs SQLite,
 * PostgreSQL and MySQL/MariaDB read differently (docs/portability.md), and the portable
 * value normalization differential runs compare results with.
 *
 * @example checkSql("SELECT 7 / 2 AS q")[0].rule // "integer-division"
 */
export { checkSql, rulesFor, type CheckOptions, type Finding } from "./check-sql.js";
export { PortabilityError, PortabilityGuard, type PortabilityMode, unguarded } from "./portability-guard.js";
export { portableValue, sameResult } from "./portable-value.js";
export { CHECK_ENGINES, type CheckEngine, type PortabilityRule, type QueryKind } from "./rule.js";
export { RULES } from "./rules/index.js";
