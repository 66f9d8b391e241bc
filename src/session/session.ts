import type { PortabilityGuard } from "../check/index.js";
import type { Dialect, DriverConnection, DriverStreamOptions, RowMode } from "../dialects/contract/index.js";
import { sessionStatePattern } from "../dialects/kit/session-state.js";
import { PolysqlError, QueryError } from "../errors.js";
import type { CompiledQuery } from "../sql/index.js";
import type { Observer } from "../telemetry/observer.js";
import { withTimeout } from "../util/timeout.js";
import type { CallControl } from "./call.js";
import { driverError } from "./driver-error.js";
import { batchRows, type RowBatch } from "./row-batches.js";
import { driverOptions, shapeResult, shapeStream, type DuplicateColumns, type ResultOf, type ShapeRules } from "./result-shape.js";

/**
 * What the core knows about a pooled connection's session:
 * - `clean`: nothing a statement did outlives it; the next borrower may have it as is;
 * - `dirty`: a statement may have left state (SET, temp tables, locks, variables): reset before reuse;
 * - `broken`: the connection failed or timed out; it is destroyed, never reused.
 * `inTransaction` is orthogonal: a transaction is open (from BEGIN to COMMIT/ROLLBACK).
 */
export type SessionState = "clean" | "dirty" | "broken";

/** The events that change a session's state; `Session.mark` is the only writer. */
export type SessionEvent = "changed" | "reset" | "begin" | "end" | "broke";

const STANDARD = sessionStatePattern();
/** Per pattern, whether a statement text may leave state in the session (the regex scans the whole text). */
const verdicts = new WeakMap<RegExp, Map<string, boolean>>();

/** Whether a statement may leave state in the session, by the dialect's `sessionState` pattern; cached per text. */
export function changesSession(dialect: Dialect, sql: string): boolean {
  const pattern = dialect.sessionState ?? STANDARD;
  let cache = verdicts.get(pattern);
  if (cache === undefined) verdicts.set(pattern, (cache = new Map()));
  let changes = cache.get(sql);
  if (changes === undefined) {
    changes = pattern.test(sql);
    if (cache.size >= 2_000) cache.clear();
    if (sql.length <= 4_096) cache.set(sql, changes);
  }
  return changes;
}

/** Options of `Session.run`. */
export interface RunOptions<M extends RowMode = RowMode> {
  /** Client-side deadline; defaults to the database's `queryTimeoutMs` (0 = none). */
  timeoutMs?: number;
  /** polysql's own transaction control (BEGIN, COMMIT, SAVEPOINT...): does not mark the session dirty. */
  control?: boolean;
  /** `"array"`: rows as arrays in select-list order, with the columns. Default `"object"`. */
  rowMode?: M;
  /** For the observer: which try this is (1 first), and the rows of an `insertMany` batch. */
  attempt?: number;
  batchSize?: number;
  /** The call's signal and deadline: an abort cancels the statement on the server (see `Session.guard`). */
  call?: CallControl;
}

/** How long a cancelled statement has to report its cancel error before its connection is destroyed instead. */
export const CANCEL_GRACE_MS = 2_000;

/** What happened to cancelled statements, per session pool (`metrics().cancels`). */
export interface CancelStats {
  /** Aborts that reached a running statement. */
  requested: number;
  /** The statement answered with the engine's cancel error: the connection is idle and in sync, kept. */
  confirmed: number;
  /** No confirmation (no `cancel` in the driver, the statement finished anyway, another error, no answer in time): destroyed. */
  destroyed: number;
}

/**
 * One pooled connection and what the core knows about it. Every change of its
 * state goes through `mark()`; everything else reads `state` and `inTransaction`.
 */
