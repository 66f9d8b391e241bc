// Where the OpenTelemetry path's cost per statement goes (issue 15), without a database: the
// end-to-end ratios are `npm run bench -- --scenario obs`; this splits the difference. With the
// same SDK setup as that scenario (bench/lib/otel-sdk.ts: BatchSpanProcessor, in-memory exporters):
//
//   floor    nothing: the loop itself (a performance.now() per step);
//   sdk      the SDK alone, fed by hand what polysql feeds it per statement: one CLIENT span with
//            the conventions' 7 attributes and explicit start/end times, one
//            db.client.operation.duration record (6 attributes), one use_time record (1 attribute);
//   polysql  polysql's observer reporting a statement (Observer.statement + the pool's use_time),
//            i.e. the SDK's work plus polysql's own (classification, cached attribute sets, parent);
//   sampled  the same with the SDK sampling 1 trace in 10 (ParentBased(TraceIdRatioBased(0.1))):
//            what a sampler saves (metrics are still recorded for every statement).
//
// Variants alternate in rounds, in this process; each step yields to the event loop as a query
// would. Prints the process's CPU time per statement in µs (robust to a busy machine; median over
// rounds) and polysql's share (polysql - sdk).
//
// With engine names, it then puts the SDK's own work beside a raw driver's loopback point lookup
// (no polysql at all): the fastest raw driver's serial lookups on bench_items (npm run bench seeds
// it), alone and each followed by the same hand-fed span and two records, alternating in rounds:
// how much of a lookup the SDK alone costs, whatever polysql does.
//
//   node --import tsx bench/observability.ts [steps per round, default 20000] [rounds, default 15] [postgres] [mysql]
import * as api from "@opentelemetry/api";
import { postgresDialect } from "../src/dialects/postgres/postgres-dialect.js";
import { Observer } from "../src/telemetry/observer.js";
import { OtelInstruments } from "../src/telemetry/otel.js";
import { ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import { CONTENDERS } from "./contenders/index.js";
import { idSequence } from "./lib/data.js";
import { check } from "./lib/measure.js";
import { inMemoryOtel } from "./lib/otel-sdk.js";
import { ITEM_ROWS, type Client, type Engine } from "./lib/types.js";

const STEPS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 15);
const ENGINES = process.argv.slice(4) as Engine[];
const SQL = "SELECT * FROM bench_items WHERE id = $1";
const TARGET = { system: "postgresql", namespace: "polysql_test", address: "127.0.0.1", port: 55432, poolName: "127.0.0.1:55432/polysql_test" };

type Step = (i: number) => void;

function floor(): Step {
  return () => void performance.now();
}

/** What polysql hands the SDK per statement, fed by hand: a span with the given times and two histogram records. */
function sdkFeed(otel = inMemoryOtel()): (start: number, end: number) => void {
  const tracer = otel.tracerProvider.getTracer("raw");
  const meter = otel.meterProvider.getMeter("raw");
  const duration = meter.createHistogram("db.client.operation.duration", { unit: "s" });
  const useTime = meter.createHistogram("db.client.connection.use_time", { unit: "s" });
  const metric = {
    "db.system.name": TARGET.system,
    "db.namespace": TARGET.namespace,
    "server.address": TARGET.address,
    "server.port": TARGET.port,
    "db.operation.name": "SELECT",
    "db.collection.name": "bench_items",
  };
  const span = { ...metric, "db.query.text": SQL };
  const pool = { "db.client.connection.pool.name": TARGET.poolName };
  return (start, end) => {
    tracer.startSpan("SELECT bench_items", { kind: api.SpanKind.CLIENT, startTime: start, attributes: span }).end(end);
    duration.record((end - start) / 1000, metric);
    useTime.record((end - start) / 1000, pool);
  };
}

function sdk(): Step {
  const feed = sdkFeed();
  return () => feed(performance.now(), performance.now());
}

