import type { CheckToken } from "../check-tokens.js";
import type { PortabilityRule } from "../rule.js";
import { closing, isOp, isWord } from "../token-patterns.js";

const ERROR = "an error";
const COMPARISONS = ["=", "<>", "!=", "<", ">", "<=", ">="];

/** A token that ends an operand: a name, a number, a placeholder, a closing parenthesis. */
function operandEnd(t: CheckToken | undefined): boolean {
  return t !== undefined && (t.kind === "word" || t.kind === "number" || t.kind === "quoted" || t.kind === "param" || isOp(t, ")"));
}

/** Whether the operand ending at `i` (a `)`) is a call of one of `names`, e.g. `LOWER(...)`, or a CAST to one of `types`. */
function callBefore(tokens: readonly CheckToken[], i: number, names: string[], types: string[] = []): boolean {
  if (!isOp(tokens[i], ")")) return false;
  let open = i - 1;
  while (open >= 0 && !(isOp(tokens[open], "(") && tokens[open].depth === tokens[i].depth)) open--;
  if (isWord(tokens[open - 1], ...names)) return true;
  if (!isWord(tokens[open - 1], "CAST")) return false;
  return tokens.slice(open, i).some((t, k, all) => isWord(all[k - 1], "AS") && isWord(t, ...types));
}

const FRACTIONAL = ["DECIMAL", "NUMERIC", "REAL", "FLOAT", "DOUBLE"];

export const integerDivision: PortabilityRule = {
  id: "integer-division",
  construct: "`a / b` where both are integers",
  does: { sqlite: "`7 / 2` is `3` (integer division)", postgres: "`7 / 2` is `3` (integer division)", mysql: '`7 / 2` is `"3.5000"` (exact DECIMAL division)' },
  fix: "Make one operand fractional for a fractional result: `7 * 1.0 / 2` (`3.5` everywhere); for an integer quotient of non-negative numbers, `FLOOR(7 * 1.0 / 2)`.",
  find: ({ tokens }) =>
    tokens.filter((t, i) => {
      if (!isOp(t, "/")) return false;
      const left = tokens[i - 1];
      const right = tokens[i + 1];
      if (!operandEnd(left) || right === undefined) return false;
      if ((left.kind === "number" && /[.eE]/.test(left.text)) || (right.kind === "number" && /[.eE]/.test(right.text))) return false;
      return (
        !callBefore(tokens, i - 1, ["AVG", "SUM"], FRACTIONAL) &&
        !(isWord(right, "CAST") && tokens.slice(i + 1, closing(tokens, i + 2) + 1).some((u) => isWord(u, ...FRACTIONAL)))
      );
    }),
};

export const likeCase: PortabilityRule = {
  id: "like-case",
  construct: "`LIKE` on text with letters",
  does: {
    sqlite: "ignores ASCII case: `'Ada' LIKE 'a%'` is true",
    postgres: "compares exactly: `'Ada' LIKE 'a%'` is false",
    mysql: "ignores ASCII case: `'Ada' LIKE 'a%'` is true",
  },
  fix: "Fold both sides: `LOWER(name) LIKE LOWER(:pattern)` (or a lower-case pattern: `LOWER(name) LIKE 'a%'`).",
  find: ({ tokens }) =>
    tokens.filter((t, i) => {
      if (!isWord(t, "LIKE")) return false;
      const pattern = tokens[i + 1];
      if (pattern?.kind === "string" && !/[A-Za-z]/.test(pattern.text)) return false;
      const leftEnd = isWord(tokens[i - 1], "NOT") ? i - 2 : i - 1;
      return !callBefore(tokens, leftEnd, ["LOWER", "UPPER"]);
    }),
};

export const ilike: PortabilityRule = {
  id: "ilike",
  construct: "`ILIKE`",
  does: { sqlite: ERROR, postgres: "case-insensitive LIKE", mysql: ERROR },
  fix: "`LOWER(name) LIKE LOWER(:pattern)`.",
  find: ({ tokens }) => tokens.filter((t) => isWord(t, "ILIKE")),
};

