import type { CheckToken } from "./check-tokens.js";

/** Reserved words that are never a column name or an alias in the rules' eyes. */
export const KEYWORDS = new Set(
  (
    "ALL AND ANY AS ASC BETWEEN BY CASE CAST COLLATE CROSS CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DESC DISTINCT ELSE END EXCEPT " +
    "EXISTS FALSE FETCH FOR FROM FULL GROUP HAVING ILIKE IN INNER INTERSECT INTO IS JOIN LEFT LIKE LIMIT NATURAL NOT NULL " +
    "OFFSET ON OR ORDER OUTER OVER RETURNING RIGHT SELECT SOME THEN TRUE UNION USING VALUES WHEN WHERE WINDOW WITH"
  ).split(" "),
);

/** Words that end a select list at its own depth. */
const SELECT_LIST_END = new Set([
  "FROM",
  "WHERE",
  "GROUP",
  "HAVING",
  "ORDER",
  "LIMIT",
  "OFFSET",
  "UNION",
  "INTERSECT",
  "EXCEPT",
  "INTO",
  "WINDOW",
  "FETCH",
  "FOR",
]);
/** Words that end a GROUP BY list at its own depth. */
const GROUP_BY_END = new Set(["HAVING", "ORDER", "LIMIT", "OFFSET", "UNION", "INTERSECT", "EXCEPT", "WINDOW", "FETCH", "FOR", "SELECT"]);

/** Whether the token is one of the words (upper case). */
export function isWord(token: CheckToken | undefined, ...words: string[]): boolean {
  return token !== undefined && token.kind === "word" && words.includes(token.text);
}

/** Whether the token is one of the operators or punctuation. */
export function isOp(token: CheckToken | undefined, ...ops: string[]): boolean {
  return token !== undefined && token.kind === "op" && ops.includes(token.text);
}

/** Function calls: each name (upper case) written right before `(`. */
export function calls(tokens: readonly CheckToken[], ...names: string[]): CheckToken[] {
  return tokens.filter((t, i) => t.kind === "word" && names.includes(t.text) && isOp(tokens[i + 1], "(") && !isOp(tokens[i - 1], "."));
}

/**
 * The first token of each run of words; each step is one word or alternatives `A|B`, and a
 * step ending in `?` is optional. `sequence(tokens, "ON", "CONFLICT")`, `sequence(tokens, "FULL", "OUTER?", "JOIN")`.
 */
export function sequence(tokens: readonly CheckToken[], ...steps: string[]): CheckToken[] {
  const found: CheckToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let j = i;
    let ok = true;
    for (const step of steps) {
      const optional = step.endsWith("?");
      const words = (optional ? step.slice(0, -1) : step).split("|");
      if (isWord(tokens[j], ...words)) j++;
      else if (!optional) {
        ok = false;
        break;
      }
    }
    if (ok && j > i) found.push(tokens[i]);
  }
  return found;
}

/** Index of the `)` closing the `(` at `open` (or the last index when unclosed). */
export function closing(tokens: readonly CheckToken[], open: number): number {
  const depth = tokens[open].depth;
  for (let i = open + 1; i < tokens.length; i++) if (isOp(tokens[i], ")") && tokens[i].depth === depth) return i;
  return tokens.length - 1;
}

/** Splits tokens at commas of the given depth. */
export function splitAtCommas(tokens: readonly CheckToken[], depth: number): CheckToken[][] {
  const parts: CheckToken[][] = [[]];
  for (const t of tokens) {
    if (isOp(t, ",") && t.depth === depth) parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts.filter((p) => p.length > 0);
}

/** One `SELECT`'s list of items, and its `GROUP BY` list when it has one. */
export interface SelectList {
  readonly select: CheckToken;
  /** The statement's own result: the first `SELECT` at depth 0 of a `SELECT`/`WITH` statement. */
  readonly outer: boolean;
  readonly items: CheckToken[][];
  readonly groupBy?: CheckToken[][];
}

/** Every `SELECT` of a statement with its items (leading `DISTINCT`/`ALL` dropped). */
export function selectLists(tokens: readonly CheckToken[]): SelectList[] {
  const lists: SelectList[] = [];
  const first = tokens[0];
  let outerTaken = !(isWord(first, "SELECT", "WITH") || isOp(first, "("));
  tokens.forEach((select, s) => {
    if (!isWord(select, "SELECT")) return;
    const depth = select.depth;
    let i = s + 1;
    while (isWord(tokens[i], "DISTINCT", "ALL")) i++;
    const body: CheckToken[] = [];
    for (; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.depth < depth || (t.depth === depth && (isOp(t, ";") || (t.kind === "word" && SELECT_LIST_END.has(t.text))))) break;
      body.push(t);
    }
    const outer = !outerTaken && depth === 0;
    if (outer) outerTaken = true;
    lists.push({ select, outer, items: splitAtCommas(body, depth), groupBy: groupByAfter(tokens, i, depth) });
  });
  return lists;
}

