import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What one async context wrote, for read-your-writes: the writes still running, when the last
 * one ended, and (once asked for) the primary's position after it. A context's writes replace
 * its mark with a new one carrying what is still pending, so a mark inherited from a parent
 * context (a process-wide write before a server started) is never changed by a child's writes.
 */
export class WriteMark {
  readonly pending = new Set<Promise<unknown>>();
  /** `Date.now()`-free monotonic time (performance.now) at which the last write of this context ended. */
  settledAt = 0;
  /** The primary's position read after `settledAt`; set by the first read that needs it. */
  position?: Promise<string | undefined>;

  constructor(previous?: WriteMark) {
    if (previous !== undefined) {
      for (const p of previous.pending) this.pending.add(p);
      this.settledAt = previous.settledAt;
    }
  }

  /** Follows one write: pending until it settles (either way: a failed write's outcome may be unknown). */
  track(write: Promise<unknown>): void {
    this.position = undefined;
    this.pending.add(write);
    const done = () => {
      this.pending.delete(write);
      this.settledAt = performance.now();
      this.position = undefined;
    };
    write.then(done, done);
  }

  /** Resolves once every write tracked so far settled. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/** Per async context: the mark of its last writes. */
const marks = new AsyncLocalStorage<WriteMark>();

/**
 * Starts a new mark for the calling context. Called synchronously at the start of a write
 * (before the first `await`), so the mark holds for the rest of the caller's async context:
 * `enterWith` carries it to everything the caller runs afterwards, and only there.
 */
export function beginWrite(write?: Promise<unknown>): WriteMark {
  const mark = new WriteMark(marks.getStore());
  marks.enterWith(mark);
  if (write !== undefined) mark.track(write);
  return mark;
}

/** The calling context's mark, if it wrote. */
export function currentMark(): WriteMark | undefined {
  return marks.getStore();
}

/** Runs `fn` in a fresh context: reads in it wait for its own writes only. */
export function freshContext<T>(fn: () => T): T {
  return marks.run(new WriteMark(), fn);
}