function polysql(otel = inMemoryOtel()): Step {
  const instruments = new OtelInstruments(api, otel.tracerProvider, otel.meterProvider, false);
  instruments.identify(TARGET);
  const observer = new Observer("postgres", postgresDialect.syntax, undefined, 0, instruments);
  return (i) => {
    const start = performance.now();
    observer.statement({ sql: SQL, values: [i], start, rowCount: 1, attempt: 1, waitMs: 0, inTransaction: false });
    instruments.poolTime("use", performance.now() - start);
  };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function measure(step: Step): Promise<number> {
  for (let i = 0; i < STEPS / 5; i++) {
    step(i);
    if (i % 8 === 0) await tick();
  }
  const cpu = process.cpuUsage();
  for (let i = 0; i < STEPS; i++) {
    step(i);
    if (i % 8 === 0) await tick();
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / STEPS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const variants: Record<string, () => Step> = {
  floor,
  sdk: () => sdk(),
  polysql: () => polysql(),
  sampled: () => polysql(inMemoryOtel(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }))),
};
const times: Record<string, number[]> = { floor: [], sdk: [], polysql: [], sampled: [] };
for (let r = 0; r < ROUNDS; r++) {
  const names = Object.keys(variants);
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + r) % names.length];
    times[name].push(await measure(variants[name]()));
  }
}
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
console.log(
  `CPU per statement: floor ${m.floor.toFixed(2)} µs, sdk ${m.sdk.toFixed(2)} µs (${(m.sdk - m.floor).toFixed(2)} over the floor), polysql ${m.polysql.toFixed(2)} µs: ` +
    `polysql's own share ${(m.polysql - m.sdk).toFixed(2)} µs per statement; sampling 1 in 10: ${m.sampled.toFixed(2)} µs  [${STEPS} steps x ${ROUNDS} rounds, medians; load ${(
      await import("node:os")
    )
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}]`,
);

/** The fastest raw driver's serial lookups per engine (bench/contenders), without and with the SDK's work per lookup. */
const RAW_DRIVER: Partial<Record<Engine, string>> = { postgres: "pg:prepared", mysql: "mariadb" };

async function rawLookups(client: Client, ids: Int32Array, feed?: (start: number, end: number) => void): Promise<{ us: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const id of ids) {
    const start = performance.now();
    const row = await client.lookup(id);
    feed?.(start, performance.now());
    check(Number(row?.id) === id, `lookup ${id}`);
  }
  const used = process.cpuUsage(cpu);
  return { us: ((performance.now() - started) * 1000) / ids.length, cpu: (used.user + used.system) / ids.length };
}

for (const engine of ENGINES) {
  const [name, variant] = (RAW_DRIVER[engine] ?? "").split(":");
  if (CONTENDERS[name] === undefined) throw new Error(`no raw driver for ${engine}`);
  const client = await CONTENDERS[name](engine, { pool: 1, variant });
  const lookups = Math.min(STEPS, 2_000);
  const ids = idSequence(lookups, ITEM_ROWS);
  await rawLookups(client, idSequence(lookups / 4, ITEM_ROWS, 7));
  const off: { us: number[]; cpu: number[] } = { us: [], cpu: [] };
  const fed: { us: number[]; cpu: number[] } = { us: [], cpu: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [undefined, sdkFeed()] : [sdkFeed(), undefined];
    for (const feed of order) {
      const m = await rawLookups(client, ids, feed);
      const into = feed === undefined ? off : fed;
      into.us.push(m.us);
      into.cpu.push(m.cpu);
    }
  }
  await client.close();
  const [offUs, fedUs, offCpu, fedCpu] = [median(off.us), median(fed.us), median(off.cpu), median(fed.cpu)];
  console.log(
    `${engine}, raw ${RAW_DRIVER[engine]}: ${offUs.toFixed(1)} µs/lookup (client CPU ${offCpu.toFixed(1)} µs), with the SDK's work ${fedUs.toFixed(1)} µs (CPU ${fedCpu.toFixed(1)} µs): ` +
      `x${(fedUs / offUs).toFixed(3)} time, +${(fedCpu - offCpu).toFixed(1)} µs CPU  [${lookups} lookups x ${ROUNDS} rounds, medians; load ${(
        await import("node:os")
      )
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}]`,
  );
}
