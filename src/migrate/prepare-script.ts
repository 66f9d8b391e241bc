import type { Dialect } from "../dialects/contract/index.js";
import type { MigrationScript } from "./migration-files.js";
import { splitStatements } from "../sql/split-statements.js";
import { translateTypes } from "../sql/translate-types.js";
import { MigrationError } from "./migration-error.js";

/**
 * The statements one script runs on this engine: split, and for a portable
 * file, with portable types translated. Engine overrides run verbatim.
 *
 * @example prepareScript(postgresDialect, migration.up) // ["CREATE TABLE users (id SERIAL PRIMARY KEY, ...)"]
 */
export function prepareScript(dialect: Dialect, script: MigrationScript): string[] {
  let statements: string[];
  try {
    statements = splitStatements(dialect.syntax, script.text, script.file);
  } catch (err) {
    throw new MigrationError("bad_file", (err as Error).message, { file: script.file, cause: err });
  }
  return script.portable ? statements.map((s) => translateTypes(dialect, s)) : statements;
}
