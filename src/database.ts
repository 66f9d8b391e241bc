import type { BackendDefinition, Dialect, DriverStreamOptions, RowMode, TransactionOptions } from "./dialects/contract/index.js";
import type { PortabilityGuard } from "./check/index.js";
import { Connection } from "./connection.js";
import type { ValueOptions } from "./values/decoders.js";
import { PolysqlError, PoolerModeError } from "./errors.js";
import type { PoolMetrics } from "./pool/pool.js";
import { firstValue } from "./values/rows.js";
import { Queryable, raceAbort } from "./queryable.js";
import { CallControl, whenAborted, type CallOptions } from "./session/call.js";
import { withRetries, type RetryOptions } from "./session/retry.js";
import { withTimeout } from "./util/timeout.js";
import type { ResultOf } from "./session/result-shape.js";
import type { RowBatch } from "./session/row-batches.js";
import { changesSession, type Session } from "./session/session.js";
import { SessionPool, type SessionPoolMetrics, type SessionPoolOptions } from "./session/session-pool.js";
import { ReplicaSet, type ForcedRoute, type NodeHealth, type NodeMetrics, type ReadYourWritesMetrics, type ReplicaOptions } from "./cluster/replica-set.js";
import type { CompiledQuery } from "./sql/index.js";
import { isPlainRead } from "./sql/plain-read.js";
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
  /** With read replicas: every node (the primary first) with its role, state, lag and own check. */
  nodes?: NodeHealth[];
  /** With reader connections (SQLite under WAL): their pool; `pool` is then the writer's. */
  readers?: ReaderMetrics;
}

/** The reader connections' pool (SQLite under WAL): its metrics, and `max`, the most readers it opens. */
export type ReaderMetrics = SessionPoolMetrics & { max: number };

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
  /** Read replicas (`connect({ replicas })`). */
  replicas?: ReplicaSetup;
}

