import type { Dialect, MigrationLockSql } from "../dialects/contract/index.js";
import type { Connection } from "../connection.js";
import type { Database } from "../database.js";
import { ensureHistory, readHistory, type HistoryRow } from "./history.js";
import { withMigrationLock } from "./migration-lock.js";
import { loadMigrations, type Migration } from "./migration-files.js";
import { unguarded } from "../check/index.js";

/** What one locked migration run works with (a bag of parameters, not a connection); `history` is read after the lock was taken. */
export interface MigrationRun {
  conn: Connection;
  dialect: Dialect;
  lock: MigrationLockSql;
  lockTimeoutMs: number;
  migrations: Migration[];
  history: HistoryRow[];
}

/**
 * Loads the files, pins one connection (through `directUrl` behind a transaction pooler), takes the migration lock, creates the
 * history table if needed, re-reads it, and runs `fn`. The lock and type SQL
 * come from the database's own dialect, never from the backend registry: a
 * backend re-registered or removed while the database is open changes nothing here.
 */
export async function withMigrationRun<T>(db: Database, dir: string, lockTimeoutMs: number, fn: (run: MigrationRun) => Promise<T>): Promise<T> {
  const dialect = db.dialect;
  const migrations = await loadMigrations(dir, dialect.name);
  // Behind a transaction-mode pooler the session-bound lock goes through directUrl (db.direct), or fails saying so.
  // Migrations are engine-specific by design (override files, history and lock SQL): the portability guard stays out.
  return unguarded(() =>
    db.direct((target) =>
      target.connection((conn) =>
        withMigrationLock(conn, dialect, lockTimeoutMs, async (lock) => {
          await ensureHistory(conn, dialect);
          const history = await readHistory(conn);
          return fn({ conn, dialect, lock, lockTimeoutMs, migrations, history });
        }),
      ),
    ),
  );
}
