import type { CheckToken } from "../check-tokens.js";
import type { CheckStatement, PortabilityRule } from "../rule.js";
import { isColumnRef, isOp, isWord, selectLists, splitAlias, topLevel } from "../token-patterns.js";

const PREDICATES = ["=", "<>", "!=", "<", ">", "<=", ">="];

/** Whether the result's column names are read (rows as objects), as opposed to `value()` or a write. */
function namesMatter(statement: CheckStatement): boolean {
  return statement.kind !== "value" && statement.kind !== "exec";
}

/** The items of the statement's own result (its first top-level SELECT). */
function outerItems(statement: CheckStatement): CheckToken[][] {
  return selectLists(statement.tokens).find((list) => list.outer)?.items ?? [];
}

export const booleanResult: PortabilityRule = {
  id: "boolean-result",
  construct: "a comparison as a result column: `SELECT a = b`, `x IS NULL`, `EXISTS (...)`",
  does: { sqlite: "`1` or `0`", postgres: "`true` or `false`", mysql: "`1` or `0`" },
  fix: "`CASE WHEN a = b THEN 1 ELSE 0 END` (or select the BOOLEAN column itself: columns of the portable `BOOLEAN` type read back as `true`/`false` everywhere).",
  find: (statement) =>
    outerItems(statement).flatMap((item) => {
      const hit = topLevel(splitAlias(item).expr).find((t) => isOp(t, ...PREDICATES) || isWord(t, "IS", "LIKE", "IN", "BETWEEN", "EXISTS", "NOT"));
      return hit === undefined ? [] : [hit];
    }),
};

export const booleanLiteral: PortabilityRule = {
  id: "boolean-literal",
  construct: "`TRUE`/`FALSE` as a result column",
  does: { sqlite: "`1` / `0`", postgres: "`true` / `false`", mysql: "`1` / `0`" },
  fix: "`1` / `0`; in a WHERE clause or as a value for a BOOLEAN column, `TRUE`/`FALSE` are fine.",
  find: (statement) => outerItems(statement).flatMap((item) => topLevel(splitAlias(item).expr).filter((t) => isWord(t, "TRUE", "FALSE"))),
};

export const unaliasedExpression: PortabilityRule = {
  id: "unaliased-expression",
  construct: "an expression result column without an alias: `SELECT count(*)`, `SELECT 1`",
  does: {
    sqlite: "named as written: `count(*)`",
    postgres: "named after the function (`count`) or `?column?` (two such columns share the name)",
    mysql: "named as written: `count(*)`",
  },
  fix: "Name it: `SELECT count(*) AS n` (or read it with `db.value()`, which takes the first column by position).",
  find: (statement) =>
    namesMatter(statement)
      ? outerItems(statement)
          .filter((item) => !splitAlias(item).alias && !isColumnRef(item))
          .map((item) => item[0])
      : [],
};

export const identifierCase: PortabilityRule = {
  id: "identifier-case",
  construct: "an unquoted result name with capitals: `SELECT name AS FirstName`, `SELECT ID`",
  does: {
    sqlite: "the key is written as in the query: `FirstName`",
    postgres: "folded to lower case: `firstname`",
    mysql: "the key is written as in the query: `FirstName`",
  },
  fix: 'Lower-case names (`AS first_name`), or quote them (`AS "FirstName"`) to keep the case everywhere.',
  find: (statement) =>
    namesMatter(statement)
      ? outerItems(statement).flatMap((item) => {
          const { expr, alias } = splitAlias(item);
          const name = alias ?? (isColumnRef(expr) ? expr[expr.length - 1] : undefined);
          return name !== undefined && name.kind === "word" && name.raw !== name.raw.toLowerCase() ? [name] : [];
        })
      : [],
};

export const implicitGroupBy: PortabilityRule = {
  id: "implicit-group-by",
  construct: "a column in the result of a `GROUP BY` query that is neither grouped nor aggregated",
  does: { sqlite: "a value from any row of the group", postgres: "an error", mysql: "a value from any row of the group (unless `ONLY_FULL_GROUP_BY`)" },
  fix: "Group by it, or aggregate it: `MIN(name) AS name`.",
  find: ({ tokens }) =>
    selectLists(tokens).flatMap((list) => {
      if (list.groupBy === undefined) return [];
      // `t.city` and `city` name the same column.
      const grouped = new Set(list.groupBy.flatMap((g) => [key(g), key(g.slice(-1))]));
      if (list.groupBy.some((g) => g.length === 1 && g[0].kind === "number")) return [];
      return list.items.flatMap((item) => {
        const { expr } = splitAlias(item);
        if (!isColumnRef(expr) || isOp(expr[expr.length - 1], "*")) return [];
        return grouped.has(key(expr)) || grouped.has(key(expr.slice(-1))) ? [] : [expr[0]];
      });
    }),
};

/** A comparable spelling of a column reference: unquoted names fold, the table part is kept. */
function key(tokens: readonly CheckToken[]): string {
  return tokens.map((t) => (t.kind === "quoted" ? t.raw.slice(1, -1) : t.raw).toLowerCase()).join("");
}

export const SELECT_LIST_RULES = [booleanResult, booleanLiteral, unaliasedExpression, identifierCase, implicitGroupBy];
