import type { Dialect, DriverStreamOptions, ResultColumn, Row, RowMode } from "./dialects/contract/index.js";
import * as crud from "./crud/crud.js";
import { insertMany, type InsertManyOptions } from "./crud/insert-many.js";
import { Table, type TableOptions } from "./crud/table.js";
import { columnInfos, tableNames, type ColumnInfo } from "./crud/introspection.js";
import type { PortabilityGuard, QueryKind } from "./check/index.js";
import type { ResultOf } from "./session/result-shape.js";
import { RowIterator, type RowBatch } from "./session/row-batches.js";
import type { Session } from "./session/session.js";
import { CallControl, whenAborted, type CallOptions } from "./session/call.js";
import { compile, type CompiledQuery, type SqlQuery } from "./sql/index.js";
import { ConfigError, ParameterError, PolysqlError } from "./errors.js";
import { normalizeValue } from "./values/encoders.js";
import { firstValue } from "./values/rows.js";

/** SQL text with `:name` / `?` placeholders, or a `sql` tagged-template query. */
export type Query = string | SqlQuery;
/** An object for `:name` placeholders, an array for `?` placeholders. */
export type Params = Readonly<Record<string, unknown>> | readonly unknown[];

/** What `execute` reports. */
export interface ExecuteResult {
  rowCount: number;
  /** The generated key of a single-row insert, where the engine reports one. */
  insertId?: number | bigint | string;
}

export type { CallOptions };

/** Options of `stream`; `signal` and `timeoutMs` cover the whole iteration (the cursor is closed on abort). */
export interface StreamOptions extends CallOptions {
  /** Rows fetched per round trip from the server-side cursor. Default 500. */
  batchSize?: number;
  /** `"array"`: each row an array of values in select-list order (an `ArrayStream`). Default `"object"`. */
  rowMode?: RowMode;
}

/**
 * What `query()` returns: every column in select-list order, duplicates included,
 * and each row as an array of values in that order, decoded as `all()` decodes them.
 */
export interface QueryResult<R extends unknown[] = unknown[]> {
  /** Name as the engine reports it; `type` is the engine's type name where the driver knows it (see README, "Rows and columns"). */
  columns: readonly ResultColumn[];
  rows: R[];
  /** Rows returned, or for a statement without a result set the rows it affected. */
  rowCount: number;
}

/**
 * Rows as arrays in select-list order, from `stream(q, params, { rowMode: "array" })`.
 * `columns` is set once the result's columns are known: before the first row is
 * yielded, or when a stream of no rows ends.
 */
export interface ArrayStream<R extends unknown[] = unknown[]> extends AsyncIterable<R> {
  readonly columns: readonly ResultColumn[] | undefined;
}

/**
 * The query methods shared by `Database`, `Transaction` and `Connection`;
 * subclasses decide which connection runs them.
 */
export abstract class Queryable {
  /** The engine's identity: `"postgres" | "mysql" | "sqlite"`, or a plugin backend's name. */
  abstract readonly engine: string;
  /** The engine's SQL facts as data: placeholder syntax, portable types, capabilities, limits. */
  abstract readonly dialect: Dialect;
  protected abstract runQuery<M extends RowMode = "object">(query: CompiledQuery, rowMode?: M, call?: CallControl): Promise<ResultOf<M>>;
  /** A stream's rows in batches; `stream` hands them to the caller one at a time. */
  protected abstract streamQuery(query: CompiledQuery, options: DriverStreamOptions, call?: CallControl): AsyncGenerator<RowBatch>;
  /** Runs `fn` on one session; `transactional` asks for a transaction around it when not already in one. */
  protected abstract withSession<T>(fn: (session: Session) => Promise<T>, transactional: boolean, call?: CallControl): Promise<T>;
  /** `connect({ portability })`'s guard, when on. */
  protected abstract readonly portability: PortabilityGuard | undefined;

  /** A signal every call on this handle also obeys (a transaction's or a `connection()`'s). */
  protected get outerSignal(): AbortSignal | undefined {
    return undefined;
  }

  /** Runs `fn` under the call's stop condition (none when there is neither option nor outer signal). */
  protected async withCall<T>(options: CallOptions | undefined, fn: (call?: CallControl) => Promise<T>): Promise<T> {
    const outer = this.outerSignal;
    if (outer === undefined && options?.signal === undefined && options?.timeoutMs === undefined) return fn();
    const call = new CallControl(options, outer);
    try {
      return await fn(call);
    } finally {
      call.dispose();
    }
  }

