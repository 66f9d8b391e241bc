/** What one child process reports for one contender in one round. */
export interface Measurement {
  /** The headline figure in the scenario's unit (ops/s, rows/s, ns/op...). */
  value: number;
  /** Secondary figures, e.g. `{ p50Ms, p99Ms }` or `{ peakRssMiB }`. */
  extra?: Record<string, number>;
  /** Curves for the line charts: x → named figures. */
  series?: { x: number; [name: string]: number }[];
  /** Why the contender was skipped (e.g. a missing feature); value is NaN then. */
  skipped?: string;
}

/** Runs `fn` `count` times, awaited one after the other; returns elapsed ms. */
export async function timeSerial(count: number, fn: (i: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await fn(i);
  return performance.now() - started;
}

/** `callers` async loops share `count` operations; returns elapsed ms and per-op latencies if asked. */
export async function timeConcurrent(count: number, callers: number, fn: (i: number) => Promise<void>, latencies?: Float64Array): Promise<number> {
  let next = 0;
  const started = performance.now();
  const loop = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      if (latencies === undefined) await fn(i);
      else {
        const t = performance.now();
        await fn(i);
        latencies[i] = performance.now() - t;
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, loop));
  return performance.now() - started;
}

/** The q-quantile (0..1) of a sample. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`verification failed: ${message}`);
}
