// The driver side of the contract: one live connection to the engine, as a backend provides it.

/** A row as drivers return it: a plain object keyed by column name. */
export type Row = Record<string, unknown>;

/** What one statement returned, as a driver reports it. */
export interface DriverResult {
  rows: Row[];
  rowCount: number;
  insertId?: number | bigint | string;
}

/** One column of a result: its name as the engine reports it and, where the driver knows it cheaply, the engine's type name. */
export interface ResultColumn {
  readonly name: string;
  readonly type?: string;
}

/** How rows come back: objects keyed by column name (the default), or arrays in select-list order. */
export type RowMode = "object" | "array";

/** Options of `DriverConnection.query` and `querySync`. */
export interface DriverQueryOptions {
  /** `"array"` asks for a `DriverArrayResult`. */
  readonly rowMode?: RowMode;
}

/**
 * What one statement returned with `rowMode: "array"`: the columns in select-list
 * order (also when no row came back; none for a statement without a result set)
 * and each row as an array of values in that order, decoded as for objects.
 * `columns` is what tells the core that the driver honoured the option.
 */
export interface DriverArrayResult {
  columns: readonly ResultColumn[];
  rows: unknown[][];
  rowCount: number;
  insertId?: number | bigint | string;
}

/** Options of `DriverConnection.stream`. */
export interface DriverStreamOptions {
  /** Rows fetched per round trip. */
  readonly batchSize: number;
  /** `"array"`: yield arrays in select-list order, after one `onColumns` call. */
  readonly rowMode?: RowMode;
  /** With `rowMode: "array"`: called once with the result's columns before the first row is yielded (also when none is). */
  readonly onColumns?: (columns: readonly ResultColumn[]) => void;
}

/** One result column of a described statement, as the engine reports it without running the statement. */
export interface DescribedColumn {
  readonly name: string;
  /** The engine's type name (`int4`, `BIGINT`, `INTEGER`...); absent where the engine has none (an SQLite expression). */
  readonly type?: string;
  /** False when the engine knows the column is never NULL (a NOT NULL base column), true when it knows it may be; absent when it cannot tell. */
  readonly nullable?: boolean;
  /** The base table and column the value comes from, when the engine reports it. */
  readonly table?: string;
  readonly column?: string;
}

/** What the engine says about a statement it prepared but did not run: its parameters and result columns. */
export interface StatementDescription {
  /** One entry per placeholder, in order; `type` where the engine infers it (PostgreSQL does, MariaDB and SQLite do not). */
  readonly parameters: readonly { readonly type?: string }[];
  /** The result columns in select-list order; empty for a statement without a result set. */
  readonly columns: readonly DescribedColumn[];
}

/**
 * One live connection, as a backend's driver provides it. The core wraps it in
 * the pool, transactions, retries and errors; the driver only talks to the engine.
 */
export interface DriverConnection {
  /**
   * Runs one statement with bound values (already in the engine's placeholder style).
   * With `{ rowMode: "array" }` it answers a `DriverArrayResult`, so duplicate and
   * integer-like column names keep their places (`value()`, `query()`). A driver that
   * ignores the option still works: the core then derives arrays from the objects'
   * keys, which cannot keep a duplicate name or put an integer-like one in its place.
   */
  query(sql: string, values: readonly unknown[], options?: DriverQueryOptions): Promise<DriverResult | DriverArrayResult>;
  /**
   * Optional: `query` may be called again before earlier calls settle, and the driver then
   * pipelines: it writes each statement at once without waiting for the replies, each with its own
   * synchronization point (PostgreSQL: one Sync per statement; MariaDB: one command each), so one
   * statement's failure affects no other, and answers every call in order with its own result.
   * When the connection dies, each call still unanswered rejects with the connection error.
   * The core then shares the connection among autocommit statements that change no session
   * state and carry no signal or deadline; `stream`, `bulkInsert`, `describe`, `reset` and
   * `cancel` are only ever called while the connection is held by one caller, with nothing in flight.
   */
  readonly pipelining?: boolean;
  /**
   * Optional: the same as `query` for an embedded engine whose driver is
   * synchronous; lets the core answer without a round of promise hops.
   */
  querySync?(sql: string, values: readonly unknown[], options?: DriverQueryOptions): DriverResult | DriverArrayResult;
  /**
   * Streams rows with constant memory (a server-side cursor or the engine's equivalent);
   * with `rowMode: "array"`, arrays in select-list order (ignoring it works as for `query`).
   */
  stream(sql: string, values: readonly unknown[], options: DriverStreamOptions): AsyncIterable<Row | unknown[]>;
  /**
   * Optional: `stream` in batches, which the core prefers when present: each step yields the
   * rows at hand (never an empty batch, at most `batchSize`; at most one batch in hand at a
   * time, so memory stays constant), and the core passes whole batches up its layers, handing
   * out one row at a time only to the caller's loop. Same contract otherwise: `rowMode`,
   * `onColumns` before the first batch, the cursor closed by the iterator's `return`.
   */
  streamBatches?(sql: string, values: readonly unknown[], options: DriverStreamOptions): AsyncIterable<Row[] | unknown[][]>;
  /**
   * Returns the connection to a clean session: rolls back an open transaction and
   * clears `SET`s, temporary tables, user variables, prepared statements and locks.
   * Called before a connection whose session state may have changed is reused.
   */
  reset(): Promise<void>;
  /**
   * Optional: asks the server to stop the statement now running on this connection, through a
   * side connection (PostgreSQL's cancel request, MariaDB's `KILL QUERY`); resolves once the
   * request was delivered. The running statement must then fail with the engine's cancel error
   * (mapped to `query_cancelled`/`query_timeout`): only that error tells the core the connection
   * is idle and in sync and may be reused. Without `cancel`, an aborted statement's connection
   * is destroyed.
   */
  cancel?(): Promise<void>;
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
  /**
   * Optional: prepares the statement (engine placeholders) without running it and reports its
   * parameter and column types, for `polysql generate`. A backend without it cannot derive types.
   */
  describe?(sql: string): Promise<StatementDescription>;
  /** Registers a handler for errors raised while the connection sits idle. */
  onError(handler: (err: unknown) => void): void;
}
