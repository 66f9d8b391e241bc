// The driver side of the contract: one live connection to the engine, as a backend provides it.

/** A row as drivers return it: a plain object keyed by column name. */
export type Row = Record<string, unknown>;

/** What one statement returned, as a driver reports it. */
export interface DriverResult {
  rows: Row[];
  rowCount: number;
  insertId?: number | bigint | string;
}

/**
 * One live connection, as a backend's driver provides it. The core wraps it in
 * the pool, transactions, retries and errors; the driver only talks to the engine.
 */
export interface DriverConnection {
  /** Runs one statement with bound values (already in the engine's placeholder style). */
  query(sql: string, values: readonly unknown[]): Promise<DriverResult>;
  /**
   * Optional: the same as `query` for an embedded engine whose driver is
   * synchronous; lets the core answer without a round of promise hops.
   */
  querySync?(sql: string, values: readonly unknown[]): DriverResult;
  /** Streams rows with constant memory (a server-side cursor or the engine's equivalent). */
  stream(sql: string, values: readonly unknown[], options: { batchSize: number }): AsyncIterable<Row>;
  /**
   * Returns the connection to a clean session: rolls back an open transaction and
   * clears `SET`s, temporary tables, user variables, prepared statements and locks.
   * Called before a connection whose session state may have changed is reused.
   */
  reset(): Promise<void>;
  /** Cheap synchronous check that the socket is still open (optional). */
  isAlive?(): boolean;
  /** Closes the connection; never throws, never hangs (a dead peer gets its socket destroyed). */
  close(): Promise<void>;
  /**
   * Optional fast path for bulk inserts (PostgreSQL one COPY, SQLite one prepared
   * statement): inserts every batch of rows (values in column order, already
   * checked) and returns the row count; names come quoted. Without it the core
   * sends multi-row INSERTs sized to the engine's limits.
   */
  bulkInsert?(table: string, columns: readonly string[], batches: AsyncIterable<readonly unknown[][]>): Promise<number>;
  /** Registers a handler for errors raised while the connection sits idle. */
  onError(handler: (err: unknown) => void): void;
}
