import type { BackendDefinition, Dialect, DriverStreamOptions, Row, RowMode } from "./dialects/contract/index.js";
import { Connection } from "./connection.js";
import type { ValueOptions } from "./values/decoders.js";
import { PolysqlError, PoolerModeError } from "./errors.js";
import type { PoolMetrics } from "./pool/pool.js";
import { firstValue } from "./values/rows.js";
import { Queryable, raceAbort } from "./queryable.js";
import { CallControl, type CallOptions } from "./session/call.js";
import { withRetries, type RetryOptions } from "./session/retry.js";
import { withTimeout } from "./util/timeout.js";
import type { ResultOf } from "./session/result-shape.js";
import { changesSession, type Session } from "./session/session.js";
import { SessionPool, type SessionPoolOptions } from "./session/session-pool.js";
import type { CompiledQuery } from "./sql/index.js";
import { inTransaction } from "./session/transaction-control.js";
import type { Observer } from "./telemetry/observer.js";
import { HealthMonitor, type HealthMonitorOptions } from "./telemetry/health-monitor.js";
import { checkTransactionOptions, runInTransaction, type Transaction, type TransactionCallOptions } from "./transaction.js";

/** What `health()` reports; it never throws. */
export interface HealthReport {
  ok: boolean;
  latencyMs: number;
  /** The engine's identity, as `db.engine`. */
  engine: string;
  serverVersion?: string;
  pool: PoolMetrics;
  error?: { code: string; message: string };
}

/** Settings of a `Database`, validated by `connect()`. */
export interface DatabaseOptions extends SessionPoolOptions {
  retry: RetryOptions;
  /** The `onQuery` hook and OpenTelemetry instruments; undefined when neither is on (nothing is measured). */
  observer?: Observer;
  /** Background health checks (`healthCheckIntervalMs`, `onHealthChange`). */
  healthMonitor?: Omit<HealthMonitorOptions<HealthReport>, "check" | "breaker">;
  /** Behind a transaction-mode pooler: no session state outside transactions (see `ConnectOptions.pooler`). */
  pooler?: "transaction";
  /** Opens the same database without the pooler (`directUrl`), for session-bound work. */
  openDirect?: () => Promise<Database>;
}

/**
 * A pool of connections to one database, with the query methods, transactions,
 * health and metrics. Get one from `connect()`.
 *
 * Single statements that fail with a conflict the engine rolled back (deadlock,
 * serialization failure, lock timeout) or a connection failure before they were
 * sent are retried with capped, jittered backoff (`retry` option).
 *
 * @example
 * const db = await connect("sqlite:./app.db");
 * await db.execute("INSERT INTO users (name) VALUES (:name)", { name: "Ada" });
 * await db.close();
 */
export class Database extends Queryable {
  private readonly sessions: SessionPool;
  private serverVersion?: string;
  /** Tells the observer who this database is, once the server's version is known. */
  private describeTo?: (serverVersion: string | undefined) => void;
  private monitor?: HealthMonitor<HealthReport>;

  constructor(
    private readonly backend: BackendDefinition<object>,
    config: object,
    values: ValueOptions,
    private readonly options: DatabaseOptions,
  ) {
    super();
    this.sessions = new SessionPool(backend, config, values, options);
    if (options.observer !== undefined) this.observe(options.observer, config);
  }

  /** Wires the hook and telemetry: every session reports its statements; the pool its timings and state. */
  private observe(observer: Observer, config: object): void {
    this.sessions.observer = observer;
    this.describeTo = (version) => {
      const d = this.backend.identify?.(config, version) ?? { system: this.backend.name };
      const server = d.address === undefined ? undefined : d.port === undefined ? d.address : `${d.address}:${d.port}`;
      const poolName = [server, d.namespace].filter((x) => x !== undefined).join("/") || this.backend.name;
      observer.identify({ ...d, poolName });
    };
    this.describeTo(undefined);
    const otel = observer.otel;
    if (otel === undefined || !otel.metering) return;
    this.sessions.pool.observer = {
      created: (ms) => otel.poolTime("create", ms),
      waited: (ms) => otel.poolTime("wait", ms),
      used: (ms) => otel.poolTime("use", ms),
    };
    const limits = this.sessions.pool.options;
    otel.observePool(() => {
      const m = this.sessions.pool.metrics();
      return { idle: m.idle, used: m.active, pending: m.waiting, timeouts: m.acquireTimeouts, max: limits.max, min: limits.min };
    });
  }

