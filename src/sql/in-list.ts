import { isWordChar, type SqlSpan } from "./lexer.js";

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/**
 * True when the text before `pos` ends with the keyword `IN` and `(`, with
 * only whitespace and comments around them. `k` indexes the span that holds
 * (or ends at) `pos`.
 */
export function followsInParen(text: string, spans: readonly SqlSpan[], k: number, pos: number): boolean {
  let sawParen = false;
  let j = pos;
  while (k >= 0) {
    const span = spans[k];
    if (span.kind === "code") {
      while (j > span.start && isSpace(text.charCodeAt(j - 1))) j--;
      if (j > span.start) {
        if (sawParen) return isInKeyword(text, span.start, j);
        if (text.charCodeAt(j - 1) !== 40) return false;
        sawParen = true;
        j--;
        continue;
      }
    } else if (span.kind !== "comment") return false;
    k--;
    if (k >= 0) j = spans[k].end;
  }
  return false;
}

/**
 * True when the text from `pos` on starts with `)`, after only whitespace and
 * comments. `k` indexes the span that holds (or starts at) `pos`.
 */
export function precedesParenClose(text: string, spans: readonly SqlSpan[], k: number, pos: number): boolean {
  let j = pos;
  while (k < spans.length) {
    const span = spans[k];
    if (span.kind === "code") {
      while (j < span.end && isSpace(text.charCodeAt(j))) j++;
      if (j < span.end) return text.charCodeAt(j) === 41;
    } else if (span.kind !== "comment") return false;
    k++;
    if (k < spans.length) j = spans[k].start;
  }
  return false;
}

/** `IN` (any case) ending at `end`, as a whole word. */
function isInKeyword(text: string, start: number, end: number): boolean {
  if (end - 2 < start) return false;
  const i = text.charCodeAt(end - 2) | 0x20;
  const n = text.charCodeAt(end - 1) | 0x20;
  return i === 105 && n === 110 && (end - 2 === 0 || !isWordChar(text.charCodeAt(end - 3)));
}
