import { ParameterError } from "../errors.js";
import type { SqlSyntax } from "./syntax.js";

/**
 * Quotes one identifier for the engine, doubling any quote character inside.
 * Does not split `schema.table`: callers pass each part separately.
 *
 * @example
 * quoteIdentifier(postgres, 'my "table"') // => "my ""table"""
 */
export function quoteIdentifier(syntax: SqlSyntax, name: string): string {
  if (typeof name !== "string" || name.length === 0 || name.includes("\0")) {
    throw new ParameterError("invalid_parameter", `Invalid identifier ${JSON.stringify(name)}: expected a non-empty string without NUL characters`);
  }
  const quote = syntax.identifierQuote;
  return quote + name.replaceAll(quote, quote + quote) + quote;
}
