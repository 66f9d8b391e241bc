import { CHECK_SYNTAX } from "../check/check-tokens.js";
import { type SqlToken, tokenize } from "../sql/tokens.js";

/** A table's columns as the engine's catalog reports them (lower-cased names). */
export type Catalog = ReadonlyMap<string, ReadonlyMap<string, { readonly type: string; readonly nullable: boolean }>>;

/** What the SQL text says about one result column, where the engine cannot tell. */
export interface ItemFacts {
  /** `AS "name!"` or `AS "name?"`. */
  override?: "!" | "?";
  /** The name without the override suffix. */
  name?: string;
  /** Known from the text: true nullable, false never NULL; absent when the text does not tell. */
  nullable?: boolean;
  /** A type name for an expression the engine gives no type (SQLite): `BIGINT` for count(*), the column's type for min/max... */
  type?: string;
}

/** What the SQL text says about a `:name` parameter: the column it is compared with or stored into. */
export interface ParamFacts {
  type?: string;
  /** Stored into a column that takes NULL (INSERT values, UPDATE SET). */
  nullable?: boolean;
  /** Alone inside `IN (...)`, where polysql expands an array. */
  list?: boolean;
}

export interface StatementFacts {
  items: ItemFacts[];
  params: Map<string, ParamFacts>;
  /** The SQL with `"name!"` / `"name?"` aliases written `"name"` (what the generated code sends). */
  sql: string;
}

interface Source {
  name: string;
  alias: string;
  /** On the NULL-extended side of an outer join. */
  outer: boolean;
  /** The columns of a CTE or derived table, by name, from its own analysis. */
  derived?: Map<string, ItemFacts>;
}

