import type { PortabilityRule } from "../rule.js";
import { isOp, isWord, sequence } from "../token-patterns.js";

const ERROR = "an error";

export const limitComma: PortabilityRule = {
  id: "limit-comma",
  construct: "`LIMIT offset, count`",
  does: { sqlite: "skips `offset` rows, returns `count`", postgres: ERROR, mysql: "skips `offset` rows, returns `count`" },
  fix: "`LIMIT count OFFSET offset`.",
  find: ({ tokens }) =>
    tokens.filter((t, i) => isWord(t, "LIMIT") && tokens[i + 1] !== undefined && isOp(tokens[i + 2], ",") && tokens[i + 2].depth === t.depth),
};

export const returning: PortabilityRule = {
  id: "returning",
  construct: "`INSERT/UPDATE/DELETE ... RETURNING`",
  does: {
    sqlite: "returns the rows (SQLite 3.35+)",
    postgres: "returns the rows",
    mysql: "MariaDB: `INSERT`/`DELETE ... RETURNING` only (10.5+), `UPDATE ... RETURNING` is an error; MySQL: an error",
  },
  fix: "`db.insert()` returns the generated key on every engine; otherwise run a `SELECT` after the write, in the same transaction.",
  find: ({ tokens }) => tokens.filter((t) => isWord(t, "RETURNING")),
};

export const onConflict: PortabilityRule = {
  id: "on-conflict",
  construct: "`INSERT ... ON CONFLICT`",
  does: { sqlite: "an upsert", postgres: "an upsert", mysql: ERROR },
  fix: "`db.upsert(table, row, { conflict })` writes each engine's clause; in SQL, `INSERT ... SELECT ... WHERE NOT EXISTS (...)` then `UPDATE`, in a transaction.",
  find: ({ tokens }) => sequence(tokens, "ON", "CONFLICT"),
};

export const onDuplicateKey: PortabilityRule = {
  id: "on-duplicate-key",
  construct: "`INSERT ... ON DUPLICATE KEY UPDATE`",
  does: { sqlite: ERROR, postgres: ERROR, mysql: "an upsert" },
  fix: "`db.upsert(table, row, { conflict })`; in SQL, `UPDATE` and, when it matched nothing, `INSERT`, in a transaction.",
  find: ({ tokens }) => sequence(tokens, "ON", "DUPLICATE", "KEY"),
};

export const autoIncrement: PortabilityRule = {
  id: "auto-increment",
  construct: "`AUTO_INCREMENT`",
  does: { sqlite: ERROR, postgres: ERROR, mysql: "a generated key" },
  fix: "In a migration file: `id SERIAL PRIMARY KEY` (or `BIGSERIAL`), translated for each engine.",
  find: ({ tokens }) => tokens.filter((t) => isWord(t, "AUTO_INCREMENT")),
};

export const sqliteAutoincrement: PortabilityRule = {
  id: "sqlite-autoincrement",
  construct: "`AUTOINCREMENT`",
  does: { sqlite: "a generated key that is never reused", postgres: ERROR, mysql: ERROR },
  fix: "In a migration file: `id SERIAL PRIMARY KEY` (or `BIGSERIAL`), translated for each engine.",
  find: ({ tokens }) => tokens.filter((t) => isWord(t, "AUTOINCREMENT")),
};

export const nullsFirstLast: PortabilityRule = {
  id: "nulls-first-last",
  construct: "`ORDER BY x NULLS FIRST|LAST` (and where NULLs sort without it)",
  does: {
    sqlite: "honoured (3.30+); without it NULLs sort first",
    postgres: "honoured; without it NULLs sort last (first with `DESC`)",
    mysql: "an error; NULLs sort first",
  },
  fix: "`ORDER BY CASE WHEN x IS NULL THEN 1 ELSE 0 END, x` (NULLs last on every engine).",
  find: ({ tokens }) => sequence(tokens, "NULLS", "FIRST|LAST"),
};