export class Session implements ShapeRules {
  #state: SessionState = "clean";
  #inTransaction = false;
  /** Set when the database has an `onQuery` hook or telemetry; otherwise statements are not measured at all. */
  observer?: Observer;
  /** Time the current borrower waited for this session, reported with its next statement (observed databases only). */
  waitMs = 0;
  /** A cancelled statement not yet confirmed: every later statement waits for it (a late cancel never hits one). */
  #settling?: Promise<void>;
  /** The call whose signal covers statements without one of their own (`insertMany`, a transaction's control). */
  ambient?: CallControl;

  constructor(
    readonly driver: DriverConnection,
    readonly dialect: Dialect,
    /** The engine's identity, for errors. */
    readonly engine: string,
    /** Client-side deadline per statement (0 = none); past it the connection is destroyed. */
    readonly queryTimeoutMs = 0,
    /** What a duplicate column name does to object rows. */
    readonly duplicateColumns: DuplicateColumns = "last",
    /** Where cancels are counted. */
    readonly cancels: CancelStats = { requested: 0, confirmed: 0, destroyed: 0 },
    /** `connect({ portability })`: checks each statement text before it runs. */
    readonly portability?: PortabilityGuard,
  ) {
    driver.onError(() => this.mark("broke"));
  }

  get state(): SessionState {
    return this.#state;
  }

  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  get broken(): boolean {
    return this.#state === "broken";
  }

  /** The next borrower must not get this session as it is: reset it first (or destroy it). */
  get needsReset(): boolean {
    return this.#state !== "clean" || this.#inTransaction;
  }

  /** False once the connection broke or the driver reports its socket gone. */
  get alive(): boolean {
    return this.#state !== "broken" && (this.driver.isAlive?.() ?? true);
  }

