import type { CheckToken } from "../check-tokens.js";
import type { PortabilityRule } from "../rule.js";
import { calls, closing, isOp, isWord, splitAtCommas } from "../token-patterns.js";

const ERROR = "an error (no such function)";

/** A rule for functions that exist on some engines only; `keep` drops calls that are something else. */
function functionRule(
  id: string,
  names: string[],
  does: PortabilityRule["does"],
  fix: string,
  keep: (tokens: readonly CheckToken[], at: number) => boolean = () => true,
): PortabilityRule {
  return {
    id,
    construct: names.map((n) => `\`${n}()\``).join(", "),
    does,
    fix,
    find: ({ tokens }) => calls(tokens, ...names).filter((t) => keep(tokens, tokens.indexOf(t))),
  };
}

export const nowFunction = functionRule(
  "now-function",
  ["NOW", "CURDATE", "CURTIME", "SYSDATE"],
  {
    sqlite: ERROR,
    postgres: "`NOW()`: the transaction's start, timestamptz, microseconds",
    mysql: "the statement's start, DATETIME, whole seconds",
  },
  "`CURRENT_TIMESTAMP` exists everywhere but its type and precision differ (SQLite: UTC text, seconds); for comparisons and stored times bind the time from the application (`:now`).",
);

export const ifnull = functionRule(
  "ifnull",
  ["IFNULL"],
  { sqlite: "the first non-NULL argument", postgres: ERROR, mysql: "the first non-NULL argument" },
  "`COALESCE(a, b)`.",
);

export const isnullFunction = functionRule(
  "isnull-function",
  ["ISNULL"],
  { sqlite: "an error (`x ISNULL` is SQLite's postfix operator)", postgres: ERROR, mysql: "`ISNULL(x)` is 1 when x is NULL" },
  "`CASE WHEN x IS NULL THEN 1 ELSE 0 END`, or `x IS NULL` in a WHERE clause.",
);

export const nvl = functionRule("nvl", ["NVL"], { sqlite: ERROR, postgres: ERROR, mysql: "the first non-NULL argument" }, "`COALESCE(a, b)`.");

export const groupConcat = functionRule(
  "group-concat",
  ["GROUP_CONCAT"],
  { sqlite: "joins the group's values with `,`", postgres: ERROR, mysql: "joins the group's values with `,` (cut at `group_concat_max_len`)" },
  "Select the rows (`ORDER BY` the group) and join them in the application; or an engine override file per engine.",
);

export const stringAgg = functionRule(
  "string-agg",
  ["STRING_AGG"],
  { sqlite: "joins the group's values (SQLite 3.44+)", postgres: "joins the group's values", mysql: ERROR },
  "Select the rows (`ORDER BY` the group) and join them in the application; or an engine override file per engine.",
);

export const random = functionRule(
  "random",
  ["RANDOM"],
  { sqlite: "a random 64-bit integer", postgres: "a random float in [0, 1)", mysql: ERROR },
  "Generate random values in the application and bind them; to pick random rows, pick ids in the application.",
);

export const rand = functionRule(
  "rand",
  ["RAND"],
  { sqlite: ERROR, postgres: ERROR, mysql: "a random float in [0, 1)" },
  "Generate random values in the application and bind them.",
);

export const strftime = functionRule(
  "strftime",
  ["STRFTIME"],
  { sqlite: "formats a date", postgres: ERROR, mysql: ERROR },
  "Compare dates with ranges of bound values (`born >= :from AND born < :to`) and format dates in the application.",
);

export const dateFormat = functionRule(
  "date-format",
  ["DATE_FORMAT", "TO_CHAR"],
  { sqlite: ERROR, postgres: "`TO_CHAR` formats; `DATE_FORMAT` is an error", mysql: "`DATE_FORMAT` formats; `TO_CHAR` is an error (before MariaDB 10.6)" },
  "Compare dates with ranges of bound values (`born >= :from AND born < :to`) and format dates in the application.",
);

