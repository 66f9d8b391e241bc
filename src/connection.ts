import type { TransactionOptions } from "./dialects/contract/index.js";
import { PolysqlError } from "./errors.js";
import { SessionHandle } from "./queryable.js";
import type { Session } from "./session/session.js";
import { inTransaction } from "./session/transaction-control.js";
import { checkTransactionOptions, runInTransaction, type Transaction } from "./transaction.js";

/**
 * One connection held for the length of a `db.connection()` callback, outside
 * any transaction; `transaction()` on it opens a real transaction on the same connection.
 *
 * @example
 * await db.connection(async (conn) => {
 *   await conn.execute("SET search_path TO tenant_1");
 *   await conn.transaction((tx) => tx.execute("INSERT INTO t (x) VALUES (1)"));
 * });
 */
export class Connection extends SessionHandle {
  constructor(session: Session, signal?: AbortSignal) {
    super(session, "This connection was returned to the pool; use it only inside its callback", signal);
  }

  /** Runs `fn` in a transaction on this connection. */
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T, options: TransactionOptions = {}): Promise<T> {
    this.check();
    checkTransactionOptions(options);
    if (this.session.inTransaction) throw new PolysqlError("transaction_error", "A transaction is already open on this connection");
    return runInTransaction(this.session, options, fn, undefined, this.signal);
  }

  protected override withSession<T>(fn: (session: Session) => Promise<T>, transactional = false): Promise<T> {
    this.check();
    if (!transactional || this.session.inTransaction) return fn(this.session);
    return inTransaction(this.session, {}, () => fn(this.session));
  }
}
