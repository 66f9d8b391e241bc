import { type CheckToken, checkTokens } from "./check-tokens.js";
import { CHECK_ENGINES, type CheckEngine, type PortabilityRule, type QueryKind } from "./rule.js";
import { RULES } from "./rules/index.js";
import { isOp, isWord } from "./token-patterns.js";

/** One construct found, where, and what to do. */
export interface Finding {
  readonly rule: string;
  /** 1-based, in the text checked (or the file, with `CheckOptions.position`). */
  readonly line: number;
  readonly column: number;
  /** The construct as written. */
  readonly text: string;
  /** What each engine checked for does with it. */
  readonly engines: Partial<Record<CheckEngine, string>>;
  readonly fix: string;
}

/** Options of `checkSql`. */
export interface CheckOptions {
  /** The engines the SQL must agree on; default all three. */
  readonly engines?: readonly CheckEngine[];
  /** How MySQL/MariaDB sessions read SQL: the portable profile (default) or the server's own mode. */
  readonly mysqlMode?: "portable" | "native";
  /** How the result is read: column names do not matter to `value` and `exec`. */
  readonly kind?: QueryKind;
  /** Maps an offset in `text` to a line and column of the file it came from. */
  readonly position?: (offset: number) => { line: number; column: number };
  /** The rules to apply; default all. */
  readonly rules?: readonly PortabilityRule[];
}

/** What one engine does with a rule's construct, under the MySQL mode checked for. */
function behaviour(rule: PortabilityRule, engine: CheckEngine, mysqlMode: "portable" | "native"): string {
  return engine === "mysql" && mysqlMode === "native" ? (rule.mysqlNative ?? rule.does.mysql) : rule.does[engine];
}

/** The rules whose construct the given engines do not all read alike, or one of them refuses ("an error..."). */
export function rulesFor(engines: readonly CheckEngine[] = CHECK_ENGINES, mysqlMode: "portable" | "native" = "portable", rules = RULES): PortabilityRule[] {
  return rules.filter((rule) => {
    const does = engines.map((e) => behaviour(rule, e, mysqlMode));
    return new Set(does).size > 1 || does.some((d) => d.startsWith("an error"));
  });
}

/**
 * Finds the constructs that the engines read differently, statement by statement,
 * in SQL text (a query, a query file, a migration script).
 *
 * @example checkSql("SELECT count(*) FROM t WHERE a = 7 / 2").map((f) => f.rule)
 * // ["integer-division", "unaliased-expression"]
 */
export function checkSql(text: string, options: CheckOptions = {}): Finding[] {
  const engines = options.engines ?? CHECK_ENGINES;
  const mysqlMode = options.mysqlMode ?? "portable";
  const rules = rulesFor(engines, mysqlMode, options.rules ?? RULES);
  if (rules.length === 0) return [];
  const position = options.position ?? lineColumn(text);
  const findings: { at: number; finding: Finding }[] = [];
  for (const tokens of statements(checkTokens(text))) {
    for (const rule of rules) {
      for (const token of rule.find({ tokens, kind: options.kind })) {
        const { line, column } = position(token.start);
        const described = Object.fromEntries(engines.map((e) => [e, behaviour(rule, e, mysqlMode)]));
        findings.push({ at: token.start, finding: { rule: rule.id, line, column, text: token.raw, engines: described, fix: rule.fix } });
      }
    }
  }
  return findings.sort((a, b) => a.at - b.at).map((f) => f.finding);
}

/** Line and column of an offset, 1-based. */
export function lineColumn(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  };
}

/** Splits tokens into statements at `;` (keeping `BEGIN ... END` bodies of routines whole). */
function statements(tokens: readonly CheckToken[]): CheckToken[][] {
  const out: CheckToken[][] = [];
  let current: CheckToken[] = [];
  let blocks = 0;
  tokens.forEach((t, i) => {
    if (isOp(t, ";") && t.depth === 0 && blocks === 0) {
      if (current.length > 0) out.push(current);
      current = [];
      return;
    }
    if (isRoutine(current) && isWord(t, "BEGIN", "CASE")) blocks++;
    // END IF, END LOOP...: those blocks were not counted as opened.
    else if (blocks > 0 && isWord(t, "END") && !isWord(tokens[i + 1], "IF", "LOOP", "WHILE", "REPEAT", "FOR")) blocks--;
    current.push(t);
  });
  if (current.length > 0) out.push(current);
  return out;
}

function isRoutine(tokens: readonly CheckToken[]): boolean {
  return isWord(tokens[0], "CREATE") && tokens.slice(1, 8).some((t) => isWord(t, "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"));
}
