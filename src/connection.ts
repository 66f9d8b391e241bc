import type { Dialect, Row, TransactionOptions } from "./backend.js";
import { PolysqlError } from "./errors.js";
import { Queryable } from "./queryable.js";
import type { Session } from "./session.js";
import type { CompiledQuery } from "./sql/index.js";
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
export class Connection extends Queryable {
  private finished = false;

  constructor(private readonly session: Session) {
    super();
  }

  get dialect(): string {
    return this.session.dialect.name;
  }

  protected get facts(): Dialect {
    return this.session.dialect;
  }

  /** Runs `fn` in a transaction on this connection. */
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T, options: TransactionOptions = {}): Promise<T> {
    this.check();
    checkTransactionOptions(options);
    if (this.session.inTransaction) {
      return Promise.reject(new PolysqlError("transaction_error", "A transaction is already open on this connection"));
    }
    return runInTransaction(this.session, options, fn);
  }

  /** Marks this handle unusable once its callback ended. */
  finish(): void {
    this.finished = true;
  }

  private check(): void {
    if (this.finished) throw new PolysqlError("transaction_error", "This connection was returned to the pool; use it only inside its callback");
  }

  protected withSession<T>(fn: (session: Session) => Promise<T>, transactional: boolean): Promise<T> {
    this.check();
    if (!transactional || this.session.inTransaction) return fn(this.session);
    return runInTransaction(this.session, {}, () => fn(this.session));
  }

  protected runQuery(query: CompiledQuery) {
    this.check();
    return this.session.run(query);
  }

  protected streamQuery(query: CompiledQuery, batchSize: number): AsyncGenerator<Row> {
    this.check();
    return this.session.stream(query, batchSize);
  }
}
