import { ParameterError } from "../errors.js";

/**
 * A query built with the `sql` tag: static text around interpolated values.
 * Only the values are parameters; they are bound, never spliced into the text.
 *
 * @example
 * const q = sql`SELECT * FROM users WHERE id = ${id}`;
 * q.strings // ["SELECT * FROM users WHERE id = ", ""]
 */
export class SqlQuery {
  readonly strings: readonly string[];
  readonly values: readonly unknown[];

  constructor(strings: readonly string[], values: readonly unknown[]) {
    if (!Array.isArray(strings) || strings.length !== values.length + 1) {
      throw new ParameterError("invalid_parameter", "A SqlQuery needs exactly one more string than values");
    }
    this.strings = strings;
    this.values = values;
  }
}

/** A quoted identifier (`sql.id`), inlined in the engine's quoting when compiled. */
export class SqlIdentifier {
  /** The dotted path's parts, e.g. `["schema", "table"]`. */
  readonly parts: readonly string[];

  constructor(parts: readonly string[]) {
    this.parts = parts;
  }
}

/** True for a query built with the `sql` tag. */
export function isSqlQuery(value: unknown): value is SqlQuery {
  return value instanceof SqlQuery;
}
