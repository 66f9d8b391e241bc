import type { PortableType, PortableTypeSpellings } from "./portable-types.js";
import type { SqlSyntax } from "./syntax.js";
import { isToken, tokenize, type SqlToken } from "./tokens.js";

/** Words that start a table constraint rather than a column in a definition list. */
const CONSTRAINT_WORDS = new Set(["CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "KEY", "INDEX", "EXCLUDE", "FULLTEXT", "SPATIAL", "LIKE", "PERIOD"]);
const TABLE_PREFIX_WORDS = new Set(["TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL"]);

/** What type translation needs from an engine (a dialect has both): how its SQL is lexed and how it spells each portable type. */
export interface TypeTarget {
  readonly syntax: SqlSyntax;
  readonly types: PortableTypeSpellings;
}

interface Replacement {
  start: number;
  end: number;
  text: string;
}

/**
 * Rewrites portable column types to the engine's spelling, only where a type
 * stands: right after the column name in `CREATE TABLE (...)` definitions and
 * in `ALTER TABLE ... ADD [COLUMN]`. `SERIAL PRIMARY KEY` / `BIGSERIAL PRIMARY KEY`
 * become the engine's auto-increment key. Everything else (column names,
 * defaults, CAST, strings, comments) is left as written.
 *
 * @example translateTypes(mysqlDialect, "CREATE TABLE t (id SERIAL PRIMARY KEY, body TEXT, at TIMESTAMP)")
 * // "CREATE TABLE t (id INTEGER AUTO_INCREMENT PRIMARY KEY, body LONGTEXT, at DATETIME(3))"
 */
export function translateTypes(target: TypeTarget, sql: string): string {
  const tokens = tokenize(target.syntax, sql);
  const replacements: Replacement[] = [];
  for (const element of columnDefinitions(tokens)) {
    const r = translateColumn(target.types, element);
    if (r) replacements.push(r);
  }
  let out = sql;
  for (const r of replacements.sort((a, b) => b.start - a.start)) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return out;
}

/** The token runs that may be column definitions (name, type, ...). */
function columnDefinitions(tokens: SqlToken[]): SqlToken[][] {
  if (isToken(tokens[0], "CREATE")) {
    let i = 1;
    while (tokens[i]?.kind === "word" && TABLE_PREFIX_WORDS.has(tokens[i].text)) i++;
    if (!isToken(tokens[i], "TABLE")) return [];
    i = skipName(tokens, skipIfExists(tokens, i + 1));
    if (!isToken(tokens[i], "(")) return [];
    return splitTopLevel(tokens, i + 1, 1);
  }
  if (isToken(tokens[0], "ALTER") && isToken(tokens[1], "TABLE")) {
    let i = skipIfExists(tokens, 2);
    if (isToken(tokens[i], "ONLY")) i++;
    const clauses = splitTopLevel(tokens, skipName(tokens, i), 0);
    const out: SqlToken[][] = [];
    for (const clause of clauses) {
      if (!isToken(clause[0], "ADD")) continue;
      let j = 1;
      if (isToken(clause[j], "COLUMN")) j++;
      if (isToken(clause[j], "IF") && isToken(clause[j + 1], "NOT") && isToken(clause[j + 2], "EXISTS")) j += 3;
      out.push(clause.slice(j));
    }
    return out;
  }
  return [];
}

function skipIfExists(tokens: SqlToken[], i: number): number {
  if (isToken(tokens[i], "IF") && isToken(tokens[i + 2], "EXISTS")) return i + (isToken(tokens[i + 1], "NOT") ? 3 : 2);
  if (isToken(tokens[i], "IF") && isToken(tokens[i + 1], "EXISTS")) return i + 2;
  return i;
}

/** Skips a possibly qualified name: `a`, `"a"`, `s.a`. */
function skipName(tokens: SqlToken[], i: number): number {
  while (tokens[i] && (tokens[i].kind === "word" || tokens[i].kind === "quoted")) {
    i++;
    if (!isToken(tokens[i], ".")) break;
    i++;
  }
  return i;
}

/** Splits tokens from `from` at commas of the given depth, until the depth falls below it. */
function splitTopLevel(tokens: SqlToken[], from: number, depth: number): SqlToken[][] {
  const parts: SqlToken[][] = [];
  let current: SqlToken[] = [];
  let level = depth;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i];
    if (isToken(t, "(")) level++;
    else if (isToken(t, ")")) level--;
    if (level < depth || isToken(t, ";")) break;
    if (level === depth && isToken(t, ",")) {
      parts.push(current);
      current = [];
    } else current.push(t);
  }
  parts.push(current);
  return parts.filter((p) => p.length > 0);
}

function translateColumn(types: PortableTypeSpellings, element: SqlToken[]): Replacement | undefined {
  const [name, type, next, after] = element;
  if (name === undefined || type?.kind !== "word") return undefined;
  if (name.kind === "word" && CONSTRAINT_WORDS.has(name.text)) return undefined;
  if (name.kind !== "word" && name.kind !== "quoted") return undefined;
  if (!Object.hasOwn(types, type.text)) return undefined;
  const portable = type.text as PortableType;
  if (portable === "SERIAL" || portable === "BIGSERIAL") {
    if (!isToken(next, "PRIMARY") || !isToken(after, "KEY")) return undefined;
    return { start: type.start, end: after.end, text: types[portable] };
  }
  if (isToken(next, "WITH") || isToken(next, "WITHOUT")) return undefined;
  const spelled = types[portable];
  // TIMESTAMP(6): the written arguments replace the engine's default ones.
  const text = isToken(next, "(") ? spelled.replace(/\(.*\)$/, "") : spelled;
  return { start: type.start, end: type.end, text };
}
