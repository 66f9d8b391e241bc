import { AsyncLocalStorage } from "node:async_hooks";
import type { ValueOptions } from "../values/decoders.js";
import type { PortabilityGuard } from "../check/index.js";
import type { BackendDefinition, Dialect, RowMode } from "../dialects/contract/index.js";
import { resolveCredentials } from "../config/credentials.js";
import { PolysqlError, PoolError } from "../errors.js";
import { CircuitBreaker, type BreakerOptions } from "../pool/circuit-breaker.js";
import { Pool, type Lease, type PoolMetrics } from "../pool/pool.js";
import type { PoolOptions } from "../pool/pool-options.js";
import { isRetryable } from "./retry.js";
import type { CallControl } from "./call.js";
import { driverError } from "./driver-error.js";
import type { DuplicateColumns, ResultOf } from "./result-shape.js";
import { changesSession, Session, type CancelStats } from "./session.js";
import type { CompiledQuery } from "../sql/index.js";
import type { Observer } from "../telemetry/observer.js";

/** How a database's connections are pooled and guarded. */
export interface SessionPoolOptions {
  pool: PoolOptions;
  breaker: BreakerOptions;
  /** Client-side deadline per statement; past it the connection is destroyed. 0 = none. */
  queryTimeoutMs: number;
  /** What a duplicate column name does to object rows. */
  duplicateColumns: DuplicateColumns;
  /** `connect({ portability })`: checks each statement text before it runs. */
  portability?: PortabilityGuard;
}

/** Pool metrics with what happened to cancelled statements. */
export type SessionPoolMetrics = PoolMetrics & { cancels: CancelStats };

/** Session pools whose connection is held by the current async context (a transaction or `connection()` callback). */
const holding = new AsyncLocalStorage<ReadonlySet<SessionPool>>();

/**
 * The pool of one database's sessions, with what the core adds around the
 * generic pool: opening connections through the backend, the circuit breaker,
 * fail-fast when a transaction asks for a second connection from an exhausted
 * pool, and resetting dirty sessions before reuse.
 */
export class SessionPool {
  readonly pool: Pool<Session>;
  readonly breaker: CircuitBreaker;
  /** The dialect of this database's config (`backend.dialectFor`), fixed for its lifetime. */
  readonly dialect: Dialect;
  /** The backend's driver answers synchronously (`querySync`): known once a connection exists. */
  private sync = false;
  /** The database's `onQuery` hook and telemetry, given to every session it opens; undefined: nothing is measured. */
  observer?: Observer;
  /** Cancelled statements: requested, confirmed (connection kept), destroyed. */
  private readonly cancels: CancelStats = { requested: 0, confirmed: 0, destroyed: 0 };

  constructor(
    readonly backend: BackendDefinition<object>,
    config: object,
    values: ValueOptions,
    readonly options: SessionPoolOptions,
  ) {
    this.breaker = new CircuitBreaker(options.breaker);
    const dialect = (this.dialect = backend.dialectFor?.(config) ?? backend.dialect);
    // The driver's own connect deadline (when it has one and none was set) closes the socket of an
    // attempt the pool gave up on; otherwise it lingers against a silent server.
    const connectConfig =
      backend.configKeys.includes("connectTimeoutMs") &&
      (config as { connectTimeoutMs?: number }).connectTimeoutMs === undefined &&
      options.pool.connectTimeoutMs > 0
        ? Object.assign(Object.defineProperties({}, Object.getOwnPropertyDescriptors(config)), { connectTimeoutMs: options.pool.connectTimeoutMs })
        : config;
    this.pool = new Pool<Session>(
      {
        create: async () => {
          let secrets: string[] = [];
          try {
            // Password and options functions are called for every new connection (rotating tokens).
            const resolved = await resolveCredentials(backend, connectConfig, dialect);
            secrets = resolved.secrets;
            const driver = await backend.connect(resolved.config, values);
            const session = new Session(driver, dialect, backend.name, options.queryTimeoutMs, options.duplicateColumns, this.cancels, options.portability);
            this.sync = session.driver.querySync !== undefined;
            session.observer = this.observer;
            return session;
          } catch (err) {
            throw driverError(dialect, backend.name, err, { connecting: { secrets } });
          }
        },
        destroy: (s) => s.driver.close(),
        validate: async (s) => {
          await s.run({ sql: "SELECT 1", values: [] }, { timeoutMs: options.pool.validationTimeoutMs });
          return s.alive;
        },
        isAlive: (s) => s.alive,
      },
      options.pool,
    );
  }

