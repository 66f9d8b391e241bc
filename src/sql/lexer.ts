import type { SqlSyntax } from "./syntax.js";

/**
 * What a run of SQL text is, as the engine lexes it. `dollar` is a PostgreSQL
 * dollar-quoted string; everything that is not quoted or commented is `code`.
 */
export type SqlSpanKind = "code" | "string" | "identifier" | "comment" | "dollar";

/** The half-open range `[start, end)` of one kind of SQL text. */
export interface SqlSpan {
  readonly kind: SqlSpanKind;
  readonly start: number;
  readonly end: number;
}

/** True for a character that continues a word: `[A-Za-z0-9_$]` or non-ASCII. */
export function isWordChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 36 || code >= 128;
}

/**
 * Splits SQL text into contiguous spans that cover it, following one engine's
 * lexical rules. Unterminated strings and comments run to the end of the text
 * (the engine reports the syntax error). Placeholder search and statement
 * splitting only look inside `code` spans.
 *
 * @example
 * scanSql(syntax, "SELECT ':x' -- ?\n")
 * // [{ kind: "code", ... }, { kind: "string", ... }, { kind: "code", ... }, { kind: "comment", ... }, { kind: "code", ... }]
 */
export function scanSql(syntax: SqlSyntax, text: string): SqlSpan[] {
  const spans: SqlSpan[] = [];
  let codeStart = 0;
  let i = 0;
  while (i < text.length) {
    const span = quotedSpanAt(syntax, text, i);
    if (span === undefined) {
      i++;
      continue;
    }
    if (codeStart < i) spans.push({ kind: "code", start: codeStart, end: i });
    spans.push(span);
    i = codeStart = span.end;
  }
  if (codeStart < text.length) spans.push({ kind: "code", start: codeStart, end: text.length });
  return spans;
}

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** The non-code span starting at `i`, if one does. */
function quotedSpanAt(syntax: SqlSyntax, text: string, i: number): SqlSpan | undefined {
  const next = text.charCodeAt(i + 1);
  switch (text.charCodeAt(i)) {
    case 39: // '
      return span("string", i, quotedEnd(text, i + 1, 39, syntax.backslashEscapes));
    case 34: // "
      return syntax.doubleQuotedStrings
        ? span("string", i, quotedEnd(text, i + 1, 34, syntax.backslashEscapes))
        : span("identifier", i, quotedEnd(text, i + 1, 34, false));
    case 96: // `
      return syntax.backtickIdentifiers ? span("identifier", i, quotedEnd(text, i + 1, 96, false)) : undefined;
    case 91: // [
      return syntax.bracketIdentifiers ? span("identifier", i, endAfter(text, "]", i + 1)) : undefined;
    case 45: // -
      return next === 45 ? span("comment", i, lineEnd(text, i + 2)) : undefined;
    case 35: // #
      return syntax.hashComments ? span("comment", i, lineEnd(text, i + 1)) : undefined;
    case 47: // /
      return next === 42 ? span("comment", i, blockCommentEnd(text, i + 2, syntax.nestedBlockComments)) : undefined;
    case 36: // $
      return syntax.dollarQuotes && !wordBefore(text, i) ? dollarQuote(text, i) : undefined;
    case 69: // E
    case 101: // e
      return syntax.escapeStrings && next === 39 && !wordBefore(text, i) ? span("string", i, quotedEnd(text, i + 2, 39, true)) : undefined;
    default:
      return undefined;
  }
}

function span(kind: SqlSpanKind, start: number, end: number): SqlSpan {
  return { kind, start, end };
}

function wordBefore(text: string, i: number): boolean {
  return i > 0 && isWordChar(text.charCodeAt(i - 1));
}

/** End (exclusive) of a quoted run whose body starts at `from`; a doubled quote escapes it. */
function quotedEnd(text: string, from: number, quote: number, backslash: boolean): number {
  for (let j = from; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (backslash && c === 92) j++;
    else if (c === quote) {
      if (text.charCodeAt(j + 1) !== quote) return j + 1;
      j++;
    }
  }
  return text.length;
}

function endAfter(text: string, close: string, from: number): number {
  const at = text.indexOf(close, from);
  return at < 0 ? text.length : at + close.length;
}

/** A line comment stops before the line break. */
function lineEnd(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 10 || c === 13) return j;
  }
  return text.length;
}

function blockCommentEnd(text: string, from: number, nested: boolean): number {
  if (!nested) return endAfter(text, "*/", from);
  let depth = 1;
  for (let j = from; j < text.length - 1; j++) {
    const pair = text.slice(j, j + 2);
    if (pair === "/*") depth++;
    else if (pair === "*/") depth--;
    else continue;
    j++;
    if (depth === 0) return j + 1;
  }
  return text.length;
}

/** `$$...$$` or `$tag$...$tag$`; `$1` and a lone `$` are code. */
function dollarQuote(text: string, i: number): SqlSpan | undefined {
  DOLLAR_TAG.lastIndex = i;
  const match = DOLLAR_TAG.exec(text);
  if (match === null) return undefined;
  const tag = match[0];
  return span("dollar", i, endAfter(text, tag, i + tag.length));
}