  /**
   * The one place a session's state changes: `changed` (a statement may have left
   * state), `reset` (the driver cleaned the session), `begin`/`end` (a transaction
   * opened/closed), `broke` (terminal).
   */
  mark(event: SessionEvent): void {
    if (this.#state === "broken") return;
    switch (event) {
      case "changed":
        this.#state = "dirty";
        return;
      case "reset":
        this.#state = "clean";
        this.#inTransaction = false;
        return;
      case "begin":
        this.#inTransaction = true;
        return;
      case "end":
        this.#inTransaction = false;
        return;
      case "broke":
        this.#state = "broken";
        this.#inTransaction = false;
        return;
    }
  }

  /** Settles once a cancelled statement on this session is confirmed (or the session given up); `undefined` when none. */
  get settling(): Promise<void> | undefined {
    return this.#settling;
  }

  /** Runs one statement (compiled to the engine's placeholders), translating driver errors into polysql errors. */
  run<M extends RowMode = "object">(query: CompiledQuery, options: RunOptions<M> = {}): Promise<ResultOf<M>> {
    return this.observer === undefined ? this.exec(query, options) : this.observed(query, options);
  }

  private async observed<M extends RowMode>(query: CompiledQuery, options: RunOptions<M>): Promise<ResultOf<M>> {
    const start = performance.now();
    // Taken as the statement starts: pipelined statements share this session, and one sent earlier
    // may end first (it would otherwise report this statement's wait as its own).
    const waitMs = this.takeWait();
    try {
      const result = await this.exec(query, options);
      this.report(query, start, result.rowCount, undefined, options, waitMs);
      return result;
    } catch (err) {
      this.report(query, start, 0, err, options, waitMs);
      throw err;
    }
  }

  /** The wait for a connection the pool recorded for the statement about to run (then cleared). */
  private takeWait(): number {
    const waitMs = this.waitMs;
    this.waitMs = 0;
    return waitMs;
  }

  /** Tells the observer a statement ended. */
  private report(
    query: CompiledQuery,
    start: number,
    rowCount: number,
    error: unknown,
    options: { attempt?: number; batchSize?: number },
    waitMs = this.takeWait(),
  ): void {
    this.observer?.statement({
      sql: query.sql,
      values: query.values,
      start,
      rowCount,
      error,
      attempt: options.attempt ?? 1,
      waitMs,
      inTransaction: this.#inTransaction,
      batchSize: options.batchSize,
    });
  }

  private async exec<M extends RowMode>(query: CompiledQuery, options: RunOptions<M>): Promise<ResultOf<M>> {
    if (this.#settling !== undefined) await this.#settling;
    const call = options.call ?? (options.control ? undefined : this.ambient);
    call?.check(query.sql, this.engine);
    if (!options.control) this.track(query.sql);
    const timeoutMs = options.timeoutMs ?? this.queryTimeoutMs;
    try {
      let pending = this.driver.query(query.sql, query.values, driverOptions(options.rowMode, this));
      if (call !== undefined) pending = this.guard(pending, call, query.sql);
      return shapeResult(await (timeoutMs > 0 ? this.deadline(pending, timeoutMs, query.sql) : pending), options.rowMode, this, query.sql);
    } catch (err) {
      throw this.translate(err, query.sql);
    }
  }

  /** `run` for a synchronous driver (see `DriverConnection.querySync`); the caller checked the statement leaves no session state. */
  runSync<M extends RowMode = "object">(query: CompiledQuery, rowMode?: M): ResultOf<M> {
    if (this.observer !== undefined) return this.observedSync(query, rowMode);
    return this.execSync(query, rowMode);
  }

  private observedSync<M extends RowMode>(query: CompiledQuery, rowMode?: M): ResultOf<M> {
    const start = performance.now();
    try {
      const result = this.execSync(query, rowMode);
      this.report(query, start, result.rowCount, undefined, {});
      return result;
    } catch (err) {
      this.report(query, start, 0, err, {});
      throw err;
    }
  }

  private execSync<M extends RowMode>(query: CompiledQuery, rowMode?: M): ResultOf<M> {
    try {
      return shapeResult(this.driver.querySync!(query.sql, query.values, driverOptions(rowMode, this)), rowMode, this, query.sql);
    } catch (err) {
      throw this.translate(err, query.sql);
    }
  }

  /** A statement may be answered at once: the driver is synchronous, no cancel is being confirmed, no client deadline applies. */
  private get answersNow(): boolean {
    return this.driver.querySync !== undefined && this.#settling === undefined && !(this.queryTimeoutMs > 0);
  }

  /**
   * `run` done at once for a synchronous driver, for a statement on a held session (a transaction's,
   * `connection()`'s): a settled promise, without the async path's ticks. `undefined` — take `run` —
   * when the driver is asynchronous, a cancel is being confirmed, a deadline or a call's signal
   * applies, or the statement met a lock (the driver's own `query` waits for it without blocking).
   */
  runNow<M extends RowMode = "object">(query: CompiledQuery, rowMode?: M): Promise<ResultOf<M>> | undefined {
    if (!this.answersNow || this.ambient !== undefined) return undefined;
    this.track(query.sql);
    try {
      return Promise.resolve(this.runSync(query, rowMode));
    } catch (err) {
      if (err instanceof PolysqlError && err.code === "lock_timeout") return undefined;
      return Promise.reject(err);
    }
  }

  /** Runs polysql's own control statements in order (transaction control, savepoints). */
  async control(statements: readonly string[]): Promise<void> {
    for (const sql of statements) await this.run({ sql, values: [] }, { control: true });
  }

  /**
   * Runs control statements at once on a synchronous driver, in order, and says how many ran: all
   * of them, or fewer when the rest needs `control` (an asynchronous driver, a cancel being
   * confirmed, a deadline, or a lock to wait for). Another error is thrown as `control` would.
   */
  controlNow(statements: readonly string[]): number {
    if (!this.answersNow) return 0;
    let i = 0;
    try {
      for (; i < statements.length; i++) this.runSync({ sql: statements[i], values: [] });
    } catch (err) {
      if (err instanceof PolysqlError && err.code === "lock_timeout") return i;
      throw err;
    }
    return i;
  }

  /**
   * Streams a compiled query's rows in batches (see `DriverConnection.streamBatches`), as objects
   * or (`rowMode: "array"`) arrays; `onColumns` hears the columns before the first batch, or at
   * the end when there is none. The caller flattens them (`RowIterator`) where the user iterates.
   */
  streamBatches(...args: Parameters<Session["batches"]>): AsyncGenerator<RowBatch> {
    return this.observer === undefined ? this.batches(...args) : this.observedStream(args);
  }

  /** A stream reported to the observer once it ended (rows read, or the error). */
  private async *observedStream(args: Parameters<Session["batches"]>): AsyncGenerator<RowBatch> {
    const start = performance.now();
    let rows = 0;
    let error: unknown;
    try {
      for await (const batch of this.batches(...args)) {
        rows += batch.length;
        yield batch;
      }
    } catch (err) {
      error = err;
      throw err;
    } finally {
      this.report(args[0], start, rows, error, {});
    }
  }

  private async *batches(query: CompiledQuery, options: DriverStreamOptions, call?: CallControl): AsyncGenerator<RowBatch> {
    if (this.#settling !== undefined) await this.#settling;
    call ??= this.ambient;
    call?.check(query.sql, this.engine);
    this.track(query.sql);
    const { sql, values } = query;
    const { batchSize, rowMode } = options;
    const open = (o: DriverStreamOptions) => this.driver.streamBatches?.(sql, values, o) ?? batchRows(this.driver.stream(sql, values, o), batchSize);
    const batches =
      driverOptions(rowMode, this) === undefined
        ? open({ batchSize })
        : shapeStream((onColumns) => open({ batchSize, rowMode: "array", onColumns }), options, this, sql);
    try {
      if (call === undefined) return yield* batches;
      yield* this.guardStream(batches[Symbol.asyncIterator](), call, sql);
    } catch (err) {
      throw this.translate(err, query.sql);
    }
  }

  /**
   * A stream under a call's signal: each fetch is guarded like a statement; an abort between
   * fetches ends the stream at the next step. The cursor is closed (the iterator's `return`)
   * before anyone else runs a statement on this session, without delaying the rejection.
   */
  private async *guardStream(it: AsyncIterator<RowBatch>, call: CallControl, sql: string): AsyncGenerator<RowBatch> {
    let finished = false;
    try {
      for (;;) {
        call.check(sql, this.engine);
        const step = await this.guard(it.next(), call, sql);
        if (step.done) return void (finished = true);
        yield step.value;
      }
    } finally {
      if (!finished) {
        // Bounded: on a connection the quarantine destroyed, a cursor's close never answers.
        const closed = withTimeout(Promise.resolve(it.return?.()), CANCEL_GRACE_MS, () => new Error("closing the cursor timed out")).then(
          () => undefined,
          () => {
            this.mark("broke");
            void this.driver.close().catch(() => undefined);
          },
        );
        this.hold(closed);
      }
    }
  }

  /** Whether the driver has a bulk path (see `DriverConnection.bulkInsert`). */
  get canBulkInsert(): boolean {
    return this.driver.bulkInsert !== undefined;
  }

  /** The driver's bulk insert (names come quoted, values checked), with its errors translated. */
  async bulkInsert(table: string, columns: readonly string[], batches: AsyncIterable<readonly unknown[][]>): Promise<number> {
    if (this.observer === undefined) return this.bulkRows(table, columns, batches);
    const query = { sql: `INSERT INTO ${table} (${columns.join(", ")}) ... (bulk)`, values: [] };
    const start = performance.now();
    try {
      const rows = await this.bulkRows(table, columns, batches);
      this.report(query, start, rows, undefined, { batchSize: rows });
      return rows;
    } catch (err) {
      this.report(query, start, 0, err, {});
      throw err;
    }
  }

  private async bulkRows(table: string, columns: readonly string[], batches: AsyncIterable<readonly unknown[][]>): Promise<number> {
    try {
      return await this.driver.bulkInsert!(table, columns, batches);
    } catch (err) {
      throw this.translate(err, `INSERT INTO ${table} (${columns.join(", ")}) ... (bulk)`);
    }
  }

  /** Resets the session through the driver; false when that failed (the session is then broken). */
  async reset(timeoutMs: number): Promise<boolean> {
    if (this.#settling !== undefined) await this.#settling;
    if (this.broken) return false;
    try {
      await withTimeout(this.driver.reset(), timeoutMs, () => new Error("reset timed out"));
      this.mark("reset");
      return true;
    } catch {
      this.mark("broke");
      return false;
    }
  }

  private track(sql: string): void {
    if (this.#state === "clean" && changesSession(this.dialect, sql)) this.mark("changed");
  }

  /**
   * Settles like `pending` unless the call stops first: then it rejects at once with the call's
   * error (`query_cancelled`/`query_timeout`) while `quarantine` cancels the statement on the
   * server and holds every later statement of this session until that is confirmed.
   */
  private guard<T>(pending: Promise<T>, call: CallControl, sql: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        reject(call.error(sql, this.engine));
        this.hold(this.quarantine(pending));
      };
      if (call.aborted) return onAbort();
      call.signal.addEventListener("abort", onAbort, { once: true });
      pending.then(
        (value) => {
          call.signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (err) => {
          call.signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      );
    });
  }

  /** Holds every later statement (and the release to the pool) until `work` settled. */
  private hold(work: Promise<void>): void {
    const previous = this.#settling;
    const settled: Promise<void> = (previous === undefined ? work : Promise.all([previous, work]).then(() => undefined)).finally(() => {
      if (this.#settling === settled) this.#settling = undefined;
    });
    this.#settling = settled;
  }

  /**
   * After an abort: asks the driver to cancel the running statement on the server and waits for
   * that statement's own cancel error — proof the server stopped it and the protocol is back in
   * sync (PostgreSQL: ReadyForQuery after 57014; MariaDB: the 1317 error packet). Anything else
   * (no `cancel`, the statement finished first so a late cancel could hit the next one, another
   * error, no answer within `CANCEL_GRACE_MS`) marks the session broken: it is destroyed.
   */
  private async quarantine(pending: Promise<unknown>): Promise<void> {
    this.cancels.requested++;
    const outcome = pending.then(
      () => false,
      (err) => {
        const code = err instanceof PolysqlError ? err.code : this.dialect.mapError(err)?.code;
        return code === "query_cancelled" || code === "query_timeout";
      },
    );
    let confirmed = false;
    if (this.driver.cancel !== undefined && !this.broken) {
      const cancel = this.driver.cancel().catch(() => undefined);
      confirmed = await withTimeout(outcome, CANCEL_GRACE_MS, () => false).catch(() => false);
      await cancel;
    }
    if (confirmed && !this.broken) {
      this.cancels.confirmed++;
      return;
    }
    this.cancels.destroyed++;
    this.mark("broke");
    await this.driver.close().catch(() => undefined);
  }

  /** Rejects with `query_timeout` past the deadline and destroys the connection, whose state is then unknown. */
  private deadline<T>(pending: Promise<T>, ms: number, sql: string): Promise<T> {
    return withTimeout(pending, ms, () => {
      this.mark("broke");
      void this.driver.close();
      return new QueryError("query_timeout", `No answer within ${ms} ms; the connection was closed`, { sql, engine: this.engine, transient: false });
    });
  }

  /** Maps a driver error to the taxonomy; a connection-level error marks this session broken. */
  private translate(err: unknown, sql: string): unknown {
    if (err instanceof PolysqlError) return err;
    const error = driverError(this.dialect, this.engine, err, { sql });
    if (error.code === "connection_failure") this.mark("broke");
    return error;
  }
}
