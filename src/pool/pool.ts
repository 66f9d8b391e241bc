import { ConnectionError, PoolError } from "../errors.js";
import { withTimeout } from "../util/timeout.js";
import type { PoolOptions } from "./pool-options.js";

/** How the pool makes, checks and ends its resources. */
export interface PoolResource<R> {
  create(): Promise<R>;
  destroy(resource: R): Promise<void>;
  /** True when the resource still works; called on resources that sat idle. */
  validate(resource: R): Promise<boolean>;
  /** Cheap synchronous check made on every hand-out: false evicts the resource unseen. */
  isAlive(resource: R): boolean;
}

/** Hears the pool's timings (ms), for telemetry: a create, a borrower's wait, a borrow's length. */
export interface PoolObserver {
  created(ms: number): void;
  waited(ms: number): void;
  used(ms: number): void;
}

/** Point-in-time pool state and counters since the pool was built. */
export interface PoolMetrics {
  total: number;
  active: number;
  idle: number;
  waiting: number;
  pendingCreates: number;
  acquired: number;
  created: number;
  destroyed: number;
  acquireTimeouts: number;
  validationFailures: number;
  connectionErrors: number;
  /** Acquire wait over the last 1,024 acquires, in ms. */
  acquireWaitMs: { p50: number; p99: number };
}

interface Slot<R> {
  resource: R;
  expiresAt: number;
  idleSince: number;
  lease?: Lease<R>;
}

/** A borrowed resource; give it back exactly once with `pool.release(lease)`. */
export class Lease<R> {
  released = false;
  leakTimer?: NodeJS.Timeout;
  /** When it was lent (`performance.now()`), set only when the pool has an observer. */
  lentAt = 0;
  constructor(
    readonly resource: R,
    readonly slot: Slot<R>,
  ) {}
}

interface Waiter<R> {
  resolve(lease: Lease<R>): void;
  reject(err: unknown): void;
  startedAt: number;
  timer?: NodeJS.Timeout;
  stack?: string;
}

const WAIT_SAMPLES = 1024;

/**
 * A generic pool: limits, an absolute acquire deadline, create deadline, idle
 * and lifetime retirement, validation of idle resources, leak warnings and
 * metrics. Every state change ends in `pulse()`, the one place that hands idle
 * resources to waiters and starts creates (for waiters and to keep `min`).
 * The one other hand-out is `tryAcquire`, the synchronous fast path, which
 * lends only when nobody waits, so it never jumps the queue.
 */
export class Pool<R> {
  private readonly idle: Slot<R>[] = [];
  private readonly busy = new Set<Slot<R>>();
  private readonly waiters: Waiter<R>[] = [];
  private pendingCreates = 0;
  /** Opens under way (each settles once its resource is pooled, or destroyed after `close()`). */
  private readonly creating = new Set<Promise<void>>();
  /** Idle slots being validated for a waiter. */
  private validating = 0;
  private closed = false;
  private readonly reaper: NodeJS.Timeout;
  private readonly waits = new Float64Array(WAIT_SAMPLES);
  private waitCount = 0;
  /** Timings for telemetry; undefined (the default) measures nothing. */
  observer?: PoolObserver;
  private readonly counters = { acquired: 0, created: 0, destroyed: 0, acquireTimeouts: 0, validationFailures: 0, connectionErrors: 0 };

  constructor(
    private readonly factory: PoolResource<R>,
    readonly options: PoolOptions,
    private readonly warn: (message: string) => void = (m) => process.emitWarning(m, { code: "POLYSQL_POOL" }),
  ) {
    const interval = Math.max(10, Math.min(1_000, options.idleTimeoutMs || 1_000, options.maxLifetimeMs || 1_000));
    this.reaper = setInterval(() => this.reap(), interval).unref();
    this.pulse();
  }

  /**
   * Borrows a resource, waiting at most `acquireTimeoutMs`. Aborting `signal` while waiting
   * leaves the queue at once (the waiter and its timer go) and rejects with `signal.reason`.
   */
  acquire(signal?: AbortSignal): Promise<Lease<R>> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const lease = this.tryAcquire();
    if (lease !== undefined) return Promise.resolve(lease);
    if (this.closed) return Promise.reject(new PoolError("pool_closed", "The pool is closed"));
    const now = performance.now();
    return new Promise<Lease<R>>((resolve, reject) => {
      const waiter: Waiter<R> = { resolve, reject, startedAt: now };
      if (this.options.leakDetectionMs > 0) waiter.stack = new Error("acquired here").stack;
      waiter.timer = setTimeout(() => this.expire(waiter), this.options.acquireTimeoutMs);
      if (signal !== undefined) {
        const onAbort = () => this.leave(waiter, signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        waiter.resolve = (l) => (signal.removeEventListener("abort", onAbort), resolve(l));
        waiter.reject = (e) => (signal.removeEventListener("abort", onAbort), reject(e));
      }
      this.waiters.push(waiter);
      this.pulse();
    });
  }