function groupByAfter(tokens: readonly CheckToken[], from: number, depth: number): CheckToken[][] | undefined {
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.depth < depth || (t.depth === depth && (isWord(t, "SELECT", "UNION", "INTERSECT", "EXCEPT") || isOp(t, ";")))) return undefined;
    if (t.depth === depth && isWord(t, "GROUP") && isWord(tokens[i + 1], "BY")) {
      const list: CheckToken[] = [];
      for (let j = i + 2; j < tokens.length; j++) {
        const u = tokens[j];
        if (u.depth < depth || (u.depth === depth && ((u.kind === "word" && GROUP_BY_END.has(u.text)) || isOp(u, ";")))) break;
        list.push(u);
      }
      return splitAtCommas(list, depth);
    }
  }
  return undefined;
}

/** A select item's expression and its alias (`AS name`, or a name written after the expression). */
export function splitAlias(item: readonly CheckToken[]): { expr: CheckToken[]; alias?: CheckToken } {
  const n = item.length;
  const last = item[n - 1];
  const named = last.kind === "quoted" || (last.kind === "word" && !KEYWORDS.has(last.text));
  if (n >= 3 && named && isWord(item[n - 2], "AS")) return { expr: item.slice(0, n - 2), alias: last };
  const before = item[n - 2];
  const ends =
    before !== undefined &&
    (isOp(before, ")") ||
      before.kind === "number" ||
      before.kind === "string" ||
      before.kind === "quoted" ||
      before.kind === "param" ||
      (before.kind === "word" && !KEYWORDS.has(before.text)));
  if (n >= 2 && named && ends) return { expr: item.slice(0, n - 1), alias: last };
  return { expr: [...item] };
}

/** A column reference: `name`, `t.name`, `"name"`, `*`, `t.*`. */
export function isColumnRef(expr: readonly CheckToken[]): boolean {
  const name = (t: CheckToken | undefined) => t !== undefined && (t.kind === "quoted" || (t.kind === "word" && !KEYWORDS.has(t.text)));
  if (expr.length === 1) return name(expr[0]) || isOp(expr[0], "*");
  return expr.length === 3 && name(expr[0]) && isOp(expr[1], ".") && (name(expr[2]) || isOp(expr[2], "*"));
}

/** The tokens of a select item outside function calls, subqueries and CASE ... END: what decides the item's type. */
export function topLevel(expr: readonly CheckToken[]): CheckToken[] {
  const out: CheckToken[] = [];
  let callDepth = 0;
  let caseDepth = 0;
  const stack: boolean[] = [];
  expr.forEach((t, i) => {
    if (isOp(t, "(")) {
      const before = expr[i - 1];
      // A function's arguments and a subquery are opaque; grouping parentheses are not.
      const call = (before !== undefined && before.kind === "word" && !KEYWORDS.has(before.text)) || isWord(expr[i + 1], "SELECT");
      stack.push(call);
      if (call) callDepth++;
      return;
    }
    if (isOp(t, ")")) {
      if (stack.pop()) callDepth--;
      return;
    }
    if (isWord(t, "CASE")) caseDepth++;
    else if (isWord(t, "END") && caseDepth > 0) caseDepth--;
    else if (callDepth === 0 && caseDepth === 0) out.push(t);
  });
  return out;
}
