import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Database } from "../../src/index.js";
import { HISTORY_TABLE } from "../../src/migrate/history.js";

/** Writes migration files into a fresh temporary directory and returns it. */
export function migrationDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "polysql-migrations-"));
  writeMigrations(dir, files);
  return dir;
}

/** Adds or overwrites files in a migrations directory. */
export function writeMigrations(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
}

/** Drops the given tables and the migration history, for a fresh schema state. */
export async function resetSchema(db: Database, ...tables: string[]): Promise<void> {
  for (const t of [...tables, HISTORY_TABLE]) await db.execute(`DROP TABLE IF EXISTS ${t}`);
}
