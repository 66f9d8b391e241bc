import type { Database } from "../database.js";
import { deleteHistory, historyByKey, realignHistory } from "./history.js";
import { checkOptions, type MigrationOptions } from "./migrate-options.js";
import type { MigrationError } from "./migration-error.js";
import { withMigrationSession } from "./migration-session.js";
import { validateHistory } from "./validate-history.js";

/** What `repair()` did. */
export interface RepairResult {
  /** Versions whose failed history row was removed (they will run again). */
  removed: string[];
  /** Versions whose checksum and file name were realigned with the file on disk. */
  realigned: string[];
  /** Problems repair cannot fix (e.g. a missing file: restore it). */
  problems: MigrationError[];
}

/**
 * After an operator fixed the schema by hand: removes failed history rows (so
 * the migration runs again) and realigns changed checksums with the files.
 * Runs under the migration lock.
 *
 * @example await repair(db, { dir: "./migrations" }); // then migrate() again
 */
export async function repair(db: Database, options: MigrationOptions = {}): Promise<RepairResult> {
  const opts = checkOptions("other", options);
  return withMigrationSession(db, opts.dir, opts.lockTimeoutMs, async (s) => {
    const result: RepairResult = { removed: [], realigned: [], problems: [] };
    const files = new Map(s.migrations.map((m) => [m.key, m]));
    for (const [key, row] of historyByKey(s.history)) {
      const m = files.get(key);
      if (!row.success) {
        await deleteHistory(s.conn, row.version);
        result.removed.push(row.version);
      } else if (m !== undefined && m.up.checksum !== row.checksum) {
        await realignHistory(s.conn, row.version, { checksum: m.up.checksum, script: m.up.file, description: m.description });
        result.realigned.push(row.version);
      }
    }
    const remaining = s.history.filter((r) => r.success && !result.realigned.includes(r.version));
    result.problems = validateHistory(s.migrations, remaining, { allowOutOfOrder: true }).filter((p) => p.reason === "missing");
    return result;
  });
}
