import { ParameterError } from "../errors.js";
import { SqlIdentifier, SqlQuery } from "./sql-query.js";

/**
 * Builds a query from a template literal: each `${value}` becomes a bound
 * parameter; `:name` and `?` in the static text are left alone. Interpolated
 * `sql` queries are inlined with their own values, and an array right inside
 * `IN (${ids})` expands to one parameter per element.
 *
 * @example
 * const q = sql`SELECT * FROM ${sql.id("users")} WHERE age >= ${min} AND id IN (${ids})`;
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlQuery {
  return new SqlQuery(strings, values);
}

/**
 * A quoted identifier, or a dotted path given as parts: `sql.id("users")`,
 * `sql.id(["public", "users"])`. Quote characters inside are doubled.
 */
sql.id = function id(name: string | readonly string[]): SqlIdentifier {
  const parts = typeof name === "string" ? [name] : name;
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new ParameterError("invalid_parameter", "sql.id() needs a name or a non-empty array of names");
  }
  for (const part of parts) {
    if (typeof part !== "string" || part.length === 0 || part.includes("\0")) {
      throw new ParameterError("invalid_parameter", `Invalid identifier ${JSON.stringify(part)} in sql.id()`);
    }
  }
  return new SqlIdentifier(Object.freeze([...parts]));
};

/** Trusted SQL text, inlined verbatim. Never pass user input. */
sql.raw = function raw(text: string): SqlQuery {
  if (typeof text !== "string") throw new ParameterError("invalid_parameter", "sql.raw() needs a string");
  return new SqlQuery([text], []);
};

/**
 * Joins items with a separator: `sql` queries are inlined, other items are
 * bound as values. `sql.join([1, 2])` compiles to `$1, $2`.
 */
sql.join = function join(items: readonly unknown[], separator: string | SqlQuery = ", "): SqlQuery {
  if (!Array.isArray(items)) throw new ParameterError("invalid_parameter", "sql.join() needs an array");
  if (items.length === 0) return sql.empty;
  const strings: string[] = [""];
  const values: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) {
      if (typeof separator === "string") strings[strings.length - 1] += separator;
      else {
        values.push(separator);
        strings.push("");
      }
    }
    values.push(items[i]);
    strings.push("");
  }
  return new SqlQuery(strings, values);
};

/** A query with no text, for optional parts: `${cond ? sql`AND x` : sql.empty}`. */
sql.empty = new SqlQuery([""], []);
