import { ParameterError } from "../errors.js";
import { compileSqlQuery } from "./compile-query.js";
import { placeholder } from "./placeholders.js";
import { SqlQuery } from "./sql-query.js";
import type { SqlSyntax } from "./syntax.js";
import { getTemplate, type Template } from "./template.js";

/** SQL in the engine's placeholder style, and the values to bind in order. */
export interface CompiledQuery {
  sql: string;
  values: unknown[];
}

/** Named (`:name`) parameters as an object, or positional (`?`) ones as an array. */
export type SqlParams = Readonly<Record<string, unknown>> | readonly unknown[];

/**
 * Compiles SQL text or a `sql` query plus params into engine placeholders.
 * An object binds `:name` placeholders, an array binds `?` placeholders; an
 * array alone inside `IN (...)` expands. Placeholders inside strings, quoted
 * identifiers and comments are ignored. Missing or `undefined` parameters
 * throw `ParameterError`; values are always bound, never spliced.
 *
 * @example
 * compile(postgresSyntax, "SELECT * FROM t WHERE id IN (:ids) AND a = :a", { ids: [1, 2], a: "x" })
 * // => { sql: "SELECT * FROM t WHERE id IN ($1, $2) AND a = $3", values: [1, 2, "x"] }
 */
export function compile(syntax: SqlSyntax, query: string | SqlQuery, params?: SqlParams): CompiledQuery {
  if (typeof query !== "string") {
    if (!(query instanceof SqlQuery)) {
      throw new ParameterError("invalid_parameter", "A query must be SQL text or built with the sql`...` tag");
    }
    if (params !== undefined) {
      throw new ParameterError("invalid_parameter", "A sql`...` query carries its own values: pass no params", {
        sql: query.strings.join("?"),
      });
    }
    return compileSqlQuery(syntax, query);
  }
  if (params === undefined) return { sql: query, values: [] };
  if (isArray(params)) return bindPositional(syntax, getTemplate(syntax, query, "positional"), params);
  if (typeof params !== "object" || params === null) {
    throw new ParameterError("invalid_parameter", "Params must be an object (for :name) or an array (for ?)", {
      sql: query,
    });
  }
  return bindNamed(syntax, getTemplate(syntax, query, "named"), params);
}

function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function bindNamed(syntax: SqlSyntax, template: Template, params: Readonly<Record<string, unknown>>): CompiledQuery {
  if (!template.hasInList) {
    const { order, inherited } = template;
    // Own-property checks are needed only where an inherited value could exist.
    const proto: unknown = Object.getPrototypeOf(params);
    const plain = proto === Object.prototype || proto === null;
    const values = new Array<unknown>(order.length);
    for (let i = 0; i < order.length; i++) {
      const name = order[i] as string;
      const value = params[name];
      if (value === undefined || ((!plain || inherited[i]) && !Object.hasOwn(params, name))) {
        throw missingNamed(params, name, template.text);
      }
      values[i] = value;
    }
    return { sql: template.sql, values };
  }
  const resolved = template.slots.map(({ key }) => {
    const value = params[key];
    if (value === undefined || !Object.hasOwn(params, key)) throw missingNamed(params, key as string, template.text);
    return value;
  });
  return expand(syntax, template, resolved, (key) => `":${key}"`);
}

function missingNamed(params: object, name: string, sql: string): ParameterError {
  const message = Object.hasOwn(params, name) ? `Missing parameter ":${name}": its value is undefined (use null for NULL)` : `Missing parameter ":${name}"`;
  return new ParameterError("missing_parameter", message, { sql });
}

function bindPositional(syntax: SqlSyntax, template: Template, params: readonly unknown[]): CompiledQuery {
  const count = template.slots.length;
  if (count !== params.length) {
    throw new ParameterError("invalid_parameter", `The SQL has ${count} "?" placeholder(s) but ${params.length} value(s) were given`, { sql: template.text });
  }
  const index = params.findIndex((value) => value === undefined);
  if (index >= 0) {
    throw new ParameterError("missing_parameter", `Missing parameter #${index + 1} ("?"): its value is undefined (use null for NULL)`, {
      sql: template.text,
    });
  }
  if (!template.hasInList) return { sql: template.sql, values: params.slice() };
  return expand(syntax, template, params, (key) => `#${(key as number) + 1} ("?")`);
}

/** Slow path: arrays inside `IN (...)` become one placeholder per element. */
function expand(syntax: SqlSyntax, template: Template, resolved: readonly unknown[], label: (key: string | number) => string): CompiledQuery {
  const style = syntax.placeholders;
  // `$n` can name one value twice; `?` cannot, so each use binds again.
  const dollar = style === "dollar";
  const values: unknown[] = [];
  const reused = new Map<string, string>();
  const bind = (value: unknown): string => placeholder(style, values.push(value));
  let sql = template.chunks[0];
  template.slots.forEach(({ key, inList }, i) => {
    const value = resolved[i];
    const list = inList && Array.isArray(value);
    const reuseKey = (list ? "[]" : "") + key;
    let marker = dollar ? reused.get(reuseKey) : undefined;
    if (marker === undefined) {
      marker = list ? expandList(value as unknown[], label(key), template.text, bind) : bind(value);
      if (dollar) reused.set(reuseKey, marker);
    }
    sql += marker + template.chunks[i + 1];
  });
  return { sql, values };
}

function expandList(items: unknown[], label: string, sql: string, bind: (value: unknown) => string): string {
  if (items.length === 0) {
    throw new ParameterError("invalid_parameter", `Parameter ${label} is an empty array: empty IN lists are not allowed`, { sql });
  }
  return items
    .map((item, n) => {
      if (item === undefined) {
        throw new ParameterError("missing_parameter", `Parameter ${label} has undefined at index ${n}`, { sql });
      }
      return bind(item);
    })
    .join(", ");
}