const CLAUSE_END = new Set(["WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "WINDOW", "UNION", "INTERSECT", "EXCEPT", "OFFSET", "FETCH", "RETURNING", "ON"]);
const NULLABLE_AGGREGATES = new Set([
  "SUM",
  "MIN",
  "MAX",
  "AVG",
  "TOTAL",
  "STRING_AGG",
  "GROUP_CONCAT",
  "ARRAY_AGG",
  "JSON_AGG",
  "JSONB_AGG",
  "BOOL_AND",
  "BOOL_OR",
  "EVERY",
]);
const NEVER_NULL_FUNCTIONS = new Set(["COUNT", "EXISTS", "ROW_NUMBER", "RANK", "DENSE_RANK", "CURRENT_TIMESTAMP", "NOW"]);

/**
 * Reads a statement's tokens for the nullability the engines do not report: which tables
 * sit on the outer side of a join, aggregates, COALESCE, `IS [NOT] NULL`, literals, UNION
 * branches, CTE and derived-table columns, `RETURNING`, and the `AS "name!"` / `AS "name?"`
 * overrides; and which column each `:name` parameter meets, for its type.
 */
export function analyzeStatement(sql: string, catalog: Catalog): StatementFacts {
  const tokens = tokenize(CHECK_SYNTAX, sql);
  const params = new Map<string, ParamFacts>();
  const items = analyzeQuery(tokens, catalog, new Map(), params);
  let stripped = "";
  let at = 0;
  for (const t of tokens) {
    if (t.kind === "quoted" && /^"[^"]*[!?]"$/.test(t.text) && isAlias(tokens, t)) {
      stripped += `${sql.slice(at, t.start)}${t.text.slice(0, -2)}"`;
      at = t.end;
    }
  }
  return { items, params, sql: stripped + sql.slice(at) };
}

function isAlias(tokens: readonly SqlToken[], t: SqlToken): boolean {
  const i = tokens.indexOf(t);
  return i > 0 && tokens[i - 1].kind === "word" && tokens[i - 1].text === "AS";
}

/** Splits at depth-0 tokens that `at` accepts. */
function splitTop(tokens: readonly SqlToken[], at: (t: SqlToken) => boolean): SqlToken[][] {
  const parts: SqlToken[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === "punct" && t.text === "(") depth++;
    if (t.kind === "punct" && t.text === ")") depth--;
    if (depth === 0 && at(t)) parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts;
}

function word(t: SqlToken | undefined, ...words: string[]): boolean {
  return t !== undefined && t.kind === "word" && words.includes(t.text);
}
function punct(t: SqlToken | undefined, text: string): boolean {
  return t !== undefined && t.kind === "punct" && t.text === text;
}
function identifier(t: SqlToken): string {
  return t.kind === "quoted" ? t.text.slice(1, -1).replaceAll('""', '"') : t.text.toLowerCase();
}
/** Index of the `)` that closes the `(` at `open`. */
function closing(tokens: readonly SqlToken[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (punct(tokens[i], "(")) depth++;
    if (punct(tokens[i], ")") && --depth === 0) return i;
  }
  return tokens.length;
}

function analyzeQuery(tokens: readonly SqlToken[], catalog: Catalog, ctes: Map<string, Map<string, ItemFacts>>, params: Map<string, ParamFacts>): ItemFacts[] {
  let i = 0;
  const scope = new Map(ctes);
  if (word(tokens[0], "WITH")) {
    i = 1;
    const recursive = word(tokens[1], "RECURSIVE");
    if (recursive) i++;
    for (;;) {
      const name = identifier(tokens[i]);
      i++;
      let columnNames: string[] | undefined;
      if (punct(tokens[i], "(")) {
        const end = closing(tokens, i);
        columnNames = tokens
          .slice(i + 1, end)
          .filter((t) => t.kind !== "punct")
          .map(identifier);
        i = end + 1;
      }
      while (i < tokens.length && !punct(tokens[i], "(")) i++; // AS [NOT] MATERIALIZED
      const end = closing(tokens, i);
      const body = tokens.slice(i + 1, end);
      // A recursive CTE's recursive branch reads its own columns: first as its anchor gives them.
      const anchor = recursive ? splitTop(body, (t) => word(t, "UNION"))[0] : body;
      let columns = named(analyzeQuery(anchor, catalog, scope, params), columnNames);
      if (recursive) {
        scope.set(name, columns);
        columns = named(analyzeQuery(body, catalog, scope, params), columnNames);
      }
      scope.set(name, columns);
      i = end + 1;
      if (!punct(tokens[i], ",")) break;
      i++;
    }
  }
  const rest = tokens.slice(i);
  const branches = splitTop(rest, (t) => word(t, "UNION", "INTERSECT", "EXCEPT"));
  const results = branches.map((b) => analyzeSelect(b[0] !== undefined && word(b[0], "ALL", "DISTINCT") ? b.slice(1) : b, catalog, scope, params));
  // A UNION column is NULL when any branch's is.
  return results[0].map((first, c) => {
    const merged: ItemFacts = { ...first };
    for (const other of results.slice(1)) {
      const item = other[c];
      if (item === undefined) continue;
      if (item.nullable === undefined || merged.nullable === undefined) merged.nullable = item.nullable === true || merged.nullable === true ? true : undefined;
      else merged.nullable = merged.nullable || item.nullable;
      merged.type ??= item.type;
    }
    return merged;
  });
}

function named(items: ItemFacts[], names: string[] | undefined): Map<string, ItemFacts> {
  return new Map(items.map((item, i) => [names?.[i] ?? item.name ?? `column${i}`, item]));
}

/** One SELECT (or INSERT/UPDATE/DELETE with RETURNING). */
function analyzeSelect(tokens: readonly SqlToken[], catalog: Catalog, ctes: Map<string, Map<string, ItemFacts>>, params: Map<string, ParamFacts>): ItemFacts[] {
  if (punct(tokens[0], "(") && closing(tokens, 0) === tokens.length - 1) return analyzeQuery(tokens.slice(1, -1), catalog, ctes, params);
  const sources: Source[] = [];
  const depth0 = depths(tokens);
  const find = (pred: (t: SqlToken) => boolean, from = 0) => {
    for (let k = from; k < tokens.length; k++) if (depth0[k] === 0 && pred(tokens[k])) return k;
    return -1;
  };
  let list: SqlToken[] = [];
  if (word(tokens[0], "INSERT", "UPDATE", "DELETE")) {
    const target = find((t) => word(t, "INTO", "UPDATE", "FROM"));
    const tableAt = word(tokens[0], "UPDATE") ? 1 : target + 1;
    if (tokens[tableAt] !== undefined) {
      const name = identifier(tokens[tableAt]);
      const next = tokens[tableAt + 1];
      const alias =
        next !== undefined &&
        (next.kind === "quoted" || (next.kind === "word" && !word(next, "SET", "VALUES", "WHERE", "AS", "DEFAULT", "SELECT", "RETURNING")))
          ? identifier(next)
          : name;
      sources.push({ name, alias, outer: false });
      parameterTargets(tokens, name, catalog, params);
    }
    const returning = find((t) => word(t, "RETURNING"));
    if (returning >= 0) list = tokens.slice(returning + 1) as SqlToken[];
  } else {
    let start = word(tokens[0], "SELECT") ? 1 : 0;
    while (word(tokens[start], "DISTINCT", "ALL")) start++;
    const from = find((t) => word(t, "FROM"), start);
    const end = from >= 0 ? from : find((t) => CLAUSE_END.has(t.kind === "word" ? t.text : ""), start);
    list = tokens.slice(start, end < 0 ? tokens.length : end) as SqlToken[];
    if (from >= 0) readFrom(tokens, from + 1, depth0, sources, catalog, ctes, params);
  }
  comparisons(tokens, sources, catalog, params);
  if (list.length === 0) return [];
  return splitTop(list, (t) => punct(t, ",")).map((item) => analyzeItem(item, sources, catalog));
}

function depths(tokens: readonly SqlToken[]): number[] {
  let depth = 0;
  return tokens.map((t) => {
    if (punct(t, "(")) return depth++;
    if (punct(t, ")")) return --depth;
    return depth;
  });
}

function readFrom(
  tokens: readonly SqlToken[],
  at: number,
  depth0: number[],
  sources: Source[],
  catalog: Catalog,
  ctes: Map<string, Map<string, ItemFacts>>,
  params: Map<string, ParamFacts>,
): void {
  let i = at;
  let join = "INNER";
  while (i < tokens.length) {
    const t = tokens[i];
    if (depth0[i] === 0 && t.kind === "word" && CLAUSE_END.has(t.text) && t.text !== "ON") break;
    if (punct(t, ",")) {
      join = "INNER";
      i++;
      continue;
    }
    if (word(t, "LEFT", "RIGHT", "FULL", "INNER", "CROSS", "NATURAL", "OUTER", "JOIN")) {
      if (word(t, "LEFT", "RIGHT", "FULL")) join = t.text;
      if (word(t, "INNER", "CROSS")) join = "INNER";
      i++;
      continue;
    }
    if (word(t, "ON", "USING")) {
      // Skip the join condition up to the next join keyword or clause at this depth.
      i++;
      while (
        i < tokens.length &&
        !(
          depth0[i] === 0 &&
          (punct(tokens[i], ",") ||
            word(tokens[i], "LEFT", "RIGHT", "FULL", "INNER", "CROSS", "NATURAL", "JOIN") ||
            (tokens[i].kind === "word" && CLAUSE_END.has(tokens[i].text) && tokens[i].text !== "ON"))
        )
      )
        i++;
      continue;
    }
    let source: Source;
    if (punct(t, "(")) {
      const end = closing(tokens, i);
      const derived = named(analyzeQuery(tokens.slice(i + 1, end), catalog, ctes, params), undefined);
      i = end + 1;
      source = { name: "", alias: "", outer: false, derived };
    } else {
      const name = identifier(t);
      i++;
      if (punct(tokens[i], ".")) i += 2; // schema.table: keep the schema's name out
      const last = identifier(tokens[i - 1]);
      source = { name: last === name ? name : last, alias: last === name ? name : last, outer: false, derived: ctes.get(name) };
    }
    if (word(tokens[i], "AS")) i++;
    const alias = tokens[i];
    if (
      alias !== undefined &&
      (alias.kind === "quoted" ||
        (alias.kind === "word" && !CLAUSE_END.has(alias.text) && !word(alias, "LEFT", "RIGHT", "FULL", "INNER", "CROSS", "NATURAL", "JOIN", "USING")))
    ) {
      source.alias = identifier(alias);
      i++;
    }
    if (join === "LEFT" || join === "FULL") source.outer = true;
    if (join === "RIGHT" || join === "FULL") for (const s of sources) s.outer = true;
    sources.push(source);
    join = "INNER";
  }
}

/** The column a reference names, and whether it may be NULL there. */
function resolve(ref: SqlToken[], sources: readonly Source[], catalog: Catalog): { facts: ItemFacts; column: string } | undefined {
  let qualifier: string | undefined;
  let column: string;
  if (ref.length === 3 && punct(ref[1], ".")) {
    qualifier = identifier(ref[0]);
    column = identifier(ref[2]);
  } else if (ref.length === 1 && (ref[0].kind === "word" || ref[0].kind === "quoted")) column = identifier(ref[0]);
  else return undefined;
  for (const source of sources) {
    if (qualifier !== undefined && source.alias !== qualifier) continue;
    const derived = source.derived?.get(column);
    const base = source.derived === undefined ? catalog.get(source.name)?.get(column) : undefined;
    if (derived === undefined && base === undefined) continue;
    const nullable = source.outer ? true : derived !== undefined ? derived.nullable : base!.nullable;
    return { facts: { name: column, nullable, type: derived?.type ?? base?.type }, column };
  }
  return undefined;
}

function analyzeItem(item: SqlToken[], sources: readonly Source[], catalog: Catalog): ItemFacts {
  let expr = item;
  let name: string | undefined;
  let override: "!" | "?" | undefined;
  const last = item[item.length - 1];
  const beforeLast = item[item.length - 2];
  if (
    item.length > 1 &&
    (last.kind === "quoted" || (last.kind === "word" && !word(last, "END", "NULL", "TRUE", "FALSE"))) &&
    (word(beforeLast, "AS") || (!punct(beforeLast, ".") && !isOperator(beforeLast)))
  ) {
    name = identifier(last);
    expr = item.slice(0, word(beforeLast, "AS") ? -2 : -1);
    const suffix = /[!?]$/.exec(name);
    if (last.kind === "quoted" && suffix !== null) {
      override = suffix[0] as "!" | "?";
      name = name.slice(0, -1);
    }
  }
  const facts = exprFacts(expr, sources, catalog);
  if (name === undefined && expr.length >= 1) {
    const ref = expr.length === 3 && punct(expr[1], ".") ? expr[2] : expr.length === 1 ? expr[0] : undefined;
    if (ref !== undefined && ref.kind !== "string" && ref.kind !== "punct") name = identifier(ref);
  }
  return { ...facts, name, override, nullable: override === "!" ? false : override === "?" ? true : facts.nullable };
}

function isOperator(t: SqlToken | undefined): boolean {
  return (
    t !== undefined &&
    (t.kind === "punct" || word(t, "AND", "OR", "NOT", "IS", "NULL", "THEN", "ELSE", "WHEN", "CASE", "END", "IN", "LIKE", "BETWEEN", "DISTINCT"))
  );
}

function exprFacts(expr: SqlToken[], sources: readonly Source[], catalog: Catalog): Omit<ItemFacts, "name" | "override"> {
  if (expr.length === 0) return {};
  const resolved = resolve(expr, sources, catalog);
  if (resolved !== undefined) return { nullable: resolved.facts.nullable, type: resolved.facts.type };
  if (expr.length === 1 && expr[0].kind === "string") return { nullable: false, type: "TEXT" };
  if (expr.length === 1 && expr[0].kind === "word" && /^\d+$/.test(expr[0].text)) return { nullable: false, type: "INTEGER" };
  if (expr.length === 1 && word(expr[0], "NULL")) return { nullable: true };
  if (expr.length === 1 && word(expr[0], "TRUE", "FALSE")) return { nullable: false, type: "BOOLEAN" };
  // `x IS [NOT] NULL` (a boolean, never NULL) at the top level.
  const top = depths(expr);
  for (let k = 0; k < expr.length; k++) {
    if (top[k] === 0 && word(expr[k], "AND", "OR")) break;
    if (
      top[k] === 0 &&
      word(expr[k], "IS") &&
      (word(expr[k + 1], "NULL") || (word(expr[k + 1], "NOT") && word(expr[k + 2], "NULL"))) &&
      k + (word(expr[k + 1], "NOT") ? 3 : 2) === expr.length
    )
      return { nullable: false, type: "INTEGER" }; // what SQLite returns (0/1); PostgreSQL reports boolean itself
  }
  if (expr[0].kind === "word" && punct(expr[1], "(") && closing(expr, 1) === expr.length - 1) {
    const fn = expr[0].text;
    const args = splitTop(expr.slice(2, -1), (t) => punct(t, ","));
    if (NEVER_NULL_FUNCTIONS.has(fn)) return { nullable: false, type: fn === "COUNT" ? "BIGINT" : undefined };
    if (NULLABLE_AGGREGATES.has(fn)) {
      const inner = exprFacts(args[0] ?? [], sources, catalog);
      return { nullable: true, type: fn === "AVG" ? "REAL" : fn === "MIN" || fn === "MAX" || fn === "SUM" ? inner.type : undefined };
    }
    if (fn === "CAST") {
      // CAST(x AS type): x's nullability, the written type (SQLite reports none for an expression).
      const body = expr.slice(2, -1);
      let as = body.length - 1;
      while (as > 0 && !word(body[as], "AS")) as--;
      if (as > 0)
        return {
          nullable: exprFacts(body.slice(0, as), sources, catalog).nullable,
          type: body
            .slice(as + 1)
            .map((t) => t.text)
            .join(" "),
        };
    }
    if (fn === "COALESCE" || fn === "IFNULL") {
      const each = args.map((a) => exprFacts(a, sources, catalog));
      return { nullable: each.every((a) => a.nullable !== false), type: each.find((a) => a.type !== undefined)?.type };
    }
  }
  if (punct(expr[0], "(") && closing(expr, 0) === expr.length - 1) return exprFacts(expr.slice(1, -1), sources, catalog);
  return {};
}

/** `col = :p`, `:p < t.col`, `col LIKE :p`, `col IN (:p)`, `LIMIT :n`: the parameter takes the column's type. */
function comparisons(tokens: readonly SqlToken[], sources: readonly Source[], catalog: Catalog, params: Map<string, ParamFacts>): void {
  const ops = new Set(["=", "<", ">", "!"]);
  for (let k = 0; k + 1 < tokens.length; k++) {
    if (!punct(tokens[k], ":") || tokens[k + 1].kind !== "word" || punct(tokens[k - 1], ":")) continue;
    const key = keyOf(tokens[k + 1]);
    if (params.get(key)?.type !== undefined) continue;
    if (word(tokens[k - 1], "LIMIT", "OFFSET")) {
      params.set(key, { type: "INTEGER" });
      continue;
    }
    let j = k - 1;
    while (j >= 0 && ((ops.has(tokens[j].text) && tokens[j].kind === "punct") || word(tokens[j], "LIKE", "IN", "NOT") || punct(tokens[j], "("))) j--;
    let ref: SqlToken[] | undefined;
    if (j < k - 1 && j >= 0) ref = punct(tokens[j - 1], ".") ? [tokens[j - 2], tokens[j - 1], tokens[j]] : [tokens[j]];
    if (ref === undefined && ops.has(tokens[k + 2]?.text ?? "") && tokens[k + 2].kind === "punct") {
      let m = k + 2;
      while (m < tokens.length && tokens[m].kind === "punct" && ops.has(tokens[m].text)) m++;
      ref = punct(tokens[m + 1], ".") ? [tokens[m], tokens[m + 1], tokens[m + 2]] : [tokens[m]];
    }
    const resolved = ref === undefined ? undefined : resolve(ref.filter(Boolean), sources, catalog);
    const list = punct(tokens[k - 1], "(") && word(tokens[k - 2], "IN") && punct(tokens[k + 2], ")");
    if (resolved?.facts.type !== undefined || list) params.set(key, { type: resolved?.facts.type, ...(list ? { list } : {}) });
  }
}

/** A parameter's key: upper case, as the tokenizer gives words (look parameters up with `name.toUpperCase()`). */
function keyOf(t: SqlToken): string {
  return t.text;
}

/** `INSERT INTO t (a, b) VALUES (:a, :b)` and `UPDATE t SET a = :a`: each parameter takes its column's type and nullability. */
function parameterTargets(tokens: readonly SqlToken[], table: string, catalog: Catalog, params: Map<string, ParamFacts>): void {
  const columns = catalog.get(table);
  if (columns === undefined) return;
  const set = (column: SqlToken, value: SqlToken[]) => {
    const info = columns.get(identifier(column));
    if (info !== undefined && value.length === 2 && punct(value[0], ":")) params.set(keyOf(value[1]), { type: info.type, nullable: info.nullable });
  };
  if (word(tokens[0], "INSERT")) {
    const open = tokens.findIndex((t) => punct(t, "("));
    const values = tokens.findIndex((t) => word(t, "VALUES"));
    if (open < 0 || values < 0 || open > values) return;
    const names = splitTop(tokens.slice(open + 1, closing(tokens, open)), (t) => punct(t, ","));
    const rows = splitTop(tokens.slice(values + 2, closing(tokens, values + 1)), (t) => punct(t, ","));
    for (const [i, n] of names.entries()) if (n.length === 1 && rows[i] !== undefined) set(n[0], rows[i]);
  } else if (word(tokens[0], "UPDATE")) {
    const at = tokens.findIndex((t) => word(t, "SET"));
    const end = tokens.findIndex((t, i) => i > at && word(t, "WHERE", "RETURNING", "FROM"));
    for (const part of splitTop(tokens.slice(at + 1, end < 0 ? tokens.length : end), (t) => punct(t, ","))) {
      const eq = part.findIndex((t) => punct(t, "="));
      if (eq === 1) set(part[0], part.slice(2));
    }
  }
}
