import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { metrics, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { connect, migrate, PolysqlError, type Database, type QueryEvent } from "../src/index.js";
import { until } from "./support/cluster.js";
import { engines, open } from "./support/engines.js";
import { migrationDir } from "./support/migration-files.js";
import { TcpProxy } from "./support/tcp-proxy.js";

// The onQuery hook and OpenTelemetry (the real SDK, in-memory exporters) on every engine.
// Table names start with ob_ and the process id (the servers are shared).

const TAG = `ob${process.pid}`;
const SYSTEMS: Record<string, string[]> = { sqlite: ["sqlite"], postgres: ["postgresql"], mysql: ["mysql", "mariadb"] };
/** The conventions' bucket boundaries for db.client.operation.duration (seconds). */
const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
/** A duplicate primary key: the engine's code as `error.engineCode` has it, and as `db.response.status_code` (the MySQL/MariaDB conventions: the error number). */
const DUPLICATE_KEY: Record<string, { engineCode: string; status: string }> = {
  postgres: { engineCode: "23505", status: "23505" },
  mysql: { engineCode: "ER_DUP_ENTRY", status: "1062" },
  sqlite: { engineCode: "SQLITE_CONSTRAINT_PRIMARYKEY", status: "SQLITE_CONSTRAINT_PRIMARYKEY" },
};

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

/** The attributes every span and duration of a database carries (the conventions' common ones), as this engine's URL gives them. */
function commonAttributes(engine: { name: string; url: string }, system: string): Record<string, unknown> {
  if (engine.name === "sqlite") return { "db.system.name": system, "db.namespace": engine.url.slice("sqlite:".length) };
  const u = new URL(engine.url);
  return { "db.system.name": system, "db.namespace": u.pathname.slice(1), "server.address": u.hostname, "server.port": Number(u.port) };
}

/** Only the attributes whose keys are listed, with the given values: nothing missing, nothing else. */
function assertAttributes(actual: Record<string, unknown>, expected: Record<string, unknown>, what: string): void {
  assert.deepEqual({ ...actual }, expected, what);
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
        // Per pool (SQLite files have a second one, their readers), one point per state.
        const pools = new Set(count.dataPoints.map((p) => p.attributes["db.client.connection.pool.name"]));
        assert.equal(pools.size, engine.name === "sqlite" ? 2 : 1);
        for (const pool of pools) {
          const states = count.dataPoints
            .filter((p) => p.attributes["db.client.connection.pool.name"] === pool)
            .map((p) => p.attributes["db.client.connection.state"]);
          assert.deepEqual(states.sort(), ["idle", "used"], String(pool));
        }
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
    it("OpenTelemetry, attribute by attribute: exactly the conventions' attributes on spans and durations, the engine's status code, the hook and the histogram agree", async () => {
      const o = otel();
      const heard: QueryEvent[] = [];
      const traced = await open(engine, {
        onQuery: (e: QueryEvent) => heard.push(e),
        telemetry: { tracerProvider: o.tracerProvider, meterProvider: o.meterProvider },
      });
      try {
        const system =
          engine.name === "mysql" ? ((await traced.value<string>("SELECT VERSION()"))?.includes("MariaDB") ? "mariadb" : "mysql") : SYSTEMS[engine.name][0];
        const common = commonAttributes(engine, system);
        o.spans.reset();
        heard.length = 0;
        await o.collect();
        const before = await o.collect();
        const countBefore = (metric(before, "db.client.operation.duration").dataPoints as { value: { count: number } }[]).reduce(
          (n, p) => n + p.value.count,
          0,
        );

        await traced.all(`SELECT id, name FROM ${table} WHERE id = :id`, { id: 1 });
        const failure = await traced.execute(`INSERT INTO ${table} (id, name) VALUES (:id, :name)`, { id: 1, name: "secret-dup" }).catch((e: unknown) => e);
        assert.ok(failure instanceof PolysqlError && failure.code === "unique_violation", String(failure));
        await traced.value("SELECT 1");
        const spans = o.spans.getFinishedSpans();

        const select = spans.find((s) => s.name === `SELECT ${table}`) as ReadableSpan;
        assertAttributes(
          select.attributes,
          { ...common, "db.operation.name": "SELECT", "db.collection.name": table, "db.query.text": heard[0].sql },
          "SELECT span",
        );
        assert.equal(select.status.code, SpanStatusCode.UNSET);
        assert.equal(select.instrumentationScope.name, "polysql");
        // The span covers the statement: it starts before and ends after what the hook measured.
        const spanMs = (select.duration[0] * 1e9 + select.duration[1]) / 1e6;
        assert.ok(Math.abs(spanMs - heard[0].durationMs) < 1, `span ${spanMs} ms, hook ${heard[0].durationMs} ms`);

        const insert = spans.find((s) => s.name === `INSERT ${table}`) as ReadableSpan;
        assert.equal(failure.engineCode, DUPLICATE_KEY[engine.name].engineCode);
        assertAttributes(
          insert.attributes,
          {
            ...common,
            "db.operation.name": "INSERT",
            "db.collection.name": table,
            "db.query.text": heard[1].sql,
            "error.type": "unique_violation",
            "db.response.status_code": DUPLICATE_KEY[engine.name].status,
          },
          "failed INSERT span",
        );
        assert.equal(insert.status.code, SpanStatusCode.ERROR);
        assert.equal(insert.status.message, failure.message);

        // No table: the span is named by the operation alone, and has no db.collection.name.
        const one = spans.find((s) => s.name === "SELECT") as ReadableSpan;
        assertAttributes(one.attributes, { ...common, "db.operation.name": "SELECT", "db.query.text": "SELECT 1" }, "SELECT 1 span");

        const m = await o.collect();
        const points = metric(m, "db.client.operation.duration").dataPoints as {
          attributes: Record<string, unknown>;
          value: { count: number; sum?: number };
        }[];
        const selectPoint = points.find((p) => p.attributes["db.collection.name"] === table && p.attributes["db.operation.name"] === "SELECT");
        assert.ok(selectPoint);
        assertAttributes(selectPoint.attributes, { ...common, "db.operation.name": "SELECT", "db.collection.name": table }, "SELECT duration point");
        const failedPoint = points.find((p) => p.attributes["error.type"] !== undefined);
        assert.ok(failedPoint);
        assertAttributes(
          failedPoint.attributes,
          {
            ...common,
            "db.operation.name": "INSERT",
            "db.collection.name": table,
            "error.type": "unique_violation",
            "db.response.status_code": DUPLICATE_KEY[engine.name].status,
          },
          "failed INSERT duration point",
        );
        // One duration per statement the hook heard, and no value anywhere in the metrics.
        const countAfter = points.reduce((n, p) => n + p.value.count, 0);
        assert.equal(countAfter - countBefore, heard.length, heard.map((e) => e.sql).join(" | "));
        for (const scope of m.scopeMetrics)
          for (const x of scope.metrics) for (const p of x.dataPoints) assert.doesNotMatch(JSON.stringify(p.attributes), /secret/, x.descriptor.name);
        for (const e of heard) assert.doesNotMatch(e.sql, /secret/);
      } finally {
        await traced.close();
        await o.shutdown();
      }
    });

    it("OpenTelemetry: a transaction's span parents all its statements, BEGIN and COMMIT included, and carries the common attributes", async () => {
      const o = otel();
      const traced = await open(engine, { telemetry: { tracerProvider: o.tracerProvider } });
      try {
        o.spans.reset();
        await traced.transaction(async (tx) => {
          await tx.value(`SELECT COUNT(*) FROM ${table}`);
          await tx.execute(`UPDATE ${table} SET name = name WHERE id = :id`, { id: 1 });
        });
        const spans = o.spans.getFinishedSpans();
        const tx = spans.find((s) => s.name === "transaction") as ReadableSpan;
        assert.ok(tx, spans.map((s) => s.name).join(", "));
        assert.equal(tx.kind, SpanKind.INTERNAL);
        assert.equal(tx.parentSpanContext, undefined);
        const system = tx.attributes["db.system.name"] as string;
        assert.ok(SYSTEMS[engine.name].includes(system));
        for (const [k, v] of Object.entries(commonAttributes(engine, system))) assert.equal(tx.attributes[k], v, k);
        const children = spans.filter((s) => s !== tx);
        assert.ok(children.length >= 4, children.map((s) => s.name).join(", "));
        for (const s of children) {
          assert.equal(s.kind, SpanKind.CLIENT);
          assert.equal(s.parentSpanContext?.spanId, tx.spanContext().spanId, s.name);
          assert.equal(s.spanContext().traceId, tx.spanContext().traceId, s.name);
        }
        assert.ok(children.some((s) => s.name === `SELECT ${table}`) && children.some((s) => s.name === `UPDATE ${table}`));
        assert.equal(children.at(-1)?.name, "COMMIT");
        // After the transaction, statements are roots again.
        o.spans.reset();
        await traced.value("SELECT 1");
        assert.equal(o.spans.getFinishedSpans()[0].parentSpanContext, undefined);
      } finally {
        await traced.close();
        await o.shutdown();
      }
    });

    it("a statement that waited for the only connection reports the wait (hook waitMs, wait_time, pending_requests)", async () => {
      const o = otel();
      const heard: QueryEvent[] = [];
      // On SQLite, reads would go to the reader connections: one connection for everything here.
      const single = await open(engine, {
        pool: { max: 1 },
        ...(engine.name === "sqlite" ? { readers: 0 } : {}),
        onQuery: (e: QueryEvent) => heard.push(e),
        telemetry: { tracerProvider: o.tracerProvider, meterProvider: o.meterProvider },
      });
      try {
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const tx = single.transaction(async (t) => {
          await t.value("SELECT 1");
          await gate;
        });
        await until(() => single.metrics().active === 1, 5_000, "the transaction holding the connection");
        const waiting = single.value("SELECT 2 AS waited");
        await until(() => single.metrics().waiting === 1, 5_000, "a caller waiting for the connection");
        const during = await o.collect();
        const pending = metric(during, "db.client.connection.pending_requests").dataPoints;
        assert.equal(pending.length, 1);
        assert.equal(pending[0].value, 1);
        const used = metric(during, "db.client.connection.count").dataPoints.find((p) => p.attributes["db.client.connection.state"] === "used");
        assert.equal(used?.value, 1);
        await sleep(60);
        release();
        await tx;
        assert.equal(await waiting, 2);
        const event = heard.find((e) => e.sql.includes("waited"));
        assert.ok(event && event.waitMs >= 50, `waitMs ${event?.waitMs}`);
        assert.equal(event.inTransaction, false);
        const after = await o.collect();
        const waits = metric(after, "db.client.connection.wait_time").dataPoints as { value: { max?: number; sum: number } }[];
        assert.equal(waits.length, 1);
        assert.ok((waits[0].value.max ?? waits[0].value.sum) >= 0.05, JSON.stringify(waits[0].value));
        const uses = metric(after, "db.client.connection.use_time").dataPoints as { value: { max?: number } }[];
        assert.ok((uses[0].value.max ?? 0) >= 0.05, "the transaction held its connection at least 60 ms");
      } finally {
        await single.close();
        await o.shutdown();
      }
    });

    it("SQLite's reader connections are a pool of their own in the connection metrics", {
      skip: engine.name !== "sqlite" && "only SQLite files have reader connections",
    }, async () => {
      const o = otel();
      const traced = await open(engine, { telemetry: { meterProvider: o.meterProvider } });
      try {
        await traced.value(`SELECT COUNT(*) FROM ${table}`);
        await traced.execute(`UPDATE ${table} SET name = name WHERE id = 1`);
        const file = engine.url.slice("sqlite:".length);
        const m = await o.collect();
        const names = (metricName: string) => new Set(metric(m, metricName).dataPoints.map((p) => p.attributes["db.client.connection.pool.name"]));
        for (const name of ["db.client.connection.count", "db.client.connection.max", "db.client.connection.use_time", "db.client.connection.create_time"]) {
          assert.deepEqual(names(name), new Set([file, `${file} (readers)`]), name);
        }
        const readersMax = metric(m, "db.client.connection.max").dataPoints.find((p) => p.attributes["db.client.connection.pool.name"] === `${file} (readers)`);
        assert.equal(readersMax?.value, traced.metrics().readers?.max);
      } finally {
        await traced.close();
        await o.shutdown();
      }
    });

    it("a statement retried after a refused connection is reported once, with attempt 2", {
      skip: engine.name === "sqlite" && "no network: a SQLite file does not refuse a connection",
    }, async () => {
      const u = new URL(engine.url);
      const proxy = await TcpProxy.start({ host: u.hostname, port: Number(u.port) }, 30_000);
      const viaProxy = new URL(engine.url);
      viaProxy.hostname = "127.0.0.1";
      viaProxy.port = String(proxy.port);
      const heard: QueryEvent[] = [];
      const db2 = await connect({
        url: viaProxy.toString(),
        telemetry: false,
        onQuery: (e: QueryEvent) => heard.push(e),
        pool: { min: 0, idleTimeoutMs: 50 },
        retry: { retries: 2, baseDelayMs: 5 },
      });
      try {
        await until(() => db2.metrics().total === 0, 5_000, "the pool drained");
        heard.length = 0;
        const accepted = proxy.accepted;
        proxy.resetNext(1);
        assert.equal(await db2.value("SELECT 3 AS retried"), 3);
        assert.equal(proxy.accepted, accepted + 2, "one refused connection, one that worked");
        const events = heard.filter((e) => e.sql.includes("retried"));
        assert.equal(events.length, 1);
        assert.equal(events[0].attempt, 2);
        assert.equal(events[0].error, undefined);
        assert.equal(events[0].rowCount, 1);
      } finally {
        await db2.close();
        await proxy.close();
      }
    });
  });
}

