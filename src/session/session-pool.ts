import { AsyncLocalStorage } from "node:async_hooks";
import type { ValueOptions } from "../values/decoders.js";
import type { PortabilityGuard } from "../check/index.js";
import type { BackendDefinition, Dialect, RowMode } from "../dialects/contract/index.js";
import { resolveCredentials } from "../config/credentials.js";
import { PolysqlError, PoolError } from "../errors.js";
import { CircuitBreaker, type BreakerOptions } from "../pool/circuit-breaker.js";
import { closedWhileWaiting, Pool, poolTimeout, type Lease, type PoolMetrics } from "../pool/pool.js";
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

/** How many pipelined statements may be in flight on one shared connection. */
export const PIPELINE_DEPTH = 100;

/** A connection shared by pipelined statements: its lease and how many are in flight on it. */
interface Shared {
  readonly lease: Lease<Session>;
  depth: number;
  /** A statement on it failed with `connection_failure` (fed to the breaker once). */
  failed?: boolean;
}

/** A pipelined statement waiting for room on a shared connection. */
interface Queued {
  resolve(shared: Shared): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
  startedAt: number;
}

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
  /** The driver pipelines (`DriverConnection.pipelining`): known once a connection exists. */
  private pipelining = false;
  /** Connections lent to pipelined statements, several in flight on each. */
  private readonly shared: Shared[] = [];
  /** Pipelined statements waiting for room, in arrival order (see `pump`). */
  private readonly queued: Queued[] = [];
  /** Pipelined statements waiting in the pool's own queue (the rest of its waiters want a connection alone). */
  private pipelinedInPool = 0;
  /** Queued pipelined statements that gave up at `acquireTimeoutMs` (added to the pool's `acquireTimeouts`). */
  private queueTimeouts = 0;
  /** The acquire that stands in the pool's queue for the whole `queued` list (see `pump`). */
  private summoned?: AbortController;

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
            this.pipelining = session.driver.pipelining === true;
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

  /**
   * Whether a statement may share a connection with other pipelined statements (`share`): the
   * driver pipelines, the statement leaves no session state, and neither it nor the database has
   * a deadline (a cancel request or a closed socket would hit the other statements in flight).
   * The caller checked it runs outside a transaction and carries no signal or timeout.
   */
  pipelines(sql: string): boolean {
    return this.pipelining && this.options.queryTimeoutMs === 0 && this.breaker.state === "closed" && !changesSession(this.dialect, sql);
  }

  /**
   * Runs `fn` (one statement) on a connection it may share with other pipelined statements: an
   * idle connection first; else a new one while the pool is below `max`; else the least loaded
   * shared connection (at most `PIPELINE_DEPTH` statements on each), unless callers wait for a
   * connection of their own (they go first: shared connections then drain and go to them); else it
   * waits, in order, within `acquireTimeoutMs`. The breaker is fed as in `use`.
   */
  async share<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const probe = this.breaker.admit();
    let shared = this.enter();
    if (shared === undefined) {
      try {
        shared = await this.waitForRoom();
      } catch (err) {
        this.record(err, probe);
        throw err;
      }
    }
    try {
      const result = await fn(shared.lease.resource);
      this.breaker.success();
      return result;
    } catch (err) {
      // The statements in flight on a connection that died are one connection failure, not one each.
      if (!(err instanceof PolysqlError && err.code === "connection_failure")) this.breaker.settle(probe);
      else if (!shared.failed) {
        shared.failed = true;
        this.breaker.failure();
      }
      throw err;
    } finally {
      this.leave(shared);
    }
  }

  /** A place for one pipelined statement now, without waiting; `undefined` when there is none. */
  private enter(): Shared | undefined {
    if (this.queued.length > 0) return undefined;
    const lease = this.pool.tryAcquire();
    if (lease !== undefined) return this.open(lease, 1);
    if (!this.pool.exhausted || !this.nobodyWaitsAlone) return undefined;
    const shared = this.leastLoaded();
    if (shared !== undefined) shared.depth++;
    return shared;
  }

  /** Waits for a connection of the pool while one can be opened, else (in order) for room on a shared one. */
  private async waitForRoom(): Promise<Shared> {
    const startedAt = performance.now();
    let shared: Shared;
    if (this.queued.length === 0 && (!this.pool.exhausted || (this.shared.length === 0 && holding.getStore()?.has(this)))) {
      this.pipelinedInPool++;
      let lease: Lease<Session>;
      try {
        // Inside a transaction callback on an exhausted pool this fails fast, as `use` does.
        lease = await this.acquire();
      } catch (err) {
        this.pipelinedInPool--;
        this.pump();
        throw err;
      }
      this.pipelinedInPool--;
      shared = this.open(lease, 1);
      this.pump(shared);
    } else {
      shared = await new Promise<Shared>((resolve, reject) => {
        const waiter: Queued = { resolve, reject, timer: setTimeout(() => this.expire(waiter), this.pool.options.acquireTimeoutMs), startedAt };
        this.queued.push(waiter);
        this.pump();
      });
    }
    if (this.observer !== undefined) shared.lease.resource.waitMs = performance.now() - startedAt;
    return shared;
  }

  /** No caller waits in the pool's queue for a connection of its own. */
  private get nobodyWaitsAlone(): boolean {
    return this.pool.waiting <= this.pipelinedInPool;
  }

  /**
   * The one place queued pipelined statements get room, in order: on `fresh` (a connection just
   * lent for them) up to the depth limit, then on the least loaded shared connection while no
   * caller waits for a connection of its own. While some remain, one acquire stands in the pool's
   * queue for them, in line with everyone else; it is called off once none remains.
   */
  private pump(fresh?: Shared): void {
    while (this.queued.length > 0) {
      let room = fresh !== undefined && fresh.depth < PIPELINE_DEPTH && fresh.lease.resource.alive ? fresh : undefined;
      if (room === undefined && this.nobodyWaitsAlone) room = this.leastLoaded();
      if (room === undefined) break;
      const waiter = this.queued.shift()!;
      clearTimeout(waiter.timer);
      room.depth++;
      waiter.resolve(room);
    }
    if (this.queued.length === 0) this.callOff();
    else if (this.summoned === undefined) this.summon();
  }

  /** One acquire in the pool's queue on behalf of the queued pipelined statements. */
  private summon(): void {
    const controller = new AbortController();
    this.summoned = controller;
    this.pipelinedInPool++;
    this.pool.acquire(controller.signal).then(
      (lease) => {
        if (this.summoned === controller) this.stopSummoning();
        const shared = this.open(lease, 0);
        this.pump(shared);
        if (shared.depth === 0) this.unshare(shared);
      },
      (err) => {
        if (this.summoned !== controller) return; // called off: nobody was waiting any more
        this.stopSummoning();
        // The oldest learns why (as in the pool); the others keep their own deadlines.
        const waiter = this.queued.shift();
        if (waiter !== undefined) {
          clearTimeout(waiter.timer);
          waiter.reject(err);
        }
        this.pump();
      },
    );
  }

  private stopSummoning(): void {
    this.summoned = undefined;
    this.pipelinedInPool--;
  }

  /** Takes the summoning acquire out of the pool's queue (a lease it got meanwhile goes back). */
  private callOff(): void {
    const controller = this.summoned;
    if (controller === undefined) return;
    this.stopSummoning();
    controller.abort();
  }

  private open(lease: Lease<Session>, depth: number): Shared {
    // No caller's code holds a shared connection (only statements, each awaited by its caller), and under
    // steady load it may stay lent for long: leak warnings are for connections held by transactions and callbacks.
    clearTimeout(lease.leakTimer);
    const shared: Shared = { lease, depth };
    this.shared.push(shared);
    return shared;
  }

  /**
   * The shared connection with the fewest statements in flight and room for one more; one past
   * its `maxLifetimeMs` takes no more, so it drains and the pool retires it.
   */
  private leastLoaded(): Shared | undefined {
    let best: Shared | undefined;
    for (const s of this.shared) {
      if (s.depth < PIPELINE_DEPTH && (best === undefined || s.depth < best.depth) && s.lease.resource.alive && !this.pool.retiring(s.lease)) best = s;
    }
    return best;
  }

  /** One pipelined statement settled: its room goes to the queue, and a connection nobody uses any more back to the pool. */
  private leave(shared: Shared): void {
    shared.depth--;
    if (this.queued.length > 0) this.pump();
    if (shared.depth === 0) this.unshare(shared);
  }

  /** Ends a connection's sharing: back to the pool (a broken one destroyed). */
  private unshare(shared: Shared): void {
    this.shared.splice(this.shared.indexOf(shared), 1);
    void this.release(shared.lease);
  }

  /** A queued pipelined statement past `acquireTimeoutMs`: `pool_timeout`, as a pool waiter. */
  private expire(waiter: Queued): void {
    const index = this.queued.indexOf(waiter);
    if (index < 0) return;
    this.queued.splice(index, 1);
    this.queueTimeouts++;
    if (this.queued.length === 0) this.callOff();
    waiter.reject(poolTimeout(this.pool.options, this.metrics()));
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

  /** The pool's metrics; `waiting` counts pipelined statements waiting for room too. */
  metrics(): SessionPoolMetrics {
    const m = this.pool.metrics();
    m.waiting += this.queued.length - (this.summoned === undefined ? 0 : 1);
    m.acquireTimeouts += this.queueTimeouts;
    return { ...m, cancels: { ...this.cancels } };
  }

  close(): Promise<void> {
    for (const waiter of this.queued.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(closedWhileWaiting());
    }
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
