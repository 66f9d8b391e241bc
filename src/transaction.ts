import type { IsolationLevel, TransactionOptions } from "./dialects/contract/index.js";
import { checkKnownKeys } from "./config/options.js";
import { ConfigError, PolysqlError } from "./errors.js";
import { raceAbort, SessionHandle } from "./queryable.js";
import type { CallControl, CallOptions } from "./session/call.js";
import type { Session } from "./session/session.js";
import { inSavepoint, inTransaction } from "./session/transaction-control.js";

const ISOLATION_LEVELS: readonly IsolationLevel[] = ["read uncommitted", "read committed", "repeatable read", "serializable"];
const OPTION_KEYS = ["isolation", "readOnly", "retries", "signal", "timeoutMs"];

/** Options of `transaction()`: isolation, readOnly, retries, and the per-call `signal` and `timeoutMs` (for the whole transaction). */
export type TransactionCallOptions = TransactionOptions & CallOptions;

/** Checks `transaction()` options once, naming the bad option and the accepted values. */
export function checkTransactionOptions(options: TransactionCallOptions): void {
  if (options === null || typeof options !== "object") throw new ConfigError("Transaction options must be an object");
  checkKnownKeys("transaction", options, OPTION_KEYS);
  if (options.isolation !== undefined && !ISOLATION_LEVELS.includes(options.isolation)) {
    throw new ConfigError(`Transaction option "isolation" must be one of ${ISOLATION_LEVELS.map((l) => `"${l}"`).join(", ")}`);
  }
  if (options.readOnly !== undefined && typeof options.readOnly !== "boolean") {
    throw new ConfigError(`Transaction option "readOnly" must be true or false`);
  }
  if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 0)) {
    throw new ConfigError(`Transaction option "retries" must be a whole number >= 0`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new ConfigError(`Transaction option "signal" must be an AbortSignal`);
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
export class Transaction extends SessionHandle {
  private savepoints = 0;

  constructor(
    session: Session,
    private readonly depth: number,
    signal?: AbortSignal,
  ) {
    super(session, "This transaction has already finished; use the handle only inside its callback", signal);
  }

  /** Runs `fn` inside a savepoint: released on return, rolled back to on error (and the error rethrown). */
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T, options: TransactionOptions = {}): Promise<T> {
    this.check();
    checkTransactionOptions(options);
    if (options.isolation !== undefined || options.readOnly !== undefined) {
      throw new ConfigError("A nested transaction (savepoint) cannot change isolation or readOnly");
    }
    if (!this.dialect.capabilities.savepoints) {
      throw new PolysqlError("transaction_error", `${this.engine} has no savepoints: a transaction cannot be nested`);
    }
    const child = new Transaction(this.session, this.depth + 1, this.signal);
    try {
      return await inSavepoint(this.session, `polysql_sp_${this.depth + 1}_${++this.savepoints}`, () => fn(child));
    } finally {
      child.finish();
    }
  }
}

/**
 * Runs `fn` with a new `Transaction` on a session: commit on return, roll back
 * and rethrow on error; the handle is unusable once the callback ended.
 */
export function runInTransaction<T>(
  session: Session,
  options: TransactionOptions,
  fn: (tx: Transaction) => Promise<T> | T,
  call?: CallControl,
  outer?: AbortSignal,
): Promise<T> {
  const signal = call?.signal ?? outer;
  const tx = new Transaction(session, 0, signal);
  const { isolation, readOnly } = options;
  const txOptions: TransactionOptions = { ...(isolation === undefined ? {} : { isolation }), ...(readOnly === undefined ? {} : { readOnly }) };
  return inTransaction(session, txOptions, async () => {
    try {
      // An abort rejects at once; the statement running is cancelled through the handle's signal,
      // and inTransaction rolls back once that is confirmed (or the session is destroyed).
      if (call === undefined) return await fn(tx);
      call.committing = false;
      const result = await raceAbort(call, tx, () => fn(tx));
      call.committing = true;
      return result;
    } finally {
      tx.finish();
    }
  });
}