  /** `runQuery` under the call's options. */
  private runWith<M extends RowMode = "object">(query: CompiledQuery, rowMode: M | undefined, options: CallOptions | undefined): Promise<ResultOf<M>> {
    if (options === undefined && this.outerSignal === undefined) return this.runQuery(query, rowMode);
    return this.withCall(options, (call) => this.runQuery(query, rowMode, call));
  }

  /**
   * Compiles a query for this engine: placeholders, IN-list expansion, checked values. With `kind`
   * (how the caller reads the result) the portability guard, when on, checks the text first;
   * polysql's own engine-specific SQL passes none.
   */
  protected compile(query: Query, params?: Params, kind?: QueryKind): CompiledQuery {
    if (kind !== undefined) this.portability?.inspect(query, kind);
    const dialect = this.dialect;
    const compiled = compile(dialect.syntax, query, params);
    const values = compiled.values;
    if (values.length > dialect.maxParameters) {
      throw new ParameterError(
        "invalid_parameter",
        `The statement binds ${values.length} values; ${this.engine} accepts at most ${dialect.maxParameters} per statement (use insertMany, or a temporary table for a huge IN list)`,
      );
    }
    for (let i = 0; i < values.length; i++) values[i] = normalizeValue(values[i], i);
    return compiled;
  }

  /**
   * All rows.
   * @example const adults = await db.all<User>("SELECT * FROM users WHERE age >= :min", { min: 18 });
   */
  async all<T = Row>(query: Query, params?: Params, options?: CallOptions): Promise<T[]> {
    return (await this.runWith(this.compile(query, params, "many"), undefined, options)).rows as T[];
  }

  /**
   * The first row, or `undefined`.
   * @example const ada = await db.one<User>(sql`SELECT * FROM users WHERE name = ${"Ada"}`);
   */
  async one<T = Row>(query: Query, params?: Params, options?: CallOptions): Promise<T | undefined> {
    return (await this.runWith(this.compile(query, params, "one"), undefined, options)).rows[0] as T | undefined;
  }

  /**
   * The first column (by position, whatever the names) of the first row, or `undefined` when there is no row.
   * @example const n = await db.value<number>("SELECT count(*) FROM users");
   */
  async value<T = unknown>(query: Query, params?: Params, options?: CallOptions): Promise<T | undefined> {
    return firstValue(await this.runWith(this.compile(query, params, "value"), "array", options)) as T | undefined;
  }

  /**
   * The columns and the rows as arrays, in select-list order: every column kept, whatever its name
   * (duplicates, PostgreSQL's `?column?`, integer-like aliases); values decoded as by `all()`.
   * @example const { columns, rows } = await db.query("SELECT 1 + 1, 2 + 2"); // rows: [[2, 4]]
   */
  async query<R extends unknown[] = unknown[]>(query: Query, params?: Params, options?: CallOptions): Promise<QueryResult<R>> {
    // Columns are read by position, as value() reads them.
    const { columns, rows, rowCount } = await this.runWith(this.compile(query, params, "value"), "array", options);
    return { columns, rows: rows as R[], rowCount };
  }

  /**
   * Runs a statement; reports the affected row count and, for inserts, the generated key where known.
   * @example const { rowCount } = await db.execute("DELETE FROM users WHERE id = :id", { id });
   */
  async execute(query: Query, params?: Params, options?: CallOptions): Promise<ExecuteResult> {
    const result = await this.runWith(this.compile(query, params, "exec"), undefined, options);
    return result.insertId === undefined ? { rowCount: result.rowCount } : { rowCount: result.rowCount, insertId: result.insertId };
  }

  /**
   * Rows one at a time with constant memory; the connection is held until the loop ends.
   * With `{ rowMode: "array" }`, arrays in select-list order and their `columns` (an `ArrayStream`).
   * @example for await (const row of db.stream("SELECT * FROM events")) handle(row);
   */
  stream<T = Row>(query: Query, params?: Params, options?: StreamOptions & { rowMode?: "object" }): AsyncIterable<T>;
  stream<R extends unknown[] = unknown[]>(query: Query, params: Params | undefined, options: StreamOptions & { rowMode: "array" }): ArrayStream<R>;
  stream(query: Query, params?: Params, options: StreamOptions = {}): AsyncIterable<unknown> {
    const { batchSize = 500, rowMode = "object", signal, timeoutMs } = options;
    if (rowMode !== "object" && rowMode !== "array") throw new ConfigError(`Stream option "rowMode" must be "object" or "array"`);
    const compiled = this.compile(query, params, rowMode === "object" ? "many" : "value");
    const call = signal === undefined && timeoutMs === undefined && this.outerSignal === undefined ? undefined : { signal, timeoutMs };
    if (rowMode === "object") return this.streamWith(compiled, { batchSize }, call);
    let columns: readonly ResultColumn[] | undefined;
    const rows = this.streamWith(compiled, { batchSize, rowMode, onColumns: (found) => (columns = found) }, call);
    const stream: ArrayStream = {
      get columns() {
        return columns;
      },
      [Symbol.asyncIterator]: () => rows as AsyncIterator<unknown[]>,
    };
    return stream;
  }
  /**
   * `streamQuery`'s batches under the call's options (the deadline starts with the iteration, the
   * stop condition ends with it), handed out a row at a time; an abort between rows ends the stream
   * at the next row (the rows of a batch in hand are dropped).
   */
  private streamWith(compiled: CompiledQuery, options: DriverStreamOptions, call: CallOptions | undefined): RowIterator<Row | unknown[]> {
    if (call === undefined) return new RowIterator(this.streamQuery(compiled, options));
    const outer = this.outerSignal;
    const self = this;
    let control: CallControl | undefined;
    const batches = (async function* () {
      control = new CallControl(call, outer);
      try {
        yield* self.streamQuery(compiled, options, control);
      } finally {
        control.dispose();
      }
    })();
    return new RowIterator(batches, () => control?.aborted === true);
  }