describe("OpenTelemetry's global providers", () => {
  /** The observer a database reports its statements to; absent means statements are not measured at all. */
  const observerOf = (db: Database) => (db as unknown as { sessions: { observer?: unknown } }).sessions.observer;
  const url = () => engines().find((e) => e.name === "sqlite")?.url ?? "sqlite::memory:";

  it("no hook and no SDK registered: no observer at all; an SDK registered globally before connect() is used; telemetry: false turns it off", async () => {
    const quiet = await connect(url());
    const o = otel();
    try {
      assert.equal(observerOf(quiet), undefined);
      assert.equal(await quiet.value("SELECT 1"), 1);

      assert.ok(trace.setGlobalTracerProvider(o.tracerProvider));
      assert.ok(metrics.setGlobalMeterProvider(o.meterProvider));
      const traced = await connect(url());
      const off = await connect({ url: url(), telemetry: false });
      try {
        assert.notEqual(observerOf(traced), undefined);
        assert.equal(observerOf(off), undefined);
        o.spans.reset();
        await traced.value("SELECT 41");
        await off.value("SELECT 42");
        await quiet.value("SELECT 43");
        assert.deepEqual(
          o.spans.getFinishedSpans().map((s) => s.attributes["db.query.text"]),
          ["SELECT 41"],
        );
        const m = await o.collect();
        const texts = metric(m, "db.client.operation.duration").dataPoints.map((p) => p.attributes["db.operation.name"]);
        assert.ok(texts.includes("SELECT"));
      } finally {
        await traced.close();
        await off.close();
      }
    } finally {
      trace.disable();
      metrics.disable();
      await quiet.close();
      await o.shutdown();
    }
  });
});
