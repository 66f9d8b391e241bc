import type { IsolationLevel, TransactionOptions } from "./dialects/contract/index.js";
import { ConfigError } from "./errors.js";
import { HeldSession } from "./session/session-handle.js";
import type { Session } from "./session/session.js";

const ISOLATION_LEVELS: readonly IsolationLevel[] = ["read uncommitted", "read committed", "repeatable read", "serializable"];
const OPTION_KEYS = new Set(["isolation", "readOnly", "retries"]);

/** Checks `transaction()` options once, naming the bad option and the accepted values. */
export function checkTransactionOptions(options: TransactionOptions): void {
  if (options === null || typeof options !== "object") throw new ConfigError("Transaction options must be an object");
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new ConfigError(`Unknown transaction option "${key}" (accepted: isolation, readOnly, retries)`);
  }
  if (options.isolation !== undefined && !ISOLATION_LEVELS.includes(options.isolation)) {
    throw new ConfigError(`Transaction option "isolation" must be one of ${ISOLATION_LEVELS.map((l) => `"${l}"`).join(", ")}`);
  }
  if (options.readOnly !== undefined && typeof options.readOnly !== "boolean") {
    throw new ConfigError(`Transaction option "readOnly" must be true or false`);
  }
  if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 0)) {
    throw new ConfigError(`Transaction option "retries" must be a whole number >= 0`);
  }
}

/**
 * A transaction handed to a `transaction()` callback: the same query methods as
 * `Database`, all on one connection. Nested `transaction()` calls are savepoints.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   await tx.execute("UPDATE accounts SET balance = balance - :n WHERE id = :id", { n, id });
 *   await tx.transaction(async (inner) => inner.execute("INSERT INTO audit (note) VALUES ('x')"));
 * });
 */
export class Transaction extends HeldSession {
  private savepoints = 0;

  constructor(
    session: Session,
    private readonly depth: number,
  ) {
    super(session, "This transaction has already finished; use the handle only inside its callback");
  }

  /** Runs `fn` inside a savepoint: released on return, rolled back to on error (and the error rethrown). */
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T, options: TransactionOptions = {}): Promise<T> {
    this.check();
    checkTransactionOptions(options);
    if (options.isolation !== undefined || options.readOnly !== undefined) {
      throw new ConfigError("A nested transaction (savepoint) cannot change isolation or readOnly");
    }
    const name = `polysql_sp_${this.depth + 1}_${++this.savepoints}`;
    const child = new Transaction(this.session, this.depth + 1);
    await this.session.runAll([`SAVEPOINT ${name}`]);
    try {
      const result = await fn(child);
      await this.session.runAll([`RELEASE SAVEPOINT ${name}`]);
      return result;
    } catch (err) {
      if (!this.session.broken) {
        await this.session.runAll([`ROLLBACK TO SAVEPOINT ${name}`, `RELEASE SAVEPOINT ${name}`]).catch(() => {
          this.session.broken = true;
        });
      }
      throw err;
    } finally {
      child.finish();
    }
  }
}

/**
 * Opens a transaction on a session, runs `fn`, commits on return, rolls back
 * and rethrows on error, and undoes the dialect's session settings afterwards.
 */
export async function runInTransaction<T>(session: Session, options: TransactionOptions, fn: (tx: Transaction) => Promise<T> | T): Promise<T> {
  const tx = new Transaction(session, 0);
  let committed = false;
  session.inTransaction = true;
  try {
    await session.runAll(session.dialect.begin(options));
    const result = await fn(tx);
    tx.finish();
    await session.runAll(["COMMIT"]);
    committed = true;
    return result;
  } catch (err) {
    tx.finish();
    if (!committed && !session.broken) {
      await session.runAll(["ROLLBACK"]).catch(() => {
        session.broken = true;
      });
    }
    throw err;
  } finally {
    session.inTransaction = false;
    const end = session.dialect.end?.(options) ?? [];
    if (end.length > 0 && !session.broken) {
      await session.runAll(end).catch(() => {
        session.broken = true;
      });
    }
  }
}
