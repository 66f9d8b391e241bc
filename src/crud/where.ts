import type { Dialect } from "../dialects/contract/index.js";
import { ParameterError } from "../errors.js";
import { isPlainObject } from "../values/encoders.js";
import { placeholder } from "../sql/index.js";
import { quoteName } from "./names.js";

/** A key value, or an object of column equalities (`null` → IS NULL, array → IN). */
export type Where = Readonly<Record<string, unknown>>;

/** Builds ` WHERE ...` for a key value or a where object; values are appended to `values`. */
export function whereClause(dialect: Dialect, target: unknown, key: string, values: unknown[]): string {
  return whereSql([whereCondition(dialect, target, key, values)]);
}

/** ` WHERE a AND b` from conditions, or "" when there are none. */
export function whereSql(conditions: readonly string[]): string {
  return conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`;
}

/** The condition alone (`a = $1 AND b IS NULL`) for a key value or a where object; values are appended to `values`. */
export function whereCondition(dialect: Dialect, target: unknown, key: string, values: unknown[]): string {
  const where: Where = isWhereObject(target) ? target : { [key]: target };
  const entries = Object.entries(where);
  const style = dialect.syntax.placeholders;
  if (entries.length === 0) {
    throw new ParameterError("invalid_parameter", "An empty where object would match every row; pass at least one column");
  }
  const terms = entries.map(([column, value]) => {
    const col = quoteName(dialect, column, false);
    if (value === null) return `${col} IS NULL`;
    if (Array.isArray(value)) {
      if (value.length === 0) throw new ParameterError("invalid_parameter", `Where column "${column}" has an empty list`);
      return `${col} IN (${value.map((v) => placeholder(style, values.push(v))).join(", ")})`;
    }
    if (value === undefined) throw new ParameterError("missing_parameter", `Where column "${column}" is undefined`);
    return `${col} = ${placeholder(style, values.push(value))}`;
  });
  return terms.join(" AND ");
}

/** A plain object is a where clause; anything else is a key value. */
export function isWhereObject(value: unknown): value is Where {
  return value !== null && typeof value === "object" && isPlainObject(value);
}
