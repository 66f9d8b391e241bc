import type { Dialect } from "../dialects/contract/index.js";
import { ParameterError } from "../errors.js";
import { quoteIdentifier } from "../sql/index.js";

/**
 * Quotes a table or column name for the dialect. `schema.table` is two parts;
 * each part must be non-empty and within the engine's identifier length. A
 * quote character inside a name is doubled, so any text is just a name.
 *
 * @example quoteName(postgresDialect, "app.users") // "app"."users"
 */
export function quoteName(dialect: Dialect, name: string, allowSchema = true): string {
  if (typeof name !== "string") throw new ParameterError("invalid_parameter", `A table or column name must be a string, got ${typeof name}`);
  const parts = allowSchema ? splitName(name) : [name];
  if (parts.length > 2) throw new ParameterError("invalid_parameter", `Name ${JSON.stringify(name)} has more than two parts; use "schema.table"`);
  return parts.map((part) => quotePart(dialect, part, name)).join(".");
}

function splitName(name: string): string[] {
  // A dot inside a part can be written as a quoted part: "my.schema".table stays two parts.
  const quoted = /^"([^"]*)"\.(.+)$/.exec(name);
  if (quoted) return [quoted[1], quoted[2]];
  return name.split(".");
}

function quotePart(dialect: Dialect, part: string, whole: string): string {
  if (part.trim() === "") throw new ParameterError("invalid_parameter", `Name ${JSON.stringify(whole)} has an empty part`);
  const bytes = Buffer.byteLength(part, "utf8");
  if (bytes > dialect.maxIdentifierLength) {
    throw new ParameterError(
      "invalid_parameter",
      `Name ${JSON.stringify(part.length > 40 ? `${part.slice(0, 40)}…` : part)} is ${bytes} bytes; ${dialect.name} allows at most ${dialect.maxIdentifierLength}`,
    );
  }
  return quoteIdentifier(dialect.syntax, part);
}
