import type { Dialect, MigrationLockSql } from "../dialects/contract/index.js";
import type { Connection } from "../connection.js";
import type { Database } from "../database.js";
import { ConfigError } from "../errors.js";
import { backendByName } from "../dialects/registry.js";
import { ensureHistory, readHistory, type HistoryRow } from "./history.js";
import { withMigrationLock } from "./migration-lock.js";
import { loadMigrations, type Migration } from "./migration-files.js";

/** What a locked migration run works with; `history` is read after the lock was taken. */
export interface MigrationSession {
  conn: Connection;
  dialect: Dialect;
  lock: MigrationLockSql;
  lockTimeoutMs: number;
  migrations: Migration[];
  history: HistoryRow[];
}

/** The dialect facts of an open database. */
export function dialectOf(db: Database): Dialect {
  const dialect = backendByName(db.dialect)?.dialect;
  if (dialect === undefined) throw new ConfigError(`No backend named "${db.dialect}" is registered`);
  return dialect;
}

/**
 * Loads the files, pins one connection, takes the migration lock, creates the
 * history table if needed, re-reads it, and runs `fn`.
 */
export async function withMigrationSession<T>(db: Database, dir: string, lockTimeoutMs: number, fn: (s: MigrationSession) => Promise<T>): Promise<T> {
  const dialect = dialectOf(db);
  const migrations = await loadMigrations(dir, dialect.name);
  return db.connection((conn) =>
    withMigrationLock(conn, dialect, lockTimeoutMs, async (lock) => {
      await ensureHistory(conn, dialect);
      const history = await readHistory(conn);
      return fn({ conn, dialect, lock, lockTimeoutMs, migrations, history });
    }),
  );
}
