import type { SqlSyntax } from "./syntax.js";
import { PolysqlError } from "../errors.js";
import { isToken, tokenize, type SqlToken } from "./tokens.js";

/** Objects whose body may hold `BEGIN ... END` with `;` inside. */
const ROUTINES = new Set(["TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"]);
/** `END IF`, `END LOOP`, ...: these close blocks that were not counted as opened. */
const UNCOUNTED_ENDS = new Set(["IF", "LOOP", "WHILE", "REPEAT", "FOR"]);

/**
 * Splits a migration into statements at `;` in code, never inside strings,
 * comments, quoted identifiers or dollar-quoted bodies. The body of
 * `CREATE TRIGGER/PROCEDURE/FUNCTION/EVENT ... BEGIN ... END` (with nested
 * `BEGIN`, `CASE ... END`, `IF ... END IF`) stays whole, without `DELIMITER`.
 * Statements holding only comments are dropped.
 *
 * @example splitStatements(syntax, "CREATE TABLE a (x TEXT); INSERT INTO a VALUES (';');")
 * // ["CREATE TABLE a (x TEXT)", "INSERT INTO a VALUES (';')"]
 */
export function splitStatements(syntax: SqlSyntax, text: string, file = "<sql>"): string[] {
  const tokens = tokenize(syntax, text);
  const statements: string[] = [];
  let first = 0;
  while (first < tokens.length) {
    if (isToken(tokens[first], ";")) {
      first++;
      continue;
    }
    if (isToken(tokens[first], "DELIMITER")) {
      throw new PolysqlError("syntax_error", `${file}: DELIMITER is a mysql client command; polysql splits BEGIN ... END bodies itself, so remove it`);
    }
    const end = statementEnd(tokens, first);
    const last = tokens[end - 1];
    statements.push(text.slice(tokens[first].start, last.end));
    first = end;
  }
  return statements;
}

/** Index just past the last token of the statement starting at `first` (its `;` excluded). */
function statementEnd(tokens: SqlToken[], first: number): number {
  const compound = isCompound(tokens, first);
  let depth = 0;
  for (let i = first; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === "punct" && t.text === ";") {
      if (depth <= 0) return i;
      continue;
    }
    if (!compound || t.kind !== "word" || isToken(tokens[i - 1], ".")) continue;
    if (t.text === "BEGIN" || t.text === "CASE") depth++;
    else if (t.text === "END") {
      const next = tokens[i + 1];
      if (next?.kind === "word" && UNCOUNTED_ENDS.has(next.text)) i++;
      else {
        if (next?.kind === "word" && next.text === "CASE") i++;
        depth--;
      }
    }
  }
  return tokens.length;
}

/** `CREATE ... TRIGGER|PROCEDURE|FUNCTION|EVENT` or MariaDB's `BEGIN NOT ATOMIC`. */
function isCompound(tokens: SqlToken[], first: number): boolean {
  if (isToken(tokens[first], "BEGIN")) return isToken(tokens[first + 1], "NOT");
  if (!isToken(tokens[first], "CREATE")) return false;
  for (let i = first + 1; i < Math.min(tokens.length, first + 16); i++) {
    const t = tokens[i];
    if (t.kind === "word" && ROUTINES.has(t.text)) return true;
    if (isToken(t, "(") || isToken(t, ";")) return false;
  }
  return false;
}
