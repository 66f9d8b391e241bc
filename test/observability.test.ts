import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { migrate, type Database, type QueryEvent } from "../src/index.js";
import { engines, open } from "./support/engines.js";
import { migrationDir } from "./support/migration-files.js";

// The onQuery hook and OpenTelemetry (the real SDK, in-memory exporters) on every engine.
// Table names start with ob_ and the process id (the servers are shared).

const TAG = `ob${process.pid}`;
const SYSTEMS: Record<string, string[]> = { sqlite: ["sqlite"], postgres: ["postgresql"], mysql: ["mysql", "mariadb"] };
/** The conventions' bucket boundaries for db.client.operation.duration (seconds). */
const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

function otel() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    spans,
    tracerProvider,
    meterProvider,
    async collect(): Promise<ResourceMetrics> {
      metrics.reset();
      await reader.forceFlush();
      const all = metrics.getMetrics();
      return all[all.length - 1];
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

function metric(resource: ResourceMetrics, name: string) {
  for (const scope of resource.scopeMetrics) for (const m of scope.metrics) if (m.descriptor.name === name) return m;
  return assert.fail(`metric ${name} not exported`);
}

for (const engine of engines()) {
  describe(`observability on ${engine.name}`, () => {
    const table = `${TAG}_${engine.name}`;
    const events: QueryEvent[] = [];
    let db: Database;

    before(async () => {
      db = await open(engine, { onQuery: (e: QueryEvent) => events.push(e), telemetry: false });
      await db.execute(`DROP TABLE IF EXISTS ${table}`);
      await db.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE)`);
    });
    after(async () => {
      await db.execute(`DROP TABLE IF EXISTS ${table}`);
      await db.close();
    });

    it("reports each statement once, after it ended, with placeholders and never values", async () => {
      events.length = 0;
      await db.execute(`INSERT INTO ${table} (id, name) VALUES (:id, :name)`, { id: 1, name: "secret-ada" });
      const rows = await db.all(`SELECT id, name FROM ${table} WHERE name = :name`, { name: "secret-ada" });
      assert.equal(rows.length, 1);
      assert.equal(events.length, 2);
      const [insert, select] = events;
      assert.equal(insert.operation, "INSERT");
      assert.equal(insert.collection, table);
      assert.equal(insert.rowCount, 1);
      assert.equal(select.operation, "SELECT");
      assert.equal(select.collection, table);
      assert.equal(select.rowCount, 1);
      for (const e of events) {
        assert.equal(e.engine, engine.name);
        assert.doesNotMatch(e.sql, /secret/);
        assert.match(e.sql, engine.name === "postgres" ? /\$1/ : /\?/);
        assert.ok(e.durationMs >= 0 && e.waitMs >= 0);
        assert.equal(e.attempt, 1);
        assert.equal(e.inTransaction, false);
        assert.equal(e.slow, false);
        assert.equal(e.error, undefined);
      }
    });

    it("reports a failed statement with its polysql error", async () => {
      events.length = 0;
      await assert.rejects(db.execute(`INSERT INTO ${table} (id, name) VALUES (:id, :name)`, { id: 2, name: "secret-ada" }));
      assert.equal(events.length, 1);
      assert.equal(events[0].error?.code, "unique_violation");
      assert.equal(events[0].rowCount, 0);
    });

    it("marks the statements of a transaction, BEGIN and COMMIT included", async () => {
      events.length = 0;
      await db.transaction(async (tx) => {
        await tx.execute(`UPDATE ${table} SET name = :name WHERE id = :id`, { id: 1, name: "ada" });
      });
      assert.ok(events.length >= 3, events.map((e) => e.sql).join(" | "));
      assert.ok(events.every((e) => e.inTransaction));
      const update = events.find((e) => e.operation === "UPDATE");
      assert.equal(update?.collection, table);
      assert.equal(events.at(-1)?.operation, "COMMIT");
    });

    it("reports an insertMany batch with its size, and a stream once with its rows", async () => {
      events.length = 0;
      await db.insertMany(
        table,
        [2, 3, 4].map((id) => ({ id, name: `n${id}` })),
      );
      const batch = events.find((e) => e.batchSize !== undefined);
      assert.equal(batch?.batchSize, 3);
      assert.equal(batch?.operation, "INSERT");
      events.length = 0;
      let n = 0;
      for await (const _ of db.stream(`SELECT * FROM ${table} ORDER BY id`)) n++;
      assert.equal(n, 4);
      const streamed = events.filter((e) => e.operation === "SELECT");
      assert.equal(streamed.length, 1);
      assert.equal(streamed[0].rowCount, 4);
    });

    it("marks slow statements, and a hook that throws never breaks a query (one warning)", async () => {
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on("warning", onWarning);
      const seen: QueryEvent[] = [];
      const slowDb = await open(engine, {
        slowQueryMs: 0.000_001,
        telemetry: false,
        onQuery: (e: QueryEvent) => {
          seen.push(e);
          throw new Error("hook bug");
        },
      });
      try {
        assert.equal(await slowDb.value("SELECT 1"), 1);
        assert.equal(await slowDb.value("SELECT 2"), 2);
        await new Promise((r) => setImmediate(r));
        assert.ok(seen.length >= 2 && seen.every((e) => e.slow));
        const ours = warnings.filter((w) => (w as { code?: string }).code === "POLYSQL_ON_QUERY");
        assert.equal(ours.length, 1);
      } finally {
        process.off("warning", onWarning);
        await slowDb.close();
      }
    });

    it("OpenTelemetry: a CLIENT span per statement with the conventions' attributes, metrics, parentage, no values", async () => {
      const o = otel();
      const traced = await open(engine, { telemetry: { tracerProvider: o.tracerProvider, meterProvider: o.meterProvider } });
      try {
        o.spans.reset();
        await traced.all(`SELECT id, name FROM ${table} WHERE id = :id`, { id: 1 });
        await assert.rejects(traced.execute(`INSERT INTO ${table} (id, name) VALUES (:id, :name)`, { id: 1, name: "secret-dup" }));
        await traced.transaction(async (tx) => {
          await tx.execute(`UPDATE ${table} SET name = :name WHERE id = :id`, { id: 1, name: "secret-tx" });
        });
        const spans = o.spans.getFinishedSpans();
        const select = spans.find((s) => s.name === `SELECT ${table}`) as ReadableSpan;
        assert.ok(select, spans.map((s) => s.name).join(", "));
        assert.equal(select.kind, SpanKind.CLIENT);
        const a = select.attributes;
        assert.ok(SYSTEMS[engine.name].includes(a["db.system.name"] as string), String(a["db.system.name"]));
        if (engine.name === "mysql")
          assert.equal(a["db.system.name"], (await traced.value<string>("SELECT VERSION()"))?.includes("MariaDB") ? "mariadb" : "mysql");
        assert.equal(a["db.operation.name"], "SELECT");
        assert.equal(a["db.collection.name"], table);
        assert.match(a["db.query.text"] as string, new RegExp(`^SELECT id, name FROM ${table} WHERE id = (\\$1|\\?)$`));
        assert.equal(typeof a["db.namespace"], "string");
        if (engine.name === "sqlite") {
          assert.equal(a["server.address"], undefined);
        } else {
          assert.equal(a["server.address"], "127.0.0.1");
          assert.equal(a["server.port"], Number(new URL(engine.url).port));
        }
        assert.equal(a["error.type"], undefined);
        const failed = spans.find((s) => s.name === `INSERT ${table}` && s.status.code === SpanStatusCode.ERROR) as ReadableSpan;
        assert.ok(failed);
        assert.equal(failed.attributes["error.type"], "unique_violation");
        assert.equal(typeof failed.attributes["db.response.status_code"], "string");
        const txSpan = spans.find((s) => s.name === "transaction") as ReadableSpan;
        assert.ok(txSpan);
        const update = spans.find((s) => s.name === `UPDATE ${table}`) as ReadableSpan;
        assert.equal(update.parentSpanContext?.spanId, txSpan.spanContext().spanId);
        assert.equal(update.spanContext().traceId, txSpan.spanContext().traceId);
        assert.equal(select.parentSpanContext, undefined);
        for (const s of spans) {
          for (const [key, value] of Object.entries(s.attributes)) {
            assert.ok(!key.startsWith("db.query.parameter."), key);
            assert.doesNotMatch(String(value), /secret/);
          }
        }

        const m = await o.collect();
        const duration = metric(m, "db.client.operation.duration");
        assert.equal(duration.descriptor.unit, "s");
        const points = duration.dataPoints as { attributes: Record<string, unknown>; value: { buckets: { boundaries: number[] } } }[];
        assert.deepEqual(points[0].value.buckets.boundaries, BUCKETS);
        const selectPoint = points.find((p) => p.attributes["db.operation.name"] === "SELECT" && p.attributes["db.collection.name"] === table);
        assert.ok(selectPoint);
        assert.equal(selectPoint.attributes["db.query.text"], undefined);
        assert.ok(points.some((p) => p.attributes["error.type"] === "unique_violation"));
        const count = metric(m, "db.client.connection.count");
        assert.equal(count.descriptor.unit, "{connection}");
        const states = count.dataPoints.map((p) => p.attributes["db.client.connection.state"]).sort();
        assert.deepEqual(states, ["idle", "used"]);
        for (const [name, unit] of [
          ["db.client.connection.idle.max", "{connection}"],
          ["db.client.connection.idle.min", "{connection}"],
          ["db.client.connection.max", "{connection}"],
          ["db.client.connection.pending_requests", "{request}"],
          ["db.client.connection.timeouts", "{timeout}"],
          ["db.client.connection.create_time", "s"],
          ["db.client.connection.wait_time", "s"],
          ["db.client.connection.use_time", "s"],
        ]) {
          const found = metric(m, name);
          assert.equal(found.descriptor.unit, unit, name);
          assert.ok(found.dataPoints.length > 0, name);
          for (const p of found.dataPoints) assert.equal(typeof p.attributes["db.client.connection.pool.name"], "string", name);
        }
      } finally {
        await traced.close();
        await o.shutdown();
      }
    });

    it("OpenTelemetry: parameter values only on opt-in; insertMany batch size; migrate spans parent their statements", async () => {
      const o = otel();
      const traced = await open(engine, { telemetry: { tracerProvider: o.tracerProvider, meterProvider: o.meterProvider, parameters: true } });
      try {
        o.spans.reset();
        await traced.all(`SELECT id FROM ${table} WHERE name = :name AND id > :id`, { name: "secret-opt-in", id: 0 });
        const select = o.spans.getFinishedSpans().find((s) => s.name === `SELECT ${table}`) as ReadableSpan;
        assert.equal(select.attributes["db.query.parameter.0"], "secret-opt-in");
        assert.equal(select.attributes["db.query.parameter.1"], 0);
        o.spans.reset();
        await traced.insertMany(
          table,
          [10, 11].map((id) => ({ id, name: `m${id}` })),
        );
        const batch = o.spans.getFinishedSpans().find((s) => s.attributes["db.operation.batch.size"] !== undefined);
        assert.equal(batch?.attributes["db.operation.batch.size"], 2);
        assert.equal(batch?.attributes["db.operation.name"], "INSERT");

        // migrate's history table and lock are per database: on the shared servers only SQLite (a file of its own) runs it here.
        if (engine.name === "sqlite") {
          const migTable = `${TAG}_mig`;
          const dir = migrationDir({ "V1__create.sql": `CREATE TABLE ${migTable} (id INTEGER PRIMARY KEY);` });
          o.spans.reset();
          const result = await migrate(traced, { dir });
          assert.ok(result.ok, String(result.error));
          const spans = o.spans.getFinishedSpans();
          const mig = spans.find((s) => s.name === "migrate 1") as ReadableSpan;
          assert.ok(mig, spans.map((s) => s.name).join(", "));
          const create = spans.find((s) => s.name === `CREATE TABLE ${migTable}`) as ReadableSpan;
          assert.equal(create.parentSpanContext?.spanId, mig.spanContext().spanId);
        }
      } finally {
        await traced.close();
        await o.shutdown();
      }
    });
  });
}