  /**
   * Runs `fn` inside an OpenTelemetry span (INTERNAL) that the statements it runs are children of;
   * just `fn()` without telemetry. Used for transactions and by `migrate` for each migration.
   */
  withSpan<T>(name: string, attributes: Record<string, string | number>, fn: () => Promise<T>): Promise<T> {
    const observer = this.options.observer;
    return observer === undefined ? fn() : observer.within(name, attributes, fn);
  }

  get engine(): string {
    return this.backend.name;
  }

  get dialect(): Dialect {
    return this.sessions.dialect;
  }

  /** Opens the first connection so a bad URL or password fails at `connect()`. */
  async open(): Promise<this> {
    const version = await this.sessions.use((s) => s.run({ sql: this.dialect.serverVersionSql, values: [] }, { rowMode: "array" }));
    this.serverVersion = String(firstValue(version));
    this.describeTo?.(this.serverVersion);
    if (this.options.healthMonitor !== undefined) {
      this.monitor = new HealthMonitor({ ...this.options.healthMonitor, check: () => this.health(), breaker: this.sessions.breaker });
    }
    return this;
  }

  /**
   * Runs `fn` in a transaction on one connection: commit when it returns, roll
   * back and rethrow when it throws. With `retries`, a conflict the engine rolled
   * back (serialization failure, deadlock, lock timeout) reruns the whole callback;
   * a failure during COMMIT is never retried (its outcome is unknown).
   *
   * @example
   * const id = await db.transaction(async (tx) => tx.insert("accounts", { owner, balance: 0 }), { isolation: "serializable", retries: 3 });
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T, options: TransactionCallOptions = {}): Promise<T> {
    checkTransactionOptions(options);
    // With `signal`/`timeoutMs`: an abort (or the deadline) leaves the pool's queue, cancels the running
    // statement and rolls back; it never interrupts COMMIT (whose outcome would then be unknown).
    const call = options.signal === undefined && options.timeoutMs === undefined ? undefined : new CallControl(options);
    const once = () => this.sessions.use((session) => runInTransaction(session, options, (tx) => this.sessions.hold(() => fn(tx)), call), call);
    try {
      return await this.withSpan("transaction", {}, () => withRetries(once, this.options.retry, options.retries ?? 0));
    } finally {
      call?.dispose();
    }
  }

  /**
   * Runs `fn` with one connection held for its whole duration, outside any
   * transaction: for session-bound work such as advisory locks or `SET`. The
   * session is reset before anyone else gets the connection.
   *
   * @example
   * await db.connection(async (conn) => { await conn.execute("SELECT pg_advisory_lock(1)"); ... });
   */
  connection<T>(fn: (conn: Connection) => Promise<T> | T, options?: Pick<CallOptions, "signal">): Promise<T> {
    if (this.options.pooler !== undefined) {
      return Promise.reject(
        new PoolerModeError(
          `db.connection() needs one server session for the whole callback, which a pooler in transaction mode (pooler: "transaction") does not give: use db.transaction(), or db.direct((d) => d.connection(...)) with directUrl`,
          { engine: this.engine },
        ),
      );
    }
    const call = options?.signal === undefined ? undefined : new CallControl({ signal: options.signal });
    return this.sessions
      .use(async (session) => {
        // Whatever the callback does to the session is undone before the next borrower.
        session.mark("changed");
        const conn = new Connection(session, call?.signal);
        try {
          return await (call === undefined ? this.sessions.hold(() => fn(conn)) : raceAbort(call, conn, () => this.sessions.hold(() => fn(conn))));
        } finally {
          conn.finish();
        }
      }, call)
      .finally(() => call?.dispose());
  }

  /**
   * Runs `fn` with a database on which session-bound work is possible: this one, or behind a
   * transaction-mode pooler one opened on `directUrl` for the call (and closed after). Without
   * `directUrl` behind a pooler it is a `pooler_unsupported` error. Migrations take their lock through it.
   *
   * @example await db.direct((d) => d.connection(async (conn) => conn.execute("SELECT pg_advisory_lock(7)")));
   */
  async direct<T>(fn: (db: Database) => Promise<T> | T): Promise<T> {
    if (this.options.pooler === undefined) return fn(this);
    if (this.options.openDirect === undefined) {
      throw new PoolerModeError(
        `This needs one server session (e.g. the migration lock, a session-level advisory lock), which a pooler in transaction mode (pooler: "transaction") does not give: pass directUrl, a URL that reaches the database without the pooler`,
        { engine: this.engine },
      );
    }
    const direct = await this.options.openDirect();
    try {
      return await fn(direct);
    } finally {
      await direct.close();
    }
  }

