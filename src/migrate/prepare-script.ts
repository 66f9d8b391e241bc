import type { Dialect } from "../backend.js";
import type { MigrationScript } from "./migration-files.js";
import { splitStatements } from "./split-statements.js";
import { translateTypes } from "./translate-types.js";

/**
 * The statements one script runs on this engine: split, and for a portable
 * file, with portable types translated. Engine overrides run verbatim.
 *
 * @example prepareScript(postgresDialect, migration.up) // ["CREATE TABLE users (id SERIAL PRIMARY KEY, ...)"]
 */
export function prepareScript(dialect: Dialect, script: MigrationScript): string[] {
  const statements = splitStatements(dialect.syntax, script.text, script.file);
  return script.portable ? statements.map((s) => translateTypes(dialect, s)) : statements;
}
