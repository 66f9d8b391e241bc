import { followsInParen, precedesParenClose } from "./in-list.js";
import { isWordChar, scanSql } from "./lexer.js";
import { placeholder } from "./placeholders.js";
import type { SqlSyntax } from "./syntax.js";

/** `named`: `:name` placeholders, object params. `positional`: `?` placeholders, array params. */
export type ParamMode = "named" | "positional";

/** One placeholder: a parameter name, or an index into the params array. */
export interface Slot {
  readonly key: string | number;
  /** Alone inside `IN ( ... )`: an array value expands to a list. */
  readonly inList: boolean;
}

/** SQL text parsed once per syntax and mode; immutable and shared through the cache. */
export interface Template {
  readonly text: string;
  /** Literal text around the slots: `chunks.length === slots.length + 1`. */
  readonly chunks: readonly string[];
  readonly slots: readonly Slot[];
  readonly hasInList: boolean;
  /** The compiled SQL when nothing expands. */
  readonly sql: string;
  /** The key of each value bound by `sql`, in order. */
  readonly order: readonly (string | number)[];
  /** Per `order` entry: a plain object could inherit it (`toString`, `constructor`...). */
  readonly inherited: readonly boolean[];
}

const MAX_CACHED = 1000;
const caches = new Map<string, Record<ParamMode, Map<string, Template>>>();

/** The parsed template for `text`, from a bounded cache (oldest entry evicted first). */
export function getTemplate(syntax: SqlSyntax, text: string, mode: ParamMode): Template {
  let bySyntax = caches.get(syntax.name);
  if (bySyntax === undefined) {
    bySyntax = { named: new Map(), positional: new Map() };
    caches.set(syntax.name, bySyntax);
  }
  const cache = bySyntax[mode];
  let template = cache.get(text);
  if (template === undefined) {
    template = parseTemplate(syntax, text, mode);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(text, template);
  }
  return template;
}

/** Finds the placeholders of `mode` in the code parts of `text` (never in strings or comments). */
export function parseTemplate(syntax: SqlSyntax, text: string, mode: ParamMode): Template {
  const spans = scanSql(syntax, text);
  const chunks: string[] = [];
  const slots: Slot[] = [];
  let last = 0;
  for (let k = 0; k < spans.length; k++) {
    const { kind, start, end } = spans[k];
    if (kind !== "code") continue;
    for (let j = start; j < end; j++) {
      const close = mode === "named" ? namedEnd(text, j, end) : text.charCodeAt(j) === 63 ? j + 1 : -1;
      if (close < 0) continue;
      const key = mode === "named" ? text.slice(j + 1, close) : slots.length;
      const inList = followsInParen(text, spans, k, j) && precedesParenClose(text, spans, k, close);
      chunks.push(text.slice(last, j));
      slots.push(Object.freeze({ key, inList }));
      last = close;
      j = close - 1;
    }
  }
  chunks.push(text.slice(last));
  return freezeTemplate(syntax, text, chunks, slots);
}

/**
 * End of the `:name` placeholder at `j`, or -1. Not a placeholder: `::cast`,
 * `:=`, and a colon right after a word, a digit or `]` (`a[lo:hi]`, `12:30`).
 */
function namedEnd(text: string, j: number, end: number): number {
  if (text.charCodeAt(j) !== 58 || j + 1 >= end || !isNameStart(text.charCodeAt(j + 1))) return -1;
  if (j > 0) {
    const before = text.charCodeAt(j - 1);
    if (before === 58 || before === 93 || isWordChar(before)) return -1;
  }
  let e = j + 2;
  while (e < end && isNameChar(text.charCodeAt(e))) e++;
  return e;
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** Precomputes the no-expansion SQL: `$n` reused per name, or `?` repeated. */
function freezeTemplate(syntax: SqlSyntax, text: string, chunks: string[], slots: Slot[]): Template {
  const order: (string | number)[] = [];
  const numbers = new Map<string | number, number>();
  let sql = chunks[0];
  for (let i = 0; i < slots.length; i++) {
    const key = slots[i].key;
    let n: number | undefined;
    if (syntax.placeholders === "dollar") {
      n = numbers.get(key);
      if (n === undefined) {
        n = order.push(key);
        numbers.set(key, n);
      }
    } else n = order.push(key);
    sql += placeholder(syntax.placeholders, n) + chunks[i + 1];
  }
  return Object.freeze({
    text,
    chunks: Object.freeze(chunks),
    slots: Object.freeze(slots),
    hasInList: slots.some((slot) => slot.inList),
    sql,
    order: Object.freeze(order),
    inherited: Object.freeze(order.map((key) => typeof key === "string" && key in Object.prototype)),
  });
}