  /**
   * Inserts one row and returns its generated key (`RETURNING` where the engine has it, the insert id elsewhere).
   * @example const id = await db.insert("players", { name: "Ada", discord_id: "ada#1" });
   */
  insert(table: string, row: object, options?: crud.KeyOptions & CallOptions): Promise<unknown> {
    const [keys, call] = splitCall(options);
    return this.withCall(call, (c) => crud.insert(this.runner(c), table, row, keys));
  }

  /**
   * Updates by key (or a where object) and returns the number of matched rows.
   * @example await db.update("players", id, { name: "Ada L." });
   */
  update(table: string, idOrWhere: unknown, patch: object, options?: crud.KeyOptions & CallOptions): Promise<number> {
    const [keys, call] = splitCall(options);
    return this.withCall(call, (c) => crud.update(this.runner(c), table, idOrWhere, patch, keys));
  }

  /**
   * Deletes by key (or a where object) and returns the number of rows deleted.
   * @example await db.delete("players", { banned: true });
   */
  delete(table: string, idOrWhere: unknown, options?: crud.KeyOptions & CallOptions): Promise<number> {
    const [keys, call] = splitCall(options);
    return this.withCall(call, (c) => crud.remove(this.runner(c), table, idOrWhere, keys));
  }

  /**
   * Inserts, or updates the row that conflicts on `conflict`; returns the row's key.
   * @example await db.upsert("players", { discord_id: "ada#1", name: "Ada" }, { conflict: ["discord_id"] });
   */
  upsert(table: string, row: object, options: crud.UpsertOptions & CallOptions): Promise<unknown> {
    const [rest, call] = splitCall(options);
    return this.withCall(call, (c) => crud.upsert(this.runner(c), table, row, rest as crud.UpsertOptions));
  }

  /**
   * One row by key (or a where object), or `undefined`.
   * @example const p = await db.get<Player>("players", 1);
   */
  get<T = Row>(table: string, idOrWhere: unknown, options?: crud.KeyOptions & CallOptions): Promise<T | undefined> {
    const [keys, call] = splitCall(options);
    return this.withCall(call, (c) => crud.get(this.runner(c), table, idOrWhere, keys)) as Promise<T | undefined>;
  }

  /**
   * Bulk insert, all or nothing; returns the row count. Takes an array or an (async) iterable such as another database's `stream`.
   * @example await db.insertMany("players", rows, { onProgress: (n) => console.log(n) });
   */
  insertMany(table: string, rows: Iterable<object> | AsyncIterable<object>, options: InsertManyOptions & CallOptions = {}): Promise<number> {
    const [rest, call] = splitCall(options);
    return this.withCall(call, (c) => this.withSession((session) => insertMany(session, table, rows, rest), options.transaction ?? true, c));
  }

  /**
   * A repository over one table: get, find, list (keyset pagination), count, create, update, delete.
   * @example const players = db.table<Player>("players"); const page = await players.list({ orderBy: "name", limit: 20 });
   */
  table<T extends object = Row>(name: string, options?: TableOptions & CallOptions): Table<T> {
    const [rest, call] = splitCall(options);
    return new Table<T>(call === undefined ? this.runner() : this.runner(undefined, call), name, rest);
  }

  /**
   * The user tables of the current schema (PostgreSQL) or database (MySQL, SQLite), sorted; no system tables.
   * @example const names = await db.tables(); // ["matches", "players", ...]
   */
  async tables(): Promise<string[]> {
    return tableNames((await this.runQuery(this.compile(this.dialect.introspection.tablesSql))).rows);
  }