  /** Pool state and counters: total, active, idle, waiting, pendingCreates, acquire-wait percentiles. */
  metrics(): PoolMetrics & { circuit: string } {
    return { ...this.sessions.metrics(), circuit: this.sessions.breaker.state };
  }

  /** Checks the database answers within `timeoutMs`; never throws. */
  async health(timeoutMs = 5_000): Promise<HealthReport> {
    const started = performance.now();
    let error: HealthReport["error"];
    try {
      // The deadline also covers waiting for a connection, not only the query.
      // While the health monitor holds the circuit open, health checks are what may close it: past the breaker.
      const versionOf = (s: Session) => s.run({ sql: this.dialect.serverVersionSql, values: [] }, { timeoutMs, rowMode: "array" });
      const check = this.sessions.breaker.held ? this.sessions.unguarded(versionOf) : this.sessions.use(versionOf);
      const result = await withTimeout(check, timeoutMs, () => new PolysqlError("query_timeout", `Health check took over ${timeoutMs} ms`));
      this.serverVersion = String(firstValue(result));
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      error = { code: typeof e.code === "string" ? e.code : "unknown", message: String(e.message ?? err) };
    }
    return {
      ok: error === undefined,
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
      engine: this.engine,
      serverVersion: this.serverVersion,
      pool: this.sessions.metrics(),
      ...(error ? { error } : {}),
    };
  }

  /** Closes every connection; waiting callers get `pool_closed`. */
  async close(): Promise<void> {
    this.monitor?.stop();
    this.options.observer?.otel?.close();
    await this.sessions.close();
  }

  protected withSession<T>(fn: (session: Session) => Promise<T>, transactional: boolean, call?: CallControl): Promise<T> {
    return this.sessions.use((session) => (transactional ? inTransaction(session, {}, () => fn(session)) : fn(session)), call);
  }

  protected runQuery<M extends RowMode = "object">(query: CompiledQuery, rowMode?: M, call?: CallControl): Promise<ResultOf<M>> {
    if (this.options.pooler !== undefined && changesSession(this.dialect, query.sql)) return Promise.reject(this.sessionStatement(query.sql));
    try {
      call?.check(query.sql, this.engine);
      const done = this.sessions.runSync(query, rowMode);
      if (done !== undefined) return Promise.resolve(done);
    } catch (err) {
      return Promise.reject(err);
    }
    return withRetries((attempt) => this.sessions.use((session) => session.run(query, { attempt, rowMode, call }), call), this.options.retry);
  }

  protected streamQuery(query: CompiledQuery, options: DriverStreamOptions, call?: CallControl): AsyncGenerator<Row | unknown[]> {
    if (this.options.pooler !== undefined && changesSession(this.dialect, query.sql)) throw this.sessionStatement(query.sql);
    return streamWith(this.sessions, query, options, call);
  }

  /** The error for a statement that changes the session, outside a transaction, behind a transaction pooler. */
  private sessionStatement(sql: string): PoolerModeError {
    return new PoolerModeError(
      `This statement changes the session (settings, locks, LISTEN, temporary tables, an explicit BEGIN), which outside a transaction would land on whichever server connection a pooler in transaction mode (pooler: "transaction") picks: run it inside db.transaction() (SET LOCAL, pg_advisory_xact_lock), or through db.direct() with directUrl`,
      { sql, engine: this.engine },
    );
  }
}

/** Holds one session for as long as the consumer iterates (a generator cannot yield from inside `use()`'s callback). */
async function* streamWith(sessions: SessionPool, query: CompiledQuery, options: DriverStreamOptions, call?: CallControl): AsyncGenerator<Row | unknown[]> {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  let session!: Session;
  let ready!: () => void;
  let failed!: (err: unknown) => void;
  const acquired = new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject)));
  const holding = sessions.use(async (s) => {
    session = s;
    ready();
    await done;
  }, call);
  holding.catch(failed);
  try {
    await acquired;
    yield* session.stream(query, options, call);
  } finally {
    release();
    await holding.catch(() => undefined);
  }
}
