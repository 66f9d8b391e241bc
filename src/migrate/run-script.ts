import type { Dialect, MigrationLockSql } from "../dialects/contract/index.js";
import type { Connection } from "../connection.js";
import { PolysqlError } from "../errors.js";
import type { Queryable } from "../queryable.js";
import { acquireLock } from "./migration-lock.js";
import { MigrationError } from "./migration-error.js";
import type { MigrationScript } from "./migration-files.js";

/** Where a script runs and how its outcome is recorded. */
export interface ScriptRun {
  conn: Connection;
  dialect: Dialect;
  lock: MigrationLockSql;
  lockTimeoutMs: number;
  script: MigrationScript;
  statements: string[];
  /** Writes the history change for success, inside the script's transaction when it has one. */
  onSuccess(q: Queryable, durationMs: number): Promise<void>;
  /** Records a failure that could not be rolled back (statements already committed). */
  onPartialFailure?(q: Queryable, failure: MigrationError, durationMs: number): Promise<void>;
}

const SAVEPOINT = "polysql_migration";

/**
 * Runs one script's statements. In a transaction when the engine rolls DDL back
 * and the file allows it (a savepoint when the lock itself is the transaction);
 * otherwise statement by statement, recording a failure with the statement's
 * index and text. Returns the duration, or throws `MigrationError` ("statement_failed").
 */
export async function runScript(run: ScriptRun): Promise<number> {
  const { conn, lock, script } = run;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const transactional = script.transaction && run.dialect.capabilities.transactionalDdl;
  if (transactional && lock.transactional) {
    await conn.execute(`SAVEPOINT ${SAVEPOINT}`);
    try {
      await runStatements(conn, run);
      await run.onSuccess(conn, elapsed());
    } catch (err) {
      await conn.execute(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
      throw err;
    } finally {
      await conn.execute(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    }
    return elapsed();
  }
  if (transactional) {
    await conn.transaction(async (tx) => {
      await runStatements(tx, run);
      await run.onSuccess(tx, elapsed());
    });
    return elapsed();
  }
  // Outside any transaction; a transactional lock (SQLite) is released meanwhile.
  if (lock.transactional) await conn.execute(lock.release);
  try {
    await runStatements(conn, run);
  } catch (err) {
    if (lock.transactional) await acquireLock(conn, lock, run.lockTimeoutMs);
    if (err instanceof MigrationError && run.onPartialFailure) await run.onPartialFailure(conn, err, elapsed());
    throw err;
  }
  if (lock.transactional) await acquireLock(conn, lock, run.lockTimeoutMs);
  await run.onSuccess(conn, elapsed());
  return elapsed();
}

async function runStatements(q: Queryable, run: ScriptRun): Promise<void> {
  for (let i = 0; i < run.statements.length; i++) {
    const sql = run.statements[i];
    try {
      await q.execute(sql);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new MigrationError("statement_failed", `${run.script.file} failed at statement ${i + 1} of ${run.statements.length}: ${message}`, {
        file: run.script.file,
        statementIndex: i + 1,
        sql,
        engine: run.dialect.name,
        cause: err,
        engineCode: err instanceof PolysqlError ? err.engineCode : undefined,
      });
    }
  }
}
