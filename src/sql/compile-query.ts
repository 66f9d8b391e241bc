import { ParameterError } from "../errors.js";
import { quoteIdentifier } from "./identifier.js";
import { followsInParen, precedesParenClose } from "./in-list.js";
import { scanSql } from "./lexer.js";
import { placeholder, type PlaceholderStyle } from "./placeholders.js";
import { SqlIdentifier, SqlQuery } from "./sql-query.js";
import type { SqlSyntax } from "./syntax.js";

/** What a tag's static strings say, per syntax: which values sit in `IN (...)`. */
interface TagInfo {
  readonly syntaxName: string;
  readonly inList: readonly boolean[];
  /** The compiled SQL when every value is a plain, non-expanding value. */
  readonly sql: string;
}

/** Keyed by the strings array: a tag's TemplateStringsArray is the same object on every call. */
const tagCache = new WeakMap<readonly string[], TagInfo[]>();

interface Output {
  sql: string;
  values: unknown[];
  readonly style: PlaceholderStyle;
}

/** Compiles a `sql` tagged query: values bound in order, fragments and identifiers inlined. */
export function compileSqlQuery(syntax: SqlSyntax, query: SqlQuery): { sql: string; values: unknown[] } {
  const info = tagInfo(syntax, query.strings);
  if (isPlain(query.values, info.inList)) return { sql: info.sql, values: query.values.slice() };
  const out: Output = { sql: "", values: [], style: syntax.placeholders };
  emitQuery(syntax, query, out);
  return { sql: out.sql, values: out.values };
}

function isPlain(values: readonly unknown[], inList: readonly boolean[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === undefined || value instanceof SqlQuery || value instanceof SqlIdentifier) return false;
    if (inList[i] && Array.isArray(value)) return false;
  }
  return true;
}

function tagInfo(syntax: SqlSyntax, strings: readonly string[]): TagInfo {
  let infos = tagCache.get(strings);
  if (infos === undefined) {
    infos = [];
    tagCache.set(strings, infos);
  }
  for (const info of infos) if (info.syntaxName === syntax.name) return info;
  const info = parseTag(syntax, strings);
  infos.push(info);
  return info;
}

function parseTag(syntax: SqlSyntax, strings: readonly string[]): TagInfo {
  const spans = strings.map((text) => scanSql(syntax, text));
  const inList: boolean[] = [];
  let sql = strings[0];
  for (let i = 0; i + 1 < strings.length; i++) {
    const before = strings[i];
    inList.push(followsInParen(before, spans[i], spans[i].length - 1, before.length) && precedesParenClose(strings[i + 1], spans[i + 1], 0, 0));
    sql += placeholder(syntax.placeholders, i + 1) + strings[i + 1];
  }
  return Object.freeze({ syntaxName: syntax.name, inList: Object.freeze(inList), sql });
}

function emitQuery(syntax: SqlSyntax, query: SqlQuery, out: Output): void {
  const { inList } = tagInfo(syntax, query.strings);
  out.sql += query.strings[0];
  for (let i = 0; i < query.values.length; i++) {
    const value = query.values[i];
    if (inList[i] && Array.isArray(value)) {
      if (value.length === 0) {
        throw new ParameterError("invalid_parameter", `Interpolated value #${i + 1} is an empty array: empty IN lists are not allowed`);
      }
      value.forEach((item, n) => {
        if (n > 0) out.sql += ", ";
        emitValue(syntax, item, out, `#${i + 1}[${n}]`);
      });
    } else emitValue(syntax, value, out, `#${i + 1}`);
    out.sql += query.strings[i + 1];
  }
}

function emitValue(syntax: SqlSyntax, value: unknown, out: Output, label: string): void {
  if (value instanceof SqlQuery) emitQuery(syntax, value, out);
  else if (value instanceof SqlIdentifier) out.sql += value.parts.map((part) => quoteIdentifier(syntax, part)).join(".");
  else if (value === undefined) {
    throw new ParameterError("missing_parameter", `Missing parameter: interpolated value ${label} is undefined (use null for NULL)`);
  } else {
    out.values.push(value);
    out.sql += placeholder(out.style, out.values.length);
  }
}
