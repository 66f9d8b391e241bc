/**
 * One engine's lexical facts, as data. The lexer and the parameter compiler
 * read these; dialects supply them.
 */
export interface SqlSyntax {
  /** Cache key part: unique per distinct syntax (the dialect name is fine). */
  readonly name: string;
  /** Placeholder style the driver wants: `$1, $2` or `?`. */
  readonly placeholders: "dollar" | "question";
  /** Character that quotes identifiers: `"` (standard) or `` ` `` (MySQL). */
  readonly identifierQuote: '"' | "`";
  /** MySQL: a backslash escapes the next character inside '...' and "...". */
  readonly backslashEscapes: boolean;
  /** MySQL default mode: "..." is a string literal, not an identifier. */
  readonly doubleQuotedStrings: boolean;
  /** MySQL, SQLite: `name` is a quoted identifier. */
  readonly backtickIdentifiers: boolean;
  /** SQLite: [name] is a quoted identifier. */
  readonly bracketIdentifiers: boolean;
  /** PostgreSQL: $$...$$ and $tag$...$tag$ strings. */
  readonly dollarQuotes: boolean;
  /** PostgreSQL: E'...' strings with backslash escapes. */
  readonly escapeStrings: boolean;
  /** MySQL: `#` starts a line comment. */
  readonly hashComments: boolean;
  /** PostgreSQL: block comments nest. */
  readonly nestedBlockComments: boolean;
}
