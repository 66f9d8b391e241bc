import { ConfigError, QueryError, type PolysqlError } from "../errors.js";

/** Per-call options: the last argument of every query method. */
export interface CallOptions {
  /** Aborting it stops the call: it leaves the pool's queue, cancels its statement on the server, rolls its transaction back, closes its cursor. */
  signal?: AbortSignal;
  /** Deadline for the whole call (waiting for a connection included); past it the call stops as on an abort, with `query_timeout`. */
  timeoutMs?: number;
}

/**
 * One call's stop condition: the caller's signal and its own deadline merged into one
 * `signal`, and the error it stops with (`query_cancelled` with the signal's reason as
 * `cause`, or `query_timeout`). `dispose()` clears the timer and the listener.
 */
export class CallControl {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  private cause?: { timeout: true; ms: number } | { timeout: false; reason: unknown };
  /** When the stop happened (`performance.now()`), for measurements. */
  abortedAt?: number;
  /** A transaction's callback returned: from here its outcome is COMMIT's, which an abort no longer overrides. */
  committing = false;

  constructor(
    options: CallOptions | undefined,
    /** A signal the call also obeys (the enclosing transaction's). */
    outer?: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    const { signal, timeoutMs } = options ?? {};
    if (timeoutMs !== undefined && (typeof timeoutMs !== "number" || !(timeoutMs >= 0))) {
      throw new ConfigError(`Option "timeoutMs" must be a number of milliseconds >= 0`);
    }
    this.sources = [signal, outer];
    for (const s of this.sources) {
      if (s === undefined) continue;
      if (s.aborted) {
        this.stop({ timeout: false, reason: s.reason });
        return;
      }
      s.addEventListener("abort", this.onAbort, { once: true });
    }
    if (timeoutMs !== undefined && timeoutMs > 0) this.timer = setTimeout(() => this.stop({ timeout: true, ms: timeoutMs }), timeoutMs);
  }

  private readonly sources: (AbortSignal | undefined)[];

  private readonly onAbort = (event: Event): void => {
    this.stop({ timeout: false, reason: (event.target as AbortSignal).reason });
  };

  private stop(cause: NonNullable<CallControl["cause"]>): void {
    if (this.cause !== undefined) return;
    this.cause = cause;
    this.abortedAt = performance.now();
    this.controller.abort(cause.timeout ? "timeout" : cause.reason);
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** The error this call stops with, for a statement `sql` on `engine`. */
  error(sql?: string, engine?: string): PolysqlError {
    const cause = this.cause;
    if (cause?.timeout) {
      return new QueryError("query_timeout", `The call took over its timeoutMs of ${cause.ms} ms and was stopped`, { sql, engine, transient: false });
    }
    return new QueryError("query_cancelled", "The call was aborted by its signal", { sql, engine, transient: false, cause: cause?.reason });
  }

  /** Throws the stop error when stopped. */
  check(sql?: string, engine?: string): void {
    if (this.aborted) throw this.error(sql, engine);
  }

  /** Clears the deadline and the listeners; call once the call settled. */
  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.sources) s?.removeEventListener("abort", this.onAbort);
  }
}

/** A promise that rejects when `signal` aborts (never settles otherwise), and its clean-up. */
export function whenAborted(signal: AbortSignal): { promise: Promise<never>; off: () => void } {
  let off = () => {};
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const on = () => reject(signal.reason);
    signal.addEventListener("abort", on, { once: true });
    off = () => signal.removeEventListener("abort", on);
  });
  promise.catch(() => undefined);
  return { promise, off };
}
