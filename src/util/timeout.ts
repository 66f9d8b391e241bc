/**
 * Settles like `promise`, or rejects with `expired()` once `ms` have passed
 * (0 means no deadline). A value that arrives after the deadline goes to
 * `onLate` (e.g. to close a connection nobody waits for any more); a late
 * rejection is swallowed, never left unhandled.
 *
 * @example await withTimeout(driver.reset(), 2_000, () => new Error("reset timed out"));
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, expired: () => unknown, onLate?: (value: T) => void): Promise<T> {
  if (ms <= 0) return promise;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(expired());
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (done) onLate?.(value);
        else resolve(value);
      },
      (err) => {
        clearTimeout(timer);
        if (!done) reject(err);
      },
    );
  });
}