export const concatNull = functionRule(
  "concat-null",
  ["CONCAT"],
  {
    sqlite: "skips NULL arguments: `CONCAT('a', NULL)` is `'a'`",
    postgres: "skips NULL arguments: `CONCAT('a', NULL)` is `'a'`",
    mysql: "NULL when any argument is NULL",
  },
  "`a || COALESCE(b, '')` (`||` is portable under MySQL's default profile).",
);

export const ifFunction = functionRule(
  "if-function",
  ["IF", "IIF"],
  { sqlite: "`IIF`/`IF` (SQLite 3.48+) choose a value", postgres: ERROR, mysql: "`IF` chooses a value; `IIF` is an error" },
  "`CASE WHEN cond THEN a ELSE b END`.",
  // IF (...) THEN in a routine body is a statement, not the function.
  (tokens, at) => !isWord(tokens[closing(tokens, at + 1) + 1], "THEN"),
);

export const lengthBytes = functionRule(
  "length-bytes",
  ["LENGTH"],
  { sqlite: "characters: `LENGTH('é')` is 1", postgres: "characters: `LENGTH('é')` is 1", mysql: "bytes: `LENGTH('é')` is 2" },
  "No spelling counts characters everywhere (`CHAR_LENGTH` is missing from SQLite): count in the application, or in an engine override.",
);

export const dateNow: PortabilityRule = {
  id: "date-now",
  construct: "`DATE('now')`, `DATETIME(...)`, `JULIANDAY(...)` (SQLite's date functions)",
  does: { sqlite: "today (UTC)", postgres: "today", mysql: "`DATE('now')` is NULL; `DATETIME()` is an error" },
  fix: "`CURRENT_DATE`, or bind the date from the application (`:today`).",
  find: ({ tokens }) =>
    [
      ...calls(tokens, "DATETIME", "JULIANDAY", "UNIXEPOCH"),
      ...calls(tokens, "DATE", "TIME").filter((t) => {
        const i = tokens.indexOf(t);
        const args = splitAtCommas(tokens.slice(i + 2, closing(tokens, i + 1)), t.depth + 1);
        return args.length > 1 || (args[0]?.[0]?.kind === "string" && /^'now'$/i.test(args[0][0].raw));
      }),
    ].sort((a, b) => a.start - b.start),
};

export const countDistinctColumns: PortabilityRule = {
  id: "count-distinct-columns",
  construct: "`COUNT(DISTINCT a, b)`",
  does: { sqlite: ERROR, postgres: ERROR, mysql: "counts distinct pairs" },
  fix: "`SELECT COUNT(*) FROM (SELECT DISTINCT a, b FROM t) AS d`.",
  find: ({ tokens }) =>
    calls(tokens, "COUNT").filter((t) => {
      const i = tokens.indexOf(t);
      if (!isWord(tokens[i + 2], "DISTINCT")) return false;
      return tokens.slice(i + 3, closing(tokens, i + 1)).some((u) => isOp(u, ",") && u.depth === t.depth + 1);
    }),
};

export const castToText: PortabilityRule = {
  id: "cast-to-text",
  construct: "`CAST(x AS TEXT)`, `CAST(x AS VARCHAR(n))`",
  does: { sqlite: "text", postgres: "text", mysql: "`TEXT`: an error (MySQL casts to `CHAR`; MariaDB also to `VARCHAR`)" },
  fix: "`x || ''` turns a value into text on every engine (under MySQL's default profile).",
  find: ({ tokens }) =>
    calls(tokens, "CAST").filter((t) => {
      const i = tokens.indexOf(t);
      const end = closing(tokens, i + 1);
      return tokens
        .slice(i + 2, end)
        .some((u, k, all) => u.depth === t.depth + 1 && isWord(all[k - 1], "AS") && isWord(u, "TEXT", "VARCHAR", "NVARCHAR", "CLOB"));
    }),
};

export const FUNCTION_RULES = [
  nowFunction,
  ifnull,
  isnullFunction,
  nvl,
  groupConcat,
  stringAgg,
  random,
  rand,
  strftime,
  dateFormat,
  concatNull,
  ifFunction,
  lengthBytes,
  dateNow,
  countDistinctColumns,
  castToText,
];
