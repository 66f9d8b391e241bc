import { lineColumn } from "../check/check-sql.js";
import { CHECK_SYNTAX } from "../check/check-tokens.js";
import { scanSql, type SqlSpan } from "../sql/lexer.js";
import { parseTemplate } from "../sql/template.js";

/** How a query's result is read: one row, all rows, the first column of the first row, or nothing. */
export type QueryFileKind = "one" | "many" | "value" | "exec";
const KINDS: readonly QueryFileKind[] = ["one", "many", "value", "exec"];

/** One query of a query file. */
export interface QueryDefinition {
  /** As written after `-- name:`: `FindPlayer`. */
  readonly name: string;
  readonly kind: QueryFileKind;
  /** The statement, without its header lines and trailing `;`. */
  readonly sql: string;
  /** Its `:name` parameters, in order of first use. */
  readonly parameters: readonly string[];
  /** The example parameters of `-- params: {...}`, when given. */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly file: string;
  /** 1-based line of the `-- name:` header. */
  readonly line: number;
  /** Offset of `sql` in the file's text. */
  readonly offset: number;
}

/** A malformed part of a query file, with its place. */
export interface QueryFileProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const NAME = /^--\s*name:\s*(\S*)\s*(\S*)\s*$/;
const PARAMS = /^--\s*params:(.*)$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Header {
  span: SqlSpan;
  name: string;
  kind: string;
  params?: SqlSpan;
}

/**
 * Parses a query file: each query starts with a line `-- name: FindPlayer :one` (kinds
 * `:one`, `:many`, `:value`, `:exec`), may have a line `-- params: {"id": 1}` of example
 * parameters, and is one statement with `:name` parameters. Problems are returned, not thrown.
 *
 * @example
 * parseQueryFile("-- name: CountPlayers :value\nSELECT count(*) FROM players;\n", "queries/players.sql")
 * // { queries: [{ name: "CountPlayers", kind: "value", sql: "SELECT count(*) FROM players", parameters: [], ... }], problems: [] }
 */
export function parseQueryFile(text: string, file: string): { queries: QueryDefinition[]; problems: QueryFileProblem[] } {
  const spans = scanSql(CHECK_SYNTAX, text);
  const lineOf = lineFinder(text);
  const problems: QueryFileProblem[] = [];
  const problem = (offset: number, message: string) => problems.push({ file, line: lineOf(offset), message });
  const headers: Header[] = [];
  for (const span of spans) {
    if (span.kind !== "comment" || !atLineStart(text, span.start)) continue;
    const comment = text.slice(span.start, span.end);
    const name = NAME.exec(comment);
    if (name !== null) headers.push({ span, name: name[1], kind: name[2] });
    else if (PARAMS.test(comment) && headers.length > 0 && !hasCodeBetween(text, spans, headers[headers.length - 1].span.end, span.start)) {
      headers[headers.length - 1].params = span;
    }
  }
  if (headers.length === 0) {
    if (hasCodeBetween(text, spans, 0, text.length)) problem(0, "no query: each query starts with a line `-- name: QueryName :one|:many|:value|:exec`");
    return { queries: [], problems };
  }
  if (hasCodeBetween(text, spans, 0, headers[0].span.start)) problem(0, "SQL before the first `-- name:` line");
  const queries: QueryDefinition[] = [];
  const seen = new Set<string>();
  for (let h = 0; h < headers.length; h++) {
    const header = headers[h];
    const at = header.span.start;
    const end = h + 1 < headers.length ? headers[h + 1].span.start : text.length;
    const kind = header.kind.replace(/^:/, "");
    if (!IDENTIFIER.test(header.name)) {
      problem(at, `query name ${JSON.stringify(header.name)} is not an identifier (letters, digits, _)`);
      continue;
    }
    if (!header.kind.startsWith(":") || !KINDS.includes(kind as QueryFileKind)) {
      problem(at, `query ${header.name}: kind ${JSON.stringify(header.kind)} is not one of :one, :many, :value, :exec`);
      continue;
    }
    if (seen.has(header.name)) {
      problem(at, `query ${header.name} is defined twice`);
      continue;
    }
    seen.add(header.name);
    const params =
      header.params === undefined
        ? undefined
        : exampleParams(text.slice(header.params.start, header.params.end), (m) => problem(header.params!.start, `query ${header.name}: ${m}`));
    const bodyStart = (header.params ?? header.span).end;
    const body = statementOf(text, spans, bodyStart, end);
    if (body === undefined) {
      problem(at, `query ${header.name} has no SQL`);
      continue;
    }
    if (body.more) {
      problem(at, `query ${header.name} holds more than one statement (one statement per query)`);
      continue;
    }
    const sql = text.slice(body.start, body.end);
    const template = parseTemplate(CHECK_SYNTAX, sql, "named");
    if (parseTemplate(CHECK_SYNTAX, sql, "positional").slots.length > 0) problem(at, `query ${header.name}: use :name parameters, not ?`);
    const parameters = [...new Set(template.slots.map((s) => String(s.key)))];
    for (const key of Object.keys(params ?? {}))
      if (!parameters.includes(key)) problem(header.params!.start, `query ${header.name}: example parameter "${key}" is not used (:${key})`);
    queries.push({ name: header.name, kind: kind as QueryFileKind, sql, parameters, params, file, line: lineOf(at), offset: body.start });
  }
  return { queries, problems };
}

function exampleParams(comment: string, fail: (message: string) => void): Record<string, unknown> | undefined {
  const json = PARAMS.exec(comment)![1].trim();
  try {
    const value: unknown = JSON.parse(json);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    fail('-- params: must be a JSON object, such as {"id": 1}');
  } catch {
    fail(`-- params: is not valid JSON: ${json}`);
  }
  return undefined;
}

/** The statement between `from` and `to`: from its first code to its last, without the trailing `;`. */
function statementOf(text: string, spans: readonly SqlSpan[], from: number, to: number): { start: number; end: number; more: boolean } | undefined {
  let start = -1;
  let end = -1;
  let more = false;
  let closed = false;
  for (const span of spans) {
    if (span.end <= from || span.start >= to || span.kind === "comment") continue;
    const a = Math.max(span.start, from);
    const b = Math.min(span.end, to);
    for (let i = a; i < b; i++) {
      const c = text[i];
      if (c.trim() === "") continue;
      if (span.kind === "code" && c === ";") {
        closed = true;
        continue;
      }
      if (closed) more = true;
      if (start < 0) start = i;
      if (span.kind !== "code") {
        end = b;
        break;
      }
      end = i + 1;
    }
  }
  return start < 0 ? undefined : { start, end, more };
}

function hasCodeBetween(text: string, spans: readonly SqlSpan[], from: number, to: number): boolean {
  return spans.some((s) => s.kind !== "comment" && s.end > from && s.start < to && text.slice(Math.max(s.start, from), Math.min(s.end, to)).trim() !== "");
}

function atLineStart(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0 && text[i] !== "\n"; i--) if (text[i] !== " " && text[i] !== "\t") return false;
  return true;
}

function lineFinder(text: string): (offset: number) => number {
  const position = lineColumn(text);
  return (offset) => position(offset).line;
}
