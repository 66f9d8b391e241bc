import type { TransactionOptions } from "../dialects/contract/index.js";
import type { Session } from "./session.js";

/**
 * Opens a transaction on a session, runs `fn`, commits on return, rolls back
 * and rethrows on error, and undoes the dialect's session settings afterwards.
 * A failure during COMMIT is rethrown as is: its outcome is unknown.
 */
export async function inTransaction<T>(session: Session, options: TransactionOptions, fn: () => Promise<T> | T): Promise<T> {
  let committed = false;
  session.mark("begin");
  try {
    const begin = controlled(session, session.dialect.begin(options));
    if (begin !== undefined) await begin;
    const result = await fn();
    const commit = controlled(session, COMMIT);
    if (commit !== undefined) await commit;
    committed = true;
    return result;
  } catch (err) {
    if (!committed) await undo(session, ["ROLLBACK"]);
    throw err;
  } finally {
    session.mark("end");
    const end = session.dialect.end?.(options) ?? [];
    if (end.length > 0) await undo(session, end);
  }
}

const COMMIT = ["COMMIT"];

/** Control statements run at once on a synchronous driver (`undefined`: done, no promise to wait for), else the promise of the rest. */
function controlled(session: Session, statements: readonly string[]): Promise<void> | undefined {
  const ran = session.controlNow(statements);
  return ran === statements.length ? undefined : session.control(ran === 0 ? statements : statements.slice(ran));
}

/** Runs `fn` inside a savepoint: released on return, rolled back to on error (and the error rethrown). */
export async function inSavepoint<T>(session: Session, name: string, fn: () => Promise<T> | T): Promise<T> {
  await session.control([`SAVEPOINT ${name}`]);
  try {
    const result = await fn();
    await session.control([`RELEASE SAVEPOINT ${name}`]);
    return result;
  } catch (err) {
    await undo(session, [`ROLLBACK TO SAVEPOINT ${name}`, `RELEASE SAVEPOINT ${name}`]);
    throw err;
  }
}

/** Runs clean-up statements on a live session; if they fail the session's state is unknown, so it is marked broken. */
async function undo(session: Session, statements: readonly string[]): Promise<void> {
  if (session.broken) return;
  await session.control(statements).catch(() => session.mark("broke"));
}
