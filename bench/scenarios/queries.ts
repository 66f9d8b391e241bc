import { idSequence } from "../lib/data.js";
import { check, quantile, timeConcurrent, timeSerial, type Measurement } from "../lib/measure.js";
import { admin } from "../lib/setup.js";
import { ACCOUNT_ROWS, ITEM_ROWS, WIDE_AGE_INDEX, WIDE_ROWS, type Client, type Engine, type Row } from "../lib/types.js";

/** Client-process CPU time (user + system) since `start`, in µs: robust to a busy machine, unlike wall time. */
function cpuMicros(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return d.user + d.system;
}

async function lookupOnce(client: Client, id: number): Promise<void> {
  const row = await client.lookup(id);
  check(row !== undefined && Number(row.id) === id, `lookup(${id}) returned id ${String(row?.id)}`);
}

/** Scenario 1: serial point lookups on one connection; ops/s. */
export async function serialLookups(client: Client, ops: number): Promise<Measurement> {
  const warm = idSequence(Math.ceil(ops / 5), ITEM_ROWS, 7);
  await timeSerial(warm.length, (i) => lookupOnce(client, warm[i]));
  const ids = idSequence(ops, ITEM_ROWS);
  const cpu = process.cpuUsage();
  const ms = await timeSerial(ops, (i) => lookupOnce(client, ids[i]));
  return { value: (ops / ms) * 1000, extra: { usPerOp: (ms * 1000) / ops, cpuUsPerOp: cpuMicros(cpu) / ops } };
}

/** Scenario 2: 64 callers share the pool; ops/s plus latency percentiles. */
export async function concurrentLookups(client: Client, ops: number, callers: number): Promise<Measurement> {
  const warm = idSequence(Math.ceil(ops / 5), ITEM_ROWS, 7);
  await timeConcurrent(warm.length, callers, (i) => lookupOnce(client, warm[i]));
  const ids = idSequence(ops, ITEM_ROWS);
  const lat = new Float64Array(ops);
  const cpu = process.cpuUsage();
  const ms = await timeConcurrent(ops, callers, (i) => lookupOnce(client, ids[i]), lat);
  return { value: (ops / ms) * 1000, extra: { p50Ms: quantile(lat, 0.5), p99Ms: quantile(lat, 0.99), cpuUsPerOp: cpuMicros(cpu) / ops } };
}

/** Latency as concurrency grows (pool fixed): one series point per level. */
export async function latencySweep(client: Client, opsPerLevel: number, levels: readonly number[]): Promise<Measurement> {
  const warm = idSequence(Math.ceil(opsPerLevel / 4), ITEM_ROWS, 7);
  await timeConcurrent(warm.length, 16, (i) => lookupOnce(client, warm[i]));
  const series: Measurement["series"] = [];
  for (const callers of levels) {
    const ops = Math.max(opsPerLevel, callers * 20);
    const ids = idSequence(ops, ITEM_ROWS, callers);
    const lat = new Float64Array(ops);
    const ms = await timeConcurrent(ops, callers, (i) => lookupOnce(client, ids[i]), lat);
    series.push({ x: callers, p50Ms: quantile(lat, 0.5), p99Ms: quantile(lat, 0.99), opsPerSec: (ops / ms) * 1000 });
  }
  const at64 = series.find((p) => p.x === 64) ?? series[series.length - 1];
  return { value: at64.opsPerSec, series };
}

/** The expected checksum of the wide query: sum of age over ids 1..1000. */
const WIDE_AGE_SUM = Array.from({ length: WIDE_ROWS }, (_, i) => (i + 1) % 90).reduce((a, b) => a + b, 0);

/** Sums `age` and counts the values of row objects. */
function objectChecksum(rows: Row[]): [ages: number, touched: number] {
  let ages = 0;
  let touched = 0;
  for (const row of rows) {
    ages += Number(row.age);
    for (const key in row) if (row[key] !== undefined) touched++;
  }
  return [ages, touched];
}

/** Sums `age` and counts the values of rows as arrays. */
function arrayChecksum(rows: unknown[][]): [ages: number, touched: number] {
  let ages = 0;
  let touched = 0;
  for (const row of rows) {
    ages += Number(row[WIDE_AGE_INDEX]);
    for (let i = 0; i < row.length; i++) if (row[i] !== undefined) touched++;
  }
  return [ages, touched];
}

/** Scenario 3: 1,000 rows x 10 columns per query, every value touched; rows/s. Array variants read rows as arrays. */
export async function wideRows(client: Client, queries: number): Promise<Measurement> {
  const arrays = client.wideArrays;
  const once = async () => {
    const rows = arrays ? await arrays() : await client.wide();
    check(rows.length === WIDE_ROWS, `wide() returned ${rows.length} rows`);
    const [ages, touched] = arrays ? arrayChecksum(rows as unknown[][]) : objectChecksum(rows as Row[]);
    check(ages === WIDE_AGE_SUM && touched === WIDE_ROWS * 10, `wide() checksum ${ages}/${touched}`);
  };
  await timeSerial(Math.max(3, Math.ceil(queries / 5)), once);
  const cpu = process.cpuUsage();
  const ms = await timeSerial(queries, once);
  return { value: ((queries * WIDE_ROWS) / ms) * 1000, extra: { msPerQuery: ms / queries, cpuUsPerRow: cpuMicros(cpu) / (queries * WIDE_ROWS) } };
}

/** Scenario 4: short transactions under contention; tx/s, verified by the balance total. */
export async function transactions(client: Client, engine: Engine, ops: number, callers: number): Promise<Measurement> {
  const db = await admin(engine);
  try {
    const before = await db.value("SELECT SUM(balance) FROM bench_accounts");
    const warm = idSequence(Math.ceil(ops / 5), ACCOUNT_ROWS, 7);
    await timeConcurrent(warm.length, callers, (i) => client.transfer(warm[i]));
    const ids = idSequence(ops, ACCOUNT_ROWS);
    const lat = new Float64Array(ops);
    const cpu = process.cpuUsage();
    const ms = await timeConcurrent(ops, callers, (i) => client.transfer(ids[i]), lat);
    const cpuUsPerOp = cpuMicros(cpu) / ops;
    const after = await db.value("SELECT SUM(balance) FROM bench_accounts");
    check(after - before === ops + warm.length, `balance grew by ${after - before}, expected ${ops + warm.length}`);
    return { value: (ops / ms) * 1000, extra: { p50Ms: quantile(lat, 0.5), p99Ms: quantile(lat, 0.99), cpuUsPerOp } };
  } finally {
    await db.close();
  }
}
