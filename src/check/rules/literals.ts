import type { PortabilityRule } from "../rule.js";
import { isOp, isWord } from "../token-patterns.js";

const VALUE_BEFORE = ["=", "<>", "!=", "<", ">", "<=", ">=", "||"];

export const doubleQuotedString: PortabilityRule = {
  id: "double-quoted-string",
  construct: '`"text"` meant as a string',
  does: {
    sqlite: "a name: no such column (SQLite builds that allow double-quoted strings read it as text)",
    postgres: "a name: no such column",
    mysql: "a name: no such column",
  },
  mysqlNative: "a string",
  fix: "Single quotes for strings: `'text'` (double quotes are for names).",
  find: ({ tokens }) =>
    tokens.filter((t, i) => {
      if (t.kind !== "quoted" || !t.raw.startsWith('"')) return false;
      const before = tokens[i - 1];
      if (isOp(before, ...VALUE_BEFORE) || isWord(before, "LIKE", "THEN", "ELSE")) return true;
      // Inside VALUES (...) or IN (...): a value list, where a name is unusual.
      for (let j = i - 1; j >= 0; j--) {
        const u = tokens[j];
        if (isOp(u, "(") && u.depth === t.depth - 1)
          return isWord(tokens[j - 1], "VALUES", "IN") || (isOp(tokens[j - 1], ",") && tokens.slice(0, j).some((v) => isWord(v, "VALUES")));
        if (u.depth < t.depth) return false;
      }
      return false;
    }),
};

export const backslashEscape: PortabilityRule = {
  id: "backslash-escape",
  construct: "a backslash in a string literal (`'a\\nb'`, `'C:\\'`)",
  does: { sqlite: "an ordinary character", postgres: "an ordinary character", mysql: "an ordinary character" },
  mysqlNative: "an escape: `'a\\tb'` holds a tab, `'C:\\'` does not end",
  fix: "Keep MySQL's portable profile on (the default), or bind the text as a parameter.",
  find: ({ tokens }) => tokens.filter((t) => t.kind === "string" && t.raw.startsWith("'") && t.raw.includes("\\")),
};

export const escapeString: PortabilityRule = {
  id: "escape-string",
  construct: "`E'...'` strings",
  does: { sqlite: "an error", postgres: "a string with backslash escapes", mysql: "an error" },
  fix: "Bind the text as a parameter (`:text`), which carries any character.",
  find: ({ tokens }) => tokens.filter((t) => t.kind === "string" && /^[eE]'/.test(t.raw)),
};

export const backtickIdentifier: PortabilityRule = {
  id: "backtick-identifier",
  construct: "`` `name` ``",
  does: { sqlite: "a name", postgres: "an error", mysql: "a name" },
  fix: 'Double quotes: `"name"` (a name on every engine under MySQL\'s default profile), or no quotes.',
  find: ({ tokens }) => tokens.filter((t) => t.kind === "quoted" && t.raw.startsWith("`")),
};

export const LITERAL_RULES = [doubleQuotedString, backslashEscape, escapeString, backtickIdentifier];