  /** A waiter gives up (its call was aborted): out of the queue, timer cleared, rejected with `reason`. */
  private leave(waiter: Waiter<R>, reason: unknown): void {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return;
    this.waiters.splice(index, 1);
    clearTimeout(waiter.timer);
    waiter.reject(reason);
  }

  /**
   * Borrows a resource at once if one is idle, fresh and nobody is waiting
   * (no validation due); `undefined` otherwise. The synchronous fast path of `acquire`.
   */
  tryAcquire(): Lease<R> | undefined {
    if (this.closed || this.waiters.length > 0 || this.idle.length === 0) return undefined;
    const now = performance.now();
    const slot = this.takeIdle(now);
    if (slot === undefined) return undefined;
    if (now - slot.idleSince < this.options.validateAfterIdleMs) return this.lend(slot, now, undefined, now);
    // Sat idle too long: back it goes, and pulse() validates it for a waiter.
    this.idle.push(slot);
    return undefined;
  }

  /** Gives a resource back; `destroy` (or a closed pool) ends it instead of keeping it. */
  release(lease: Lease<R>, destroy = false): void {
    if (lease.released) throw new PoolError("pool_misuse", "This connection was already released");
    lease.released = true;
    clearTimeout(lease.leakTimer);
    const slot = lease.slot;
    slot.lease = undefined;
    this.busy.delete(slot);
    const now = performance.now();
    if (this.observer !== undefined) this.observer.used(now - lease.lentAt);
    if (destroy || this.closed || now >= slot.expiresAt) {
      void this.destroySlot(slot);
    } else {
      slot.idleSince = now;
      this.idle.push(slot);
    }
    if (this.waiters.length > 0 || this.idle.length + this.busy.size < this.options.min || destroy) this.pulse();
  }

  /** The lent resource is past its lifetime: it is destroyed on release. */
  retiring(lease: Lease<R>): boolean {
    return lease.slot.expiresAt !== Infinity && performance.now() >= lease.slot.expiresAt;
  }