  /**
   * Runs `fn` with one session, then returns it to the pool. Connection
   * failures and successes feed the circuit breaker. Aborting `signal` while waiting for a
   * connection leaves the pool's queue at once and rejects with the call's error.
   */
  async use<T>(fn: (session: Session) => Promise<T>, call?: CallControl): Promise<T> {
    call?.check();
    const probe = this.breaker.admit();
    let lease: Lease<Session> | undefined = this.pool.tryAcquire();
    let asked = -1;
    if (lease === undefined) {
      if (this.observer !== undefined) asked = performance.now();
      try {
        lease = await this.acquire(call?.signal);
      } catch (caught) {
        const err = call?.aborted ? call.error() : caught;
        this.record(err, probe);
        throw err;
      }
    }
    if (call !== undefined) lease.resource.ambient = call;
    if (asked >= 0) lease.resource.waitMs = performance.now() - asked;
    try {
      const result = await fn(lease.resource);
      this.breaker.success();
      return result;
    } catch (err) {
      this.record(err, probe);
      throw err;
    } finally {
      if (call !== undefined) lease.resource.ambient = undefined;
      // Most releases are synchronous: awaiting only a real reset saves a tick per call.
      const reset = this.release(lease);
      if (reset !== undefined) await reset;
    }
  }

  /**
   * The synchronous fast path for embedded engines: runs the query at once on
   * an idle connection when nothing else is needed (no waiters, no session-state
   * change, no client deadline). `undefined` means "take the normal path" —
   * also after a transient failure, which the normal path then retries.
   */
  runSync<M extends RowMode = "object">(query: CompiledQuery, rowMode?: M): ResultOf<M> | undefined {
    if (!this.sync || this.breaker.state !== "closed" || this.options.queryTimeoutMs > 0 || changesSession(this.dialect, query.sql)) return undefined;
    const lease = this.pool.tryAcquire();
    if (lease === undefined) return undefined;
    const session = lease.resource;
    try {
      return session.runSync(query, rowMode);
    } catch (err) {
      if (isRetryable(err)) return undefined;
      throw err;
    } finally {
      this.pool.release(lease, !session.alive);
    }
  }

  /** Runs `fn` with one session past the circuit breaker: the health check that may close a circuit the health monitor holds open. */
  async unguarded<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const lease = this.pool.tryAcquire() ?? (await this.pool.acquire());
    try {
      return await fn(lease.resource);
    } finally {
      const reset = this.release(lease);
      if (reset !== undefined) await reset;
    }
  }

  /** Runs `fn` marked as holding a connection of this pool (see `acquire`). */
  hold<T>(fn: () => Promise<T> | T): Promise<T> {
    const inside = new Set(holding.getStore() ?? []).add(this);
    return holding.run(inside, async () => fn());
  }

  metrics(): SessionPoolMetrics {
    return { ...this.pool.metrics(), cancels: { ...this.cancels } };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private record(err: unknown, probe: boolean): void {
    if (err instanceof PolysqlError && err.code === "connection_failure") this.breaker.failure();
    else this.breaker.settle(probe);
  }

  private acquire(signal?: AbortSignal): Promise<Lease<Session>> {
    if (this.pool.exhausted && holding.getStore()?.has(this)) {
      return Promise.reject(
        new PoolError(
          "pool_exhausted",
          `No free connection: this call runs inside a transaction callback that holds one of the pool's ${this.pool.options.max} connection(s). Use the transaction handle (tx) instead of the database, or raise pool.max.`,
        ),
      );
    }
    return this.pool.acquire(signal);
  }

  /** Returns a connection; one whose session state changed is reset first, or destroyed if that fails. */
  private release(lease: Lease<Session>): void | Promise<void> {
    const session = lease.resource;
    // A cancelled statement still being confirmed: the caller has its error already; the
    // connection goes back (or is destroyed) once the cancel is confirmed or given up.
    const settling = session.settling;
    if (settling !== undefined) {
      void settling.then(
        () => (session.settling === settling ? this.pool.release(lease, true) : this.release(lease)),
        () => this.pool.release(lease, true),
      );
      return;
    }
    if (!session.needsReset) return this.pool.release(lease, !session.alive);
    return session.reset(this.pool.options.validationTimeoutMs).then((clean) => this.pool.release(lease, !clean));
  }
}