  /**
   * Whether a user table of this name exists in the current schema or database (the name as stored:
   * PostgreSQL folds unquoted names to lowercase).
   * @example if (!(await db.tableExists("players"))) await db.execute("CREATE TABLE players (...)");
   */
  async tableExists(name: string): Promise<boolean> {
    return (await this.tables()).includes(name);
  }

  /**
   * A table's columns in ordinal order: name, type as the engine spells it, nullable, and default (SQL text) when set.
   * An unknown table has no columns.
   * @example const cols = await db.columns("players"); // [{ name: "id", type: "integer", nullable: false, default: "..." }, ...]
   */
  async columns(table: string): Promise<ColumnInfo[]> {
    return columnInfos((await this.runQuery(this.compile(this.dialect.introspection.columnsSql, { table }))).rows);
  }

  /** What the CRUD helpers and repositories run their SQL with: this handle's dialect and connection. */
  private runner(call?: CallControl, perStatement?: CallOptions): crud.Runner {
    return {
      dialect: this.dialect,
      runSql: (sql, values) => {
        for (let i = 0; i < values.length; i++) values[i] = normalizeValue(values[i], i);
        if (call !== undefined) return this.runQuery<"object">({ sql, values }, undefined, call);
        return this.runWith<"object">({ sql, values }, undefined, perStatement);
      },
    };
  }
}

/**
 * The query methods on one session held for the length of a callback (a
 * transaction or a `db.connection()` call); unusable once the callback ended.
 */
export abstract class SessionHandle extends Queryable {
  private finished = false;

  constructor(
    protected readonly session: Session,
    private readonly endedMessage: string,
    /** The transaction's or `connection()`'s signal: every call on this handle obeys it. */
    protected readonly signal?: AbortSignal,
  ) {
    super();
  }

  get engine(): string {
    return this.session.engine;
  }

  get dialect(): Dialect {
    return this.session.dialect;
  }

  protected get portability(): PortabilityGuard | undefined {
    return this.session.portability;
  }

  /** Marks this handle unusable once its callback ended. */
  finish(): void {
    this.finished = true;
  }

  protected check(): void {
    if (this.finished) throw new PolysqlError("transaction_error", this.endedMessage);
  }

  protected withSession<T>(fn: (session: Session) => Promise<T>, _transactional?: boolean, call?: CallControl): Promise<T> {
    this.check();
    return this.ambient(call, () => fn(this.session));
  }

  /** Runs `fn` with `call` as the session's ambient stop condition (for statements that carry none). */
  protected async ambient<T>(call: CallControl | undefined, fn: () => Promise<T>): Promise<T> {
    if (call === undefined) return fn();
    const previous = this.session.ambient;
    this.session.ambient = call;
    try {
      return await fn();
    } finally {
      this.session.ambient = previous;
    }
  }

  protected override get outerSignal(): AbortSignal | undefined {
    return this.signal;
  }

  protected runQuery<M extends RowMode = "object">(query: CompiledQuery, rowMode?: M, call?: CallControl): Promise<ResultOf<M>> {
    this.check();
    return (call === undefined ? this.session.runNow(query, rowMode) : undefined) ?? this.session.run(query, { rowMode, call });
  }

  protected streamQuery(query: CompiledQuery, options: DriverStreamOptions, call?: CallControl): AsyncGenerator<RowBatch> {
    this.check();
    return this.session.streamBatches(query, options, call);
  }
}

/** Splits the per-call options (`signal`, `timeoutMs`) from a method's own; `undefined` when there are none. */
function splitCall<O extends object>(options: (O & CallOptions) | undefined): [O | undefined, CallOptions | undefined] {
  if (options === undefined || (!("signal" in options) && !("timeoutMs" in options))) return [options, undefined];
  const { signal, timeoutMs, ...rest } = options;
  return [rest as O, { signal, timeoutMs }];
}

/**
 * Runs a callback that holds one session under a signal: an abort rejects at once with the
 * call's error and finishes `handle`, so the callback's later calls fail; the statement it
 * was running is cancelled through the handle's own signal.
 */
export async function raceAbort<T>(call: CallControl, handle: SessionHandle, fn: () => Promise<T> | T): Promise<T> {
  call.check();
  const stop = whenAborted(call.signal);
  const running = Promise.resolve().then(fn);
  running.catch(() => undefined);
  try {
    return await Promise.race([running, stop.promise.catch(() => Promise.reject(call.error()))]);
  } catch (err) {
    if (call.aborted) {
      handle.finish();
      throw call.error();
    }
    throw err;
  } finally {
    stop.off();
  }
}
