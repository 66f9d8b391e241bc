import type { Database } from "../database.js";
import { deleteHistory, historyByKey, realignHistory } from "./history.js";
import { checkOptions, type MigrationOptions } from "./migrate-options.js";
import type { MigrationError } from "./migration-error.js";
import { withMigrationRun } from "./migration-run.js";
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
  return withMigrationRun(db, opts.dir, opts.lockTimeoutMs, async (r) => {
    const result: RepairResult = { removed: [], realigned: [], problems: [] };
    const files = new Map(r.migrations.map((m) => [m.key, m]));
    for (const [key, row] of historyByKey(r.history)) {
      const m = files.get(key);
      if (!row.success) {
        await deleteHistory(r.conn, row.version);
        result.removed.push(row.version);
      } else if (m !== undefined && m.up.checksum !== row.checksum) {
        await realignHistory(r.conn, row.version, { checksum: m.up.checksum, script: m.up.file, description: m.description });
        result.realigned.push(row.version);
      }
    }
    const remaining = r.history.filter((h) => h.success && !result.realigned.includes(h.version));
    result.problems = validateHistory(r.migrations, remaining, { allowOutOfOrder: true }).filter((p) => p.reason === "missing");
    return result;
  });
}
