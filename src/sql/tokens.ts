import { isWordChar, scanSql } from "./lexer.js";
import type { SqlSyntax } from "./syntax.js";

/** One token of SQL text; comments are dropped, quoted text is one token. */
export interface SqlToken {
  readonly kind: "word" | "quoted" | "string" | "punct";
  /** The text; for words, upper-cased. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Tokenizes SQL over the lexer's spans: words and punctuation from code spans,
 * one token per quoted identifier, string or dollar-quoted body.
 *
 * @example tokenize(syntax, "CREATE TABLE \"t\" (a INT); -- x").map((t) => t.text)
 * // ["CREATE", "TABLE", "\"t\"", "(", "A", "INT", ")", ";"]
 */
export function tokenize(syntax: SqlSyntax, text: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  for (const span of scanSql(syntax, text)) {
    if (span.kind === "comment") continue;
    if (span.kind !== "code") {
      const kind = span.kind === "identifier" ? "quoted" : "string";
      tokens.push({ kind, text: text.slice(span.start, span.end), start: span.start, end: span.end });
      continue;
    }
    let i = span.start;
    while (i < span.end) {
      const c = text.charCodeAt(i);
      if (c <= 32) {
        i++;
      } else if (isWordChar(c)) {
        let j = i + 1;
        while (j < span.end && isWordChar(text.charCodeAt(j))) j++;
        tokens.push({ kind: "word", text: text.slice(i, j).toUpperCase(), start: i, end: j });
        i = j;
      } else {
        tokens.push({ kind: "punct", text: text[i], start: i, end: i + 1 });
        i++;
      }
    }
  }
  return tokens;
}

/** Whether the token is the given word (upper case) or punctuation. */
export function isToken(token: SqlToken | undefined, text: string): boolean {
  return token !== undefined && (token.kind === "word" || token.kind === "punct") && token.text === text;
}
