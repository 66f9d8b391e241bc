import type { SqlSyntax } from "./syntax.js";
import { tokenize, type SqlToken } from "./tokens.js";

/** The operation and the main table of a statement, for telemetry. */
export interface StatementKind {
  operation: string | undefined;
  collection: string | undefined;
}

const DDL = new Set(["CREATE", "DROP", "ALTER"]);
const MODIFIERS = new Set(["OR", "REPLACE", "TEMP", "TEMPORARY", "UNIQUE", "UNLOGGED", "GLOBAL", "LOCAL", "MATERIALIZED", "IF", "NOT", "EXISTS"]);
const MAIN = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE"]);
const NONE: StatementKind = { operation: undefined, collection: undefined };
const cache = new WeakMap<SqlSyntax, Map<string, StatementKind>>();

export function classifyStatement(syntax: SqlSyntax, sql: string): StatementKind {
  let texts = cache.get(syntax);
  if (texts === undefined) cache.set(syntax, (texts = new Map()));
  let kind = texts.get(sql);
  if (kind === undefined) {
    kind = classify(tokenize(syntax, sql), sql);
    if (texts.size >= 2e3) texts.clear();
    if (sql.length <= 4096) texts.set(sql, kind);
  }
  return kind;
}

function classify(tokens: SqlToken[], sql: string): StatementKind {
  let i = 0;
  while (tokens[i]?.text === "(") i++;
  const first = tokens[i];
  if (first === undefined || first.kind !== "word") return NONE;
  if (first.text === "WITH") {
    const main = topLevelWord(tokens, i + 1, MAIN);
    return main === undefined ? { operation: "WITH", collection: undefined } : classifyFrom(tokens, main, sql);
  }
  return classifyFrom(tokens, i, sql);
}

function classifyFrom(tokens: SqlToken[], i: number, sql: string): StatementKind {
  const op = tokens[i].text;
  switch (op) {
    case "SELECT": {
      const from = topLevelWord(tokens, i + 1, new Set(["FROM"]));
      return { operation: op, collection: from === undefined ? undefined : nameAt(sql, tokens, from + 1) };
    }
    case "DELETE": {
      const from = topLevelWord(tokens, i + 1, new Set(["FROM"]));
      return { operation: op, collection: nameAt(sql, tokens, from === undefined ? i + 1 : from + 1) };
    }
    case "INSERT":
    case "REPLACE": {
      const into = topLevelWord(tokens, i + 1, new Set(["INTO"]));
      return { operation: op, collection: into === undefined ? undefined : nameAt(sql, tokens, into + 1) };
    }
    case "UPDATE":
      return { operation: op, collection: nameAt(sql, tokens, skipWords(tokens, i + 1, new Set(["ONLY", "LOW_PRIORITY", "IGNORE"]))) };
    case "TRUNCATE":
      return { operation: op, collection: nameAt(sql, tokens, skipWords(tokens, i + 1, new Set(["TABLE", "ONLY"]))) };
    case "MERGE":
      return { operation: op, collection: nameAt(sql, tokens, skipWords(tokens, i + 1, new Set(["INTO"]))) };
  }
  if (DDL.has(op)) {
    let j = i + 1;
    while (tokens[j]?.kind === "word" && MODIFIERS.has(tokens[j].text)) j++;
    const object = tokens[j];
    if (object?.kind !== "word") return { operation: op, collection: undefined };
    const operation = `${op} ${object.text}`;
    if (object.text !== "TABLE") return { operation, collection: undefined };
    return { operation, collection: nameAt(sql, tokens, skipWords(tokens, j + 1, MODIFIERS)) };
  }
  return { operation: op, collection: undefined };
}

function topLevelWord(tokens: SqlToken[], from: number, words: ReadonlySet<string>): number | undefined {
  let depth = 0;
  for (let j = from; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.kind === "punct") {
      if (t.text === "(") depth++;
      else if (t.text === ")") depth--;
      else if (t.text === ";" && depth === 0) return undefined;
    } else if (depth === 0 && t.kind === "word" && words.has(t.text)) return j;
  }
  return undefined;
}

function skipWords(tokens: SqlToken[], from: number, words: ReadonlySet<string>): number {
  let j = from;
  while (tokens[j]?.kind === "word" && words.has(tokens[j].text)) j++;
  return j;
}

function nameAt(sql: string, tokens: SqlToken[], i: number): string | undefined {
  const parts: string[] = [];
  for (let j = i; ; j += 2) {
    const t = tokens[j];
    if (t === undefined || (t.kind !== "word" && t.kind !== "quoted")) break;
    parts.push(t.kind === "quoted" ? t.text.slice(1, -1) : sql.slice(t.start, t.end));
    if (tokens[j + 1]?.text !== ".") break;
  }
  return parts.length === 0 ? undefined : parts.join(".");
}
