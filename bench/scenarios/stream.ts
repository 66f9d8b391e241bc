import { check, type Measurement } from "../lib/measure.js";
import type { Client } from "../lib/types.js";

const MiB = 1024 * 1024;

/** Scenario 8: stream every row of bench_stream; rows/s and peak RSS growth over the pre-stream baseline. */
export async function streamRows(client: Client, expected: number): Promise<Measurement> {
  if (client.stream === undefined) return { value: NaN, skipped: "no streaming API" };
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  let count = 0;
  let qty = 0;
  const started = performance.now();
  try {
    await client.stream((row) => {
      count++;
      qty += Number(row.qty);
      if ((count & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    });
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - started;
  peak = Math.max(peak, process.memoryUsage().rss);
  let expectedQty = 0;
  for (let id = 1; id <= expected; id++) expectedQty += id % 1000;
  check(count === expected && qty === expectedQty, `streamed ${count} rows (qty sum ${qty}), expected ${expected} (${expectedQty})`);
  return { value: (count / ms) * 1000, extra: { peakRssGrowthMiB: (peak - baseline) / MiB, seconds: ms / 1000 } };
}