export const pipesConcat: PortabilityRule = {
  id: "pipes-concat",
  construct: "`a || b`",
  does: { sqlite: "concatenates: `'ab'`", postgres: "concatenates: `'ab'`", mysql: "concatenates: `'ab'`" },
  mysqlNative: "a logical OR: `0`",
  fix: "Keep MySQL's portable profile on (the default), or write `CONCAT(a, b)` for MySQL only in an engine override.",
  find: ({ tokens }) => tokens.filter((t) => isOp(t, "||")),
};

export const doubleColonCast: PortabilityRule = {
  id: "double-colon-cast",
  construct: "`x::type`",
  does: { sqlite: ERROR, postgres: "a cast", mysql: ERROR },
  fix: "`CAST(x AS type)` with a type every engine knows (`INTEGER`, `DECIMAL(p,s)`, `DATE`).",
  find: ({ tokens }) => tokens.filter((t) => isOp(t, "::")),
};

export const stringPlus: PortabilityRule = {
  id: "string-plus",
  construct: "`+` on a string",
  does: { sqlite: "converts to numbers: `'a' + 'b'` is `0`", postgres: ERROR, mysql: "converts to numbers: `'a' + 'b'` is `0`" },
  fix: "Concatenate with `||` (portable under MySQL's default profile); add numbers as numbers (`CAST(:s AS INTEGER) + 1`).",
  find: ({ tokens }) => tokens.filter((t, i) => isOp(t, "+") && (tokens[i - 1]?.kind === "string" || tokens[i + 1]?.kind === "string")),
};

export const stringNumberComparison: PortabilityRule = {
  id: "string-number-comparison",
  construct: "a string compared with a number (`'' = 0`)",
  does: {
    sqlite: "never equal (text and numbers do not compare equal): no rows",
    postgres: "an error (the string is read as an integer)",
    mysql: "converts the string to a number: `'' = 0` is true",
  },
  fix: "Compare like with like: `col = '0'` for text, `col = 0` for numbers; bind parameters of the column's type.",
  find: ({ tokens }) =>
    tokens.filter((t, i) => {
      if (!isOp(t, ...COMPARISONS)) return false;
      const kinds = [tokens[i - 1]?.kind, tokens[i + 1]?.kind];
      return kinds.includes("string") && kinds.includes("number");
    }),
};

export const regexMatch: PortabilityRule = {
  id: "regex-match",
  construct: "`REGEXP`, `RLIKE`, `~`, `SIMILAR TO`",
  does: {
    sqlite: "an error (no regexp function is defined)",
    postgres: "`~` and `SIMILAR TO` match; `REGEXP` is an error",
    mysql: "`REGEXP`/`RLIKE` match; `~` is an error",
  },
  fix: "`LIKE` on folded text (`LOWER(name) LIKE 'a%'`), or filter in the application.",
  find: ({ tokens }) =>
    tokens.filter(
      (t, i) =>
        isWord(t, "REGEXP", "RLIKE") || (isWord(t, "SIMILAR") && isWord(tokens[i + 1], "TO")) || (isOp(t, "~", "~*", "!~", "!~*") && operandEnd(tokens[i - 1])),
    ),
};

export const hashComment: PortabilityRule = {
  id: "hash-comment",
  construct: "`# comment`",
  does: { sqlite: ERROR, postgres: "an error (`#` is bitwise XOR)", mysql: "a comment" },
  fix: "`-- comment` or `/* comment */`.",
  find: ({ tokens }) => tokens.filter((t) => isOp(t, "#")),
};

export const OPERATOR_RULES = [integerDivision, likeCase, ilike, pipesConcat, doubleColonCast, stringPlus, stringNumberComparison, regexMatch, hashComment];
