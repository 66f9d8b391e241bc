import type { CheckToken } from "./check-tokens.js";

/** The engines the portability rules speak of. */
export type CheckEngine = "sqlite" | "postgres" | "mysql";
export const CHECK_ENGINES: readonly CheckEngine[] = ["sqlite", "postgres", "mysql"];

/** How the result of a statement is read: by column name (`one`, `many`), by position (`value`), or not at all (`exec`). */
export type QueryKind = "one" | "many" | "value" | "exec";

/** One statement as the rules see it. */
export interface CheckStatement {
  /** Its tokens (comments dropped). */
  readonly tokens: readonly CheckToken[];
  /** How its result is read, when known; column names do not matter to `value` and `exec`. */
  readonly kind?: QueryKind;
}

/**
 * A portability rule: a construct the engines read differently, what each does,
 * and the portable way to write it. Two engines behave alike when their `does`
 * texts are equal; a rule matters for a set of engines when they do not all behave alike
 * or one of them refuses the construct (its text starts with "an error").
 */
export interface PortabilityRule {
  /** Stable id, kebab-case: `integer-division`. */
  readonly id: string;
  /** The construct, as a reader looks for it: "`a / b` on integers". */
  readonly construct: string;
  /** What each engine does with it (under MySQL's portable profile, the default); "an error..." when the engine refuses it. */
  readonly does: Readonly<Record<CheckEngine, string>>;
  /** What MySQL/MariaDB does under `sqlMode: "native"`, when that differs. */
  readonly mysqlNative?: string;
  /** The portable way to write it. */
  readonly fix: string;
  /** The tokens that show the construct (one finding each). */
  find(statement: CheckStatement): CheckToken[];
}
