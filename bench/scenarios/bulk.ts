import { bulkRows } from "../lib/data.js";
import { check, type Measurement } from "../lib/measure.js";
import { admin } from "../lib/setup.js";
import type { Client, Engine } from "../lib/types.js";

async function emptyTable(engine: Engine): Promise<void> {
  const db = await admin(engine);
  await db.run(engine === "sqlite" ? "DELETE FROM bench_bulk" : "TRUNCATE TABLE bench_bulk");
  await db.close();
}

async function countRows(engine: Engine): Promise<number> {
  const db = await admin(engine);
  const n = await db.value("SELECT COUNT(*) FROM bench_bulk");
  await db.close();
  return n;
}

/** Scenario 5: insert `count` rows of 5 mixed columns into an empty table; rows/s, verified by COUNT(*). */
export async function bulkInsert(client: Client, engine: Engine, count: number): Promise<Measurement> {
  if (client.insertBulk === undefined) return { value: NaN, skipped: "no bulk insert in this build" };
  await emptyTable(engine);
  await client.insertBulk(bulkRows(Math.min(10_000, count), 1));
  await emptyTable(engine);
  const rows = bulkRows(count);
  const started = performance.now();
  await client.insertBulk(rows);
  const ms = performance.now() - started;
  const n = await countRows(engine);
  check(n === count, `bench_bulk holds ${n} rows, expected ${count}`);
  await emptyTable(engine);
  return { value: (count / ms) * 1000, extra: { seconds: ms / 1000 } };
}

/** rows/s as one batch grows; small batches are repeated so each point inserts enough rows to time. */
export async function bulkGrowth(client: Client, engine: Engine, sizes: readonly number[], minRows: number): Promise<Measurement> {
  if (client.insertBulk === undefined) return { value: NaN, skipped: "no bulk insert in this build" };
  await emptyTable(engine);
  await client.insertBulk(bulkRows(1_000, 1));
  const series: NonNullable<Measurement["series"]> = [];
  for (const size of sizes) {
    await emptyTable(engine);
    const reps = Math.max(1, Math.min(500, Math.ceil(minRows / size)));
    const batches = Array.from({ length: reps }, (_, r) => bulkRows(size, r * size + 1));
    const started = performance.now();
    for (const batch of batches) await client.insertBulk(batch);
    const ms = performance.now() - started;
    const n = await countRows(engine);
    check(n === reps * size, `bench_bulk holds ${n} rows, expected ${reps * size}`);
    series.push({ x: size, rowsPerSec: ((reps * size) / ms) * 1000 });
  }
  await emptyTable(engine);
  return { value: series[series.length - 1].rowsPerSec, series };
}
