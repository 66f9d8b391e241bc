import { setTimeout as sleep } from "node:timers/promises";
import type { Dialect, MigrationLockSql } from "../dialects/contract/index.js";
import type { Connection } from "../connection.js";
import { PolysqlError } from "../errors.js";
import { MigrationError } from "./migration-error.js";

/** The dialect's migration lock, or an error naming the backend that has none. */
export function lockOf(dialect: Dialect): MigrationLockSql {
  if (dialect.migrationLock === undefined) {
    throw new MigrationError("no_lock", `The ${dialect.name} backend defines no migrationLock, so it cannot run migrations safely`);
  }
  return dialect.migrationLock;
}

/**
 * Takes the engine's session-bound migration lock on `conn`, waiting up to
 * `timeoutMs`. The engine releases it if the process dies, so it never goes stale.
 *
 * @example await acquireLock(conn, lockOf(dialect), 60_000);
 */
export async function acquireLock(conn: Connection, lock: MigrationLockSql, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (await tryLock(conn, lock)) return;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new MigrationError(
        "lock_timeout",
        `Another migrator held the migration lock for over ${timeoutMs} ms; try again, or raise lockTimeoutMs / --lock-timeout`,
      );
    }
    await sleep(Math.min(left, 50 + Math.random() * Math.min(500, 50 * 2 ** attempt)));
  }
}

async function tryLock(conn: Connection, lock: MigrationLockSql): Promise<boolean> {
  if (!lock.transactional) {
    const taken = await conn.value(lock.acquire);
    return taken === true || Number(taken) === 1;
  }
  try {
    await conn.execute(lock.acquire);
    return true;
  } catch (err) {
    if (err instanceof PolysqlError && (err.code === "lock_timeout" || err.code === "serialization_failure")) return false;
    throw err;
  }
}

/**
 * Runs `fn` holding the migration lock; releases it afterwards (a transactional
 * lock commits on success and rolls back when `fn` throws).
 *
 * @example await withMigrationLock(conn, dialect, 60_000, async () => applyPending());
 */
export async function withMigrationLock<T>(conn: Connection, dialect: Dialect, timeoutMs: number, fn: (lock: MigrationLockSql) => Promise<T>): Promise<T> {
  const lock = lockOf(dialect);
  await acquireLock(conn, lock, timeoutMs);
  let result: T;
  try {
    result = await fn(lock);
  } catch (err) {
    await conn.execute(lock.abort ?? lock.release).catch(() => undefined);
    throw err;
  }
  await conn.execute(lock.release);
  return result;
}