  /** Current state and counters. */
  metrics(): PoolMetrics {
    const samples = Array.from(this.waits.subarray(0, Math.min(this.waitCount, WAIT_SAMPLES))).sort((a, b) => a - b);
    const at = (q: number) => (samples.length === 0 ? 0 : round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]));
    return {
      total: this.idle.length + this.busy.size,
      active: this.busy.size,
      idle: this.idle.length,
      waiting: this.waiters.length,
      pendingCreates: this.pendingCreates,
      ...this.counters,
      acquireWaitMs: { p50: at(0.5), p99: at(0.99) },
    };
  }

  /** Borrowers waiting in the queue (the cheap part of `metrics()`). */
  get waiting(): number {
    return this.waiters.length;
  }

  /** True when no idle resource is free and no more may be created. */
  get exhausted(): boolean {
    return this.idle.length === 0 && this.busy.size + this.pendingCreates >= this.options.max;
  }

  /** Rejects waiters, ends idle resources; busy ones end when released. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.reaper);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(closedWhileWaiting());
    }
    await Promise.all(this.idle.splice(0).map((s) => this.destroySlot(s)));
    // A connection still being opened is closed as soon as it opens: wait for that too, so nothing
    // of this pool is left on the server (or holding an embedded database's files) after close().
    // Bounded: a connect with no deadline of its own (connectTimeoutMs 0) is not waited for past 10 s.
    const opening = Promise.allSettled(this.creating);
    await withTimeout(opening, this.options.connectTimeoutMs || 10_000, () => undefined).catch(() => undefined);
  }

  /** Hands idle resources to waiters and starts creates for them; with `topUp` (the reaper's beat), also creates up to `min`. */
  private pulse(topUp = false): void {
    if (this.closed) return;
    while (this.waiters.length > this.validating) {
      const slot = this.takeIdle(performance.now());
      if (slot === undefined) break;
      this.handOver(slot);
    }
    while (this.waiters.length > this.pendingCreates + this.validating && this.idle.length + this.busy.size + this.pendingCreates < this.options.max) {
      this.create();
    }
    // Only on the reaper's beat, so a server that refuses connections is not retried in a tight loop.
    if (topUp) while (this.idle.length + this.busy.size + this.pendingCreates < this.options.min) this.create();
  }

  /** Pops the most recently used idle slot that is not past its lifetime. */
  private takeIdle(now: number): Slot<R> | undefined {
    for (;;) {
      const slot = this.idle.pop();
      if (slot === undefined) return undefined;
      if (now < slot.expiresAt && this.factory.isAlive(slot.resource)) return slot;
      void this.destroySlot(slot);
    }
  }

  /** Gives a slot to the first waiter, validating it first when it sat idle. */
  private handOver(slot: Slot<R>): void {
    const now = performance.now();
    if (now - slot.idleSince < this.options.validateAfterIdleMs) {
      const waiter = this.waiters.shift()!;
      clearTimeout(waiter.timer);
      waiter.resolve(this.lend(slot, waiter.startedAt, waiter.stack));
      return;
    }
    this.busy.add(slot);
    this.validating++;
    const validated = Promise.resolve().then(() => this.factory.validate(slot.resource));
    const ms = this.options.validationTimeoutMs;
    withTimeout(validated, ms, () => timedOut("Validating an idle connection", ms)).then(
      (ok) => {
        this.busy.delete(slot);
        this.validating--;
        if (!ok) return this.fail(slot);
        if (this.closed) return void this.destroySlot(slot);
        slot.idleSince = performance.now();
        this.idle.push(slot);
        this.pulse();
      },
      () => {
        this.busy.delete(slot);
        this.validating--;
        this.fail(slot);
      },
    );
  }

  private fail(slot: Slot<R>): void {
    this.counters.validationFailures++;
    void this.destroySlot(slot);
    this.pulse();
  }

  private lend(slot: Slot<R>, startedAt: number, stack: string | undefined, now = performance.now()): Lease<R> {
    const lease = new Lease(slot.resource, slot);
    slot.lease = lease;
    this.busy.add(slot);
    this.counters.acquired++;
    this.waits[this.waitCount++ % WAIT_SAMPLES] = now - startedAt;
    if (this.observer !== undefined) {
      lease.lentAt = now;
      this.observer.waited(now - startedAt);
    }
    if (this.options.leakDetectionMs > 0) {
      const trace = stack ?? new Error("acquired here").stack;
      lease.leakTimer = setTimeout(
        () => this.warn(`A connection has been held for over ${this.options.leakDetectionMs} ms; possible leak. ${trace}`),
        this.options.leakDetectionMs,
      ).unref();
    }
    return lease;
  }

  private expire(waiter: Waiter<R>): void {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return;
    this.waiters.splice(index, 1);
    this.counters.acquireTimeouts++;
    waiter.reject(poolTimeout(this.options, this.metrics()));
  }

  private create(): void {
    this.pendingCreates++;
    const started = performance.now();
    const ms = this.options.connectTimeoutMs;
    const created = withTimeout(
      this.factory.create(),
      ms,
      () => timedOut("Opening a connection", ms),
      (late) => void this.factory.destroy(late),
    );
    const settled: Promise<void> = created.then(
      (resource) => {
        this.pendingCreates--;
        this.counters.created++;
        const now = performance.now();
        this.observer?.created(now - started);
        const lifetime = this.options.maxLifetimeMs;
        const slot: Slot<R> = { resource, expiresAt: lifetime > 0 ? now + lifetime * (1 - Math.random() * 0.025) : Infinity, idleSince: now };
        if (this.closed) return this.destroySlot(slot);
        this.idle.push(slot);
        this.pulse();
      },
      (err) => {
        this.pendingCreates--;
        this.counters.connectionErrors++;
        // The oldest waiter learns why; the rest keep waiting for their own deadline.
        const waiter = this.waiters.shift();
        if (waiter !== undefined) {
          clearTimeout(waiter.timer);
          waiter.reject(err);
        }
        this.pulse();
      },
    );
    this.creating.add(settled);
    const forget = () => void this.creating.delete(settled);
    settled.then(forget, forget);
  }

  private destroySlot(slot: Slot<R>): Promise<void> {
    this.counters.destroyed++;
    return this.factory.destroy(slot.resource).catch(() => undefined);
  }

  /** Retires idle slots past their idle timeout or lifetime, and tops up to `min`. */
  private reap(): void {
    const now = performance.now();
    const { idleTimeoutMs, min } = this.options;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const slot = this.idle[i];
      const total = this.idle.length + this.busy.size;
      const idleTooLong = idleTimeoutMs > 0 && now - slot.idleSince >= idleTimeoutMs && total > min;
      if (idleTooLong || now >= slot.expiresAt) {
        this.idle.splice(i, 1);
        void this.destroySlot(slot);
      }
    }
    this.pulse(true);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function timedOut(what: string, ms: number): ConnectionError {
  return new ConnectionError(`${what} took over ${ms} ms`, { phase: "connect" });
}

/** The error of a borrower that waited `acquireTimeoutMs` in vain (the pool's own queue, or a queue beside it). */
export function poolTimeout(options: PoolOptions, m: Pick<PoolMetrics, "active" | "waiting">): PoolError {
  return new PoolError(
    "pool_timeout",
    `No connection available within ${options.acquireTimeoutMs} ms (max ${options.max}, active ${m.active}, waiting ${m.waiting})`,
  );
}

/** The error of a borrower still waiting when the pool closed. */
export function closedWhileWaiting(): PoolError {
  return new PoolError("pool_closed", "The pool was closed while waiting for a connection");
}
