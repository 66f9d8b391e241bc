// Overhead of observability on serial point lookups (issue 15): the same lookups with nothing
// observing ("off"), with an onQuery hook ("hook"), and with OpenTelemetry's SDK exporting spans
// and metrics to memory ("otel"). Rounds interleave the three variants; the ratio is each
// variant's median time per lookup over "off".
//
//   node --import tsx bench/observability.ts [sqlite|postgres|mysql ...]   (URLs: POLYSQL_PG_URL, POLYSQL_MYSQL_URL)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { connect, type ConnectOptions, type Database } from "../src/index.js";

const LOOKUPS = Number(process.env.LOOKUPS ?? 2_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const urls: Record<string, string | undefined> = {
  sqlite: `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "polysql-obs-")), "bench.db")}`,
  postgres: process.env.POLYSQL_PG_URL,
  mysql: process.env.POLYSQL_MYSQL_URL,
};
const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["sqlite", "postgres", "mysql"];
const table = `bench_obs_${process.pid}`;

function variants(): Record<string, Omit<ConnectOptions, "url">> {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 1_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  setInterval(() => spans.reset(), 1_000).unref();
  let n = 0;
  return {
    off: { telemetry: false },
    hook: { telemetry: false, onQuery: () => void n++ },
    otel: { telemetry: { tracerProvider, meterProvider } },
  };
}

async function lookups(db: Database): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < LOOKUPS; i++) await db.one(`SELECT id, name FROM ${table} WHERE id = :id`, { id: (i % 1_000) + 1 });
  return ((performance.now() - started) * 1_000) / LOOKUPS; // µs per lookup
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const engine of wanted) {
  const url = urls[engine];
  if (url === undefined) {
    console.log(`${engine}: no URL, skipped`);
    continue;
  }
  const setup = await connect({ url, telemetry: false });
  await setup.execute(`DROP TABLE IF EXISTS ${table}`);
  await setup.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)`);
  await setup.insertMany(
    table,
    Array.from({ length: 1_000 }, (_, i) => ({ id: i + 1, name: `n${i + 1}` })),
  );
  if (engine === "sqlite") await setup.close();
  const dbs = Object.entries(variants());
  const times: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, options] of dbs) {
      const db = await connect({ ...options, url });
      await lookups(db); // warm-up: prepared statements, caches, JIT
      (times[name] ??= []).push(await lookups(db));
      await db.close();
    }
  }
  const off = median(times.off);
  const line = Object.entries(times).map(([name, t]) => `${name} ${median(t).toFixed(1)} µs/lookup (x${(median(t) / off).toFixed(3)})`);
  console.log(`${engine}: ${line.join(", ")}  [${LOOKUPS} serial lookups x ${ROUNDS} rounds, medians]`);
  if (engine !== "sqlite") {
    await setup.execute(`DROP TABLE IF EXISTS ${table}`);
    await setup.close();
  }
}