/** Read replicas of a database: the primary's URL, each replica's URL and backend config, and the router's settings. */
export interface ReplicaSetup {
  primaryUrl: string;
  nodes: readonly { url: string; config: object }[];
  options: ReplicaOptions;
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
  /** Read-only connections for plain reads outside a transaction and read-only transactions (SQLite under WAL); `sessions` writes. */
  private readonly readers?: SessionPool;
  private serverVersion?: string;
  /** Read replicas and their router (`connect({ replicas })`). */
  private replicaSet?: ReplicaSet;
  /** The route of a view (`db.primary`, `db.replica`). */
  private forced?: ForcedRoute;
  private views?: Partial<Record<ForcedRoute, Database>>;
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
    const readers = backend.readers?.(config);
    if (readers !== undefined && readers.count > 0) {
      const pool = { ...options.pool, max: readers.count, min: Math.min(options.pool.min, readers.count) };
      this.readers = new SessionPool(backend, readers.config, values, { ...options, pool });
    }
    if (options.replicas !== undefined) this.routeReplicas(backend, values, options.replicas);
    if (options.observer !== undefined) this.observe(options.observer, config);
  }

  /** Wires the hook and telemetry: every session reports its statements; the pool its timings and state. */
  private observe(observer: Observer, config: object): void {
    this.sessions.observer = observer;
    if (this.readers !== undefined) this.readers.observer = observer;
    this.describeTo = (version) => {
      const d = this.backend.identify?.(config, version) ?? { system: this.backend.name };
      const server = d.address === undefined ? undefined : d.port === undefined ? d.address : `${d.address}:${d.port}`;
      const poolName = [server, d.namespace].filter((x) => x !== undefined).join("/") || this.backend.name;
      observer.identify({ ...d, poolName });
    };
    this.describeTo(undefined);
    const otel = observer.otel;
    if (otel === undefined || !otel.metering) return;
    // The pool metrics: the database's pool, and SQLite's readers as a pool of their own ("<name> (readers)").
    const watch = (sessions: SessionPool, suffix: string) => {
      sessions.pool.observer = {
        created: (ms) => otel.poolTime("create", ms, suffix),
        waited: (ms) => otel.poolTime("wait", ms, suffix),
        used: (ms) => otel.poolTime("use", ms, suffix),
      };
      const limits = sessions.pool.options;
      otel.observePool(() => {
        const m = sessions.metrics();
        return { idle: m.idle, used: m.active, pending: m.waiting, timeouts: m.acquireTimeouts, max: limits.max, min: limits.min };
      }, suffix);
    };
    watch(this.sessions, "");
    if (this.readers !== undefined) watch(this.readers, " (readers)");
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

  protected get portability(): PortabilityGuard | undefined {
    return this.options.portability;
  }

  /** Opens the first connection so a bad URL or password fails at `connect()`. */
  async open(): Promise<this> {
    const version = await this.sessions.use((s) => s.run({ sql: this.dialect.serverVersionSql, values: [] }, { rowMode: "array" }));
    this.serverVersion = String(firstValue(version));
    // A reader that cannot open (no WAL) fails here, not at the first read.
    await this.readers?.use((s) => s.run({ sql: this.dialect.serverVersionSql, values: [] }, { rowMode: "array" }));
    await this.replicaSet?.open();
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
  transaction<T>(fn: (tx: Transaction) => Promise<T> | T, options: TransactionCallOptions = {}): Promise<T> {
    try {
      checkTransactionOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    // With `signal`/`timeoutMs`: an abort (or the deadline) leaves the pool's queue, cancels the running
    // statement and rolls back; it never interrupts COMMIT (whose outcome would then be unknown).
    const call = options.signal === undefined && options.timeoutMs === undefined ? undefined : new CallControl(options);
    // A read-only transaction reads a snapshot on a reader (SQLite under WAL): it neither waits for nor blocks the writer.
    const sessions = options.readOnly === true && this.readers !== undefined ? this.readers : this.sessions;
    const once = () => sessions.use((session) => runInTransaction(session, options, (tx) => sessions.hold(() => fn(tx)), call), call);
    const run = this.withSpan("transaction", {}, () => withRetries(once, this.options.retry, options.retries ?? 0));
    // Without a signal the transaction's own promise, with no wrapper around it (a tick and a promise fewer).
    return call === undefined ? run : abortable(run, call);
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

  /**
   * This database with every statement sent to the primary, reads included (a read that must not lag).
   * Without replicas, the database itself.
   *
   * @example const balance = await db.primary.value("SELECT balance FROM accounts WHERE id = :id", { id });
   */
  get primary(): Database {
    return this.view("primary");
  }

  /**
   * This database with every statement sent to a replica of the rotation (any replica when none is in
   * it): no read-your-writes wait, no fallback to the primary (a write there fails with `read_only`).
   * Transactions and `connection()` still run on the primary. Without replicas, the database itself.
   *
   * @example const report = await db.replica.all("SELECT region, sum(total) FROM orders GROUP BY region");
   */
  get replica(): Database {
    return this.view("replica");
  }

  /**
   * Runs `fn` in a fresh read-your-writes context: its reads wait only for writes made inside it.
   * Each async context (an HTTP request's, by default) already has its own; this starts one on purpose.
   *
   * @example await Promise.all(users.map((u) => db.context(() => handle(u))));
   */
  context<T>(fn: () => T): T {
    return this.replicaSet === undefined ? fn() : this.replicaSet.context(fn);
  }

  /**
   * Pool state and counters: total, active, idle, waiting, pendingCreates, acquire-wait percentiles.
   * With reader connections (SQLite files) these are the writer's, and `readers` is the readers' pool.
   */
  metrics(): PoolMetrics & { circuit: string; readers?: ReaderMetrics; nodes?: NodeMetrics[]; readYourWrites?: ReadYourWritesMetrics } {
    const readers = this.readerMetrics();
    return { ...this.sessions.metrics(), circuit: this.sessions.breaker.state, ...(readers === undefined ? {} : { readers }) };
  }

  private readerMetrics(): ReaderMetrics | undefined {
    return this.readers === undefined ? undefined : { ...this.readers.metrics(), max: this.readers.pool.options.max };
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
      // With readers, one of them answers too (reads depend on them) when one is free: readers all
      // held by streams are busy, not unhealthy.
      const readers = this.readers;
      const free = readers !== undefined && readers.pool.waiting === 0 && !readers.pool.exhausted;
      const checks = free ? Promise.all([check, readers.use(versionOf)]).then(([result]) => result) : check;
      const result = await withTimeout(checks, timeoutMs, () => new PolysqlError("query_timeout", `Health check took over ${timeoutMs} ms`));
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
      ...(this.readers === undefined ? {} : { readers: this.readerMetrics() }),
      ...(error ? { error } : {}),
    };
  }

  /** Closes every connection; waiting callers get `pool_closed`. */
  async close(): Promise<void> {
    this.monitor?.stop();
    this.options.observer?.otel?.close();
    await Promise.all([this.sessions.close(), this.readers?.close()]);
  }

  protected withSession<T>(fn: (session: Session) => Promise<T>, transactional: boolean, call?: CallControl): Promise<T> {
    return this.sessions.use((session) => (transactional ? inTransaction(session, {}, () => fn(session)) : fn(session)), call);
  }

  protected runQuery<M extends RowMode = "object">(query: CompiledQuery, rowMode?: M, call?: CallControl): Promise<ResultOf<M>> {
    if (this.options.pooler !== undefined && changesSession(this.dialect, query.sql)) return Promise.reject(this.sessionStatement(query.sql));
    const sessions = this.poolFor(query.sql);
    try {
      call?.check(query.sql, this.engine);
      const done = sessions.runSync(query, rowMode);
      if (done !== undefined) return Promise.resolve(done);
    } catch (err) {
      return Promise.reject(err);
    }
    // Pipelined: shares a connection with other such statements (see `SessionPool.share`).
    if (call === undefined && sessions.pipelines(query.sql)) {
      return withRetries((attempt) => sessions.share((session) => session.run(query, { attempt, rowMode })), this.options.retry);
    }
    return withRetries((attempt) => sessions.use((session) => session.run(query, { attempt, rowMode, call }), call), this.options.retry);
  }

  protected streamQuery(query: CompiledQuery, options: DriverStreamOptions, call?: CallControl): AsyncGenerator<RowBatch> {
    if (this.options.pooler !== undefined && changesSession(this.dialect, query.sql)) throw this.sessionStatement(query.sql);
    return streamWith(this.poolFor(query.sql), query, options, call);
  }

  /** Where a statement outside a transaction runs: a plain read on the readers when there are any, anything else on the writer (`sessions`). */
  private poolFor(sql: string): SessionPool {
    return this.readers !== undefined && isPlainRead(this.dialect.syntax, sql) ? this.readers : this.sessions;
  }

  /** A view of this database whose statements take one route (it shares the pools, and closing it closes them). */
  private view(route: ForcedRoute): Database {
    if (this.replicaSet === undefined) return this;
    this.views ??= {};
    return (this.views[route] ??= Object.assign(Object.create(this) as Database, { forced: route }));
  }

  /**
   * Wires the read replicas (`connect({ replicas })`): one pool per replica and the router, by wrapping
   * this instance's statement paths (so the methods above stay as they are without replicas):
   * `runQuery`/`streamQuery` let the router send a plain read to a replica (anything else comes back here,
   * to the primary); `transaction`, `connection` and `withSession` (insertMany) mark the caller's async
   * context as having written, for read-your-writes; `close`, `health` and `metrics` cover every node.
   * Inside the wrappers `this` is the database or one of its views (`db.primary`, `db.replica`).
   */
  private routeReplicas(backend: BackendDefinition<object>, values: ValueOptions, setup: ReplicaSetup): void {
    const replicas = setup.nodes.map((n) => ({ url: n.url, sessions: new SessionPool(backend, n.config, values, this.options) }));
    const primary = { url: setup.primaryUrl, sessions: this.sessions };
    const set = new ReplicaSet(this.sessions.dialect, primary, replicas, setup.options, (q, m, call) => this.runQuery(q, m, call));
    this.replicaSet = set;
    type Method = (...args: unknown[]) => unknown;
    type Wrapped = "runQuery" | "streamQuery" | "withSession" | "transaction" | "connection" | "close" | "health" | "metrics";
    const original = (name: Wrapped) => this[name] as unknown as Method;
    const run = original("runQuery");
    const stream = original("streamQuery");
    const withSession = original("withSession");
    const transaction = original("transaction");
    const connection = original("connection");
    const close = original("close");
    const health = original("health");
    const metrics = original("metrics");
    const wrap = (name: Wrapped, fn: Method) => {
      (this as unknown as Record<Wrapped, Method>)[name] = fn;
    };
    // A routed statement or stream obeys the call's signal and deadline exactly as on the primary.
    wrap("runQuery", function (this: Database, ...args: unknown[]) {
      const [query, rowMode, call] = args as [CompiledQuery, RowMode | undefined, CallControl | undefined];
      if (call?.aborted) return Promise.reject(call.error(query.sql, this.engine));
      return set.route(query, rowMode, this.forced, call) ?? run.apply(this, args);
    });
    wrap("streamQuery", function (this: Database, ...args: unknown[]) {
      const [query, options, call] = args as [CompiledQuery, DriverStreamOptions, CallControl | undefined];
      return set.routeStream(query, this.forced, (sessions) => streamWith(sessions, query, options, call)) ?? stream.apply(this, args);
    });
    wrap("withSession", function (this: Database, ...args: unknown[]) {
      return set.tracked(() => withSession.apply(this, args) as Promise<unknown>);
    });
    wrap("transaction", function (this: Database, ...args: unknown[]) {
      return set.tracked(() => transaction.apply(this, args) as Promise<unknown>, (args[1] as TransactionOptions | undefined)?.readOnly === true);
    });
    wrap("connection", function (this: Database, ...args: unknown[]) {
      return set.tracked(() => connection.apply(this, args) as Promise<unknown>);
    });
    wrap("close", async function (this: Database) {
      try {
        await close.apply(this, []);
      } finally {
        await set.close();
      }
    });
    wrap("health", async function (this: Database, timeoutMs: unknown = 5_000) {
      const [report, replicaNodes] = await Promise.all([health.apply(this, [timeoutMs]) as Promise<HealthReport>, set.health(timeoutMs as number)]);
      const primary: NodeHealth = {
        url: set.primary.url,
        role: "primary",
        state: report.ok ? "up" : "down",
        lagMs: 0,
        ok: report.ok,
        latencyMs: report.latencyMs,
        ...(report.error ? { error: report.error } : {}),
      };
      return { ...report, nodes: [primary, ...replicaNodes] };
    });
    wrap("metrics", function (this: Database) {
      return { ...(metrics.apply(this, []) as object), nodes: set.metrics(), readYourWrites: set.readYourWrites() };
    });
  }

  /** The error for a statement that changes the session, outside a transaction, behind a transaction pooler. */
  private sessionStatement(sql: string): PoolerModeError {
    return new PoolerModeError(
      `This statement changes the session (settings, locks, LISTEN, temporary tables, an explicit BEGIN), which outside a transaction would land on whichever server connection a pooler in transaction mode (pooler: "transaction") picks: run it inside db.transaction() (SET LOCAL, pg_advisory_xact_lock), or through db.direct() with directUrl`,
      { sql, engine: this.engine },
    );
  }
}

/**
 * A transaction under a signal: an abort before COMMIT rejects at once; the ROLLBACK (after the
 * cancelled statement is confirmed) finishes in the background, and the connection goes back to
 * the pool only after it.
 */
async function abortable<T>(run: Promise<T>, call: CallControl): Promise<T> {
  run.catch(() => undefined);
  const stop = whenAborted(call.signal);
  try {
    return await Promise.race([run, stop.promise.catch(() => (call.committing ? run : Promise.reject(call.error())))]);
  } finally {
    stop.off();
    void run.finally(() => call.dispose()).catch(() => undefined);
  }
}

/** Holds one session for as long as the consumer iterates (a generator cannot yield from inside `use()`'s callback). */
async function* streamWith(sessions: SessionPool, query: CompiledQuery, options: DriverStreamOptions, call?: CallControl): AsyncGenerator<RowBatch> {
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
    yield* session.streamBatches(query, options, call);
  } finally {
    release();
    await holding.catch(() => undefined);
  }
}
