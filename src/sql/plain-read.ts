import type { SqlSyntax } from "./syntax.js";
import { tokenize, type SqlToken } from "./tokens.js";

/** Statements that read and change nothing when they start a text. */
const READ_STARTS = new Set(["SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "DESCRIBE", "DESC"]);
/**
 * Words that, anywhere in the code of a text, make it more than a plain read: a data-modifying
 * CTE or `EXPLAIN ANALYZE` (which runs the statement), `SELECT ... INTO` (a new table, a file,
 * variables), row locks (`FOR UPDATE`, `FOR SHARE`, `LOCK IN SHARE MODE`), and the sequence
 * functions that write. Conservative: a column named `update` sends its query to the primary.
 */
const WRITE_WORDS = new Set(["INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "ANALYZE", "ANALYSE", "INTO", "SHARE", "LOCK", "NEXTVAL", "SETVAL"]);

/** Per syntax, the verdict per statement text (bounded). */
const verdicts = new Map<string, Map<string, boolean>>();
const MAX_CACHED = 2_000;

/**
 * Whether a statement is a plain read that a read replica may answer: it starts with
 * `SELECT`, `WITH`, `VALUES`, `TABLE`, `SHOW`, `EXPLAIN` or `DESCRIBE`, is one statement,
 * and its code (outside strings, quoted names and comments, as the engine lexes them) holds
 * no data-modifying CTE, no `EXPLAIN ANALYZE`, no `INTO`, no row lock and no `nextval`/`setval`.
 * Anything else, and anything unrecognised, is not a plain read. Cached per text.
 *
 * @example isPlainRead(syntax, "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x") // false
 */
export function isPlainRead(syntax: SqlSyntax, sql: string): boolean {
  let cache = verdicts.get(syntax.name);
  if (cache === undefined) verdicts.set(syntax.name, (cache = new Map()));
  let verdict = cache.get(sql);
  if (verdict === undefined) {
    verdict = classify(tokenize(syntax, sql));
    if (cache.size >= MAX_CACHED) cache.clear();
    if (sql.length <= 8_192) cache.set(sql, verdict);
  }
  return verdict;
}

function classify(tokens: readonly SqlToken[]): boolean {
  let i = 0;
  // `(SELECT ...) UNION (SELECT ...)` starts with parentheses.
  while (i < tokens.length && tokens[i].kind === "punct" && tokens[i].text === "(") i++;
  const first = tokens[i];
  if (first === undefined || first.kind !== "word" || !READ_STARTS.has(first.text)) return false;
  for (let j = i; j < tokens.length; j++) {
    const token = tokens[j];
    if (token.kind === "punct") {
      // A second statement after `;` is not judged: the whole text goes to the primary.
      if (token.text === ";" && j < tokens.length - 1) return false;
      continue;
    }
    if (token.kind !== "word") continue;
    if (WRITE_WORDS.has(token.text)) return false;
    // FOR UPDATE / FOR NO KEY UPDATE / FOR SHARE / FOR KEY SHARE are caught by their last word.
  }
  return true;
}
