import type { SqlSyntax } from "../sql/syntax.js";
import { tokenize } from "../sql/tokens.js";

/**
 * How `polysql check` reads SQL: standard quoting (`"name"`, `'text'` without backslash
 * escapes, as every engine reads it under the portable profile), plus everything one engine
 * alone accepts, so rules can see it: backtick names, `E'...'` strings, `$$` bodies. `#` is
 * not a comment here: the `hash-comment` rule reports it.
 */
export const CHECK_SYNTAX: SqlSyntax = {
  name: "polysql-check",
  placeholders: "question",
  identifierQuote: '"',
  backslashEscapes: false,
  doubleQuotedStrings: false,
  backtickIdentifiers: true,
  bracketIdentifiers: false,
  dollarQuotes: true,
  escapeStrings: true,
  hashComments: false,
  nestedBlockComments: false,
};

/** One token as the rules see it. */
export interface CheckToken {
  /** `quoted` is a quoted name; `param` is `:name`, `?` or `$1`. */
  readonly kind: "word" | "number" | "string" | "quoted" | "op" | "param";
  /** Words upper-cased; otherwise the text as written. */
  readonly text: string;
  /** The text as written. */
  readonly raw: string;
  readonly start: number;
  readonly end: number;
  /** Parenthesis depth (the inside of `(...)` is one deeper than the parentheses). */
  readonly depth: number;
}

/** Operators of two or three characters, longest first. */
const OPERATORS = ["->>", "!~*", "::", "||", "<>", "!=", "<=", ">=", ":=", "->", "~*", "!~"];

/**
 * Tokenizes for the rules: numbers (`1.5`, `2e3`) are one token, multi-character
 * operators are one token, placeholders are `param`s.
 *
 * @example checkTokens("SELECT 7 / 2.5 WHERE a <> :b").map((t) => t.text)
 * // ["SELECT", "7", "/", "2.5", "WHERE", "A", "<>", ":b"]
 */
export function checkTokens(text: string): CheckToken[] {
  const raw = tokenize(CHECK_SYNTAX, text);
  const out: CheckToken[] = [];
  let depth = 0;
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i];
    const push = (kind: CheckToken["kind"], end: number, upper = false) => {
      const written = text.slice(t.start, end);
      out.push({ kind, text: upper ? written.toUpperCase() : written, raw: written, start: t.start, end, depth });
    };
    if (t.kind === "string" || t.kind === "quoted") {
      push(t.kind, t.end);
      continue;
    }
    if (t.kind === "word") {
      if (/^\d/.test(t.text)) {
        // 1.5 and 1.5e3 arrive as word, ".", word.
        let end = t.end;
        while (raw[i + 1]?.text === "." && raw[i + 1].start === end && /^\d/.test(raw[i + 2]?.text ?? "") && raw[i + 2].start === end + 1) {
          end = raw[i + 2].end;
          i += 2;
        }
        push("number", end);
      } else push(/^\$\d+$/.test(t.text) ? "param" : "word", t.end, true);
      continue;
    }
    // Punctuation: placeholders, then the longest operator.
    const next = raw[i + 1];
    if (t.text === "?") {
      push("param", t.end);
      continue;
    }
    if (t.text === ":" && next?.kind === "word" && next.start === t.end && raw[i - 1]?.text !== ":" && !/^\d/.test(next.text)) {
      push("param", next.end);
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, t.start) && adjacent(raw, i, o.length));
    if (op !== undefined) {
      push("op", t.start + op.length);
      i += op.length - 1;
      continue;
    }
    if (t.text === ")") depth--;
    push("op", t.end);
    if (t.text === "(") depth++;
    // The token pushed for "(" has the outer depth; ")" the outer depth too.
  }
  return out;
}

/** Whether the `length` punctuation tokens from `i` are single characters written side by side. */
function adjacent(raw: ReturnType<typeof tokenize>, i: number, length: number): boolean {
  for (let k = 1; k < length; k++) if (raw[i + k] === undefined || raw[i + k].kind !== "punct" || raw[i + k].start !== raw[i + k - 1].end) return false;
  return true;
}