export const limitInSubquery: PortabilityRule = {
  id: "limit-in-subquery",
  construct: "`IN (SELECT ... LIMIT n)`",
  does: { sqlite: "the first n rows", postgres: "the first n rows", mysql: "an error (MySQL and MariaDB refuse LIMIT in IN/ALL/ANY/SOME subqueries)" },
  fix: "Wrap it in a derived table: `IN (SELECT id FROM (SELECT id FROM t ORDER BY x LIMIT n) AS firsts)`.",
  find: ({ tokens }) =>
    tokens.filter((t, i) => {
      if (!(isWord(t, "IN", "ANY", "ALL", "SOME") && isOp(tokens[i + 1], "(") && isWord(tokens[i + 2], "SELECT"))) return false;
      const depth = t.depth + 1;
      for (let j = i + 3; j < tokens.length && tokens[j].depth >= depth; j++) if (tokens[j].depth === depth && isWord(tokens[j], "LIMIT")) return true;
      return false;
    }),
};

export const deleteLimit: PortabilityRule = {
  id: "delete-limit",
  construct: "`DELETE ... LIMIT n`, `UPDATE ... LIMIT n`",
  does: { sqlite: "honoured by this build (an error where SQLite is built without it)", postgres: ERROR, mysql: "honoured" },
  fix: "Select the keys in a derived table: `DELETE FROM t WHERE id IN (SELECT id FROM (SELECT id FROM t WHERE ... ORDER BY id LIMIT n) AS d)`.",
  find: ({ tokens }) => (isWord(tokens[0], "DELETE", "UPDATE") ? tokens.filter((t) => isWord(t, "LIMIT") && t.depth === 0) : []),
};

export const fullOuterJoin: PortabilityRule = {
  id: "full-outer-join",
  construct: "`FULL [OUTER] JOIN`",
  does: { sqlite: "a full join (3.39+)", postgres: "a full join", mysql: ERROR },
  fix: "A `LEFT JOIN` united with the other side's `LEFT JOIN`: `SELECT a.id AS id FROM a LEFT JOIN b ON ... UNION SELECT b.id AS id FROM b LEFT JOIN a ON ...`.",
  find: ({ tokens }) => sequence(tokens, "FULL", "OUTER?", "JOIN"),
};

export const insertIgnore: PortabilityRule = {
  id: "insert-ignore",
  construct: "`INSERT IGNORE`, `INSERT OR IGNORE|REPLACE`",
  does: {
    sqlite: "`INSERT OR ...` skips or replaces; `INSERT IGNORE` is an error",
    postgres: ERROR,
    mysql: "`INSERT IGNORE` skips the row (and turns other errors into warnings)",
  },
  fix: "`INSERT INTO t (...) SELECT ... FROM (SELECT 1 AS one) AS d WHERE NOT EXISTS (SELECT 1 FROM t WHERE ...)`, or `db.upsert()`.",
  find: ({ tokens }) => [...sequence(tokens, "INSERT", "IGNORE"), ...sequence(tokens, "INSERT", "OR", "IGNORE|REPLACE|ABORT|FAIL|ROLLBACK")],
};

export const replaceInto: PortabilityRule = {
  id: "replace-into",
  construct: "`REPLACE INTO`",
  does: { sqlite: "deletes the conflicting row and inserts", postgres: ERROR, mysql: "deletes the conflicting row and inserts" },
  fix: "`db.upsert()`, or `UPDATE` then `INSERT` when nothing matched, in a transaction.",
  find: ({ tokens }) => (isWord(tokens[0], "REPLACE") && isWord(tokens[1], "INTO") ? [tokens[0]] : []),
};

export const collate: PortabilityRule = {
  id: "collate",
  construct: "`COLLATE name`",
  does: {
    sqlite: "SQLite's collations: `BINARY`, `NOCASE`, `RTRIM`",
    postgres: 'ICU/libc collations (`"C"`, `"und-x-icu"`)',
    mysql: "MySQL's collations (`utf8mb4_bin`...)",
  },
  fix: "Sort or compare folded text: `ORDER BY LOWER(name)`; declare a collation per engine in an override migration if you need one.",
  find: ({ tokens }) => tokens.filter((t) => isWord(t, "COLLATE")),
};

export const CLAUSE_RULES = [
  limitComma,
  returning,
  onConflict,
  onDuplicateKey,
  autoIncrement,
  sqliteAutoincrement,
  nullsFirstLast,
  limitInSubquery,
  deleteLimit,
  fullOuterJoin,
  insertIgnore,
  replaceInto,
  collate,
];
