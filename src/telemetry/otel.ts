import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import type * as Api from "@opentelemetry/api";
import { checkKnownKeys } from "../config/options.js";
import { ConfigError, DriverMissingError, PolysqlError } from "../errors.js";

const require = createRequire(import.meta.url);
const PACKAGE = "@opentelemetry/api";
/** polysql's version as the instrumentation scope's version. */
const SCOPE_VERSION: string = (require("../../package.json") as { version: string }).version;

/**
 * `connect({ telemetry })`: `false` turns OpenTelemetry off; an object overrides the global
 * providers (`tracerProvider`, `meterProvider`, each any object with `getTracer` / `getMeter`)
 * and `parameters: true` records parameter values as `db.query.parameter.<name>`.
 */
export interface TelemetryOptions {
  /** An OpenTelemetry `TracerProvider`; default the global one (`trace.getTracerProvider()`). */
  tracerProvider?: { getTracer(name: string, version?: string): unknown };
  /** An OpenTelemetry `MeterProvider`; default the global one (`metrics.getMeterProvider()`). */
  meterProvider?: { getMeter(name: string, version?: string): unknown };
  /** Record bound values on spans as `db.query.parameter.<i>`, `i` the 0-based position of the value in the statement as sent (its `$1`/`?` in `db.query.text`). Default false. */
  parameters?: boolean;
}

/** `db.client.operation.duration` and the pool's timing histograms, per the database conventions (seconds). */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** The polysql span that statements started in this async context belong to (a transaction, a migration). */
const parents = new AsyncLocalStorage<Api.Span>();

/** Who the spans and metrics describe: the conventions' common attributes. */
export interface OtelTarget {
  system: string;
  namespace?: string;
  address?: string;
  port?: number;
  poolName: string;
}

/** One finished statement, as the instruments record it (`StatementEnd` in observer.ts is the same shape). */
export interface OtelStatement {
  sql: string;
  values: readonly unknown[];
  /** `performance.now()` when the statement was sent. */
  start: number;
  batchSize?: number;
  error?: unknown;
}

/**
 * What the instruments record of one SQL text, built once per text (and per `identify`): the span's
 * name, the span's attributes and the duration's attributes. Reused by every execution of the text,
 * so a statement costs the SDK's own work and a map lookup, not the building of two attribute sets.
 */
export interface StatementShape {
  readonly name: string;
  readonly span: Readonly<Api.Attributes>;
  readonly metric: Readonly<Api.Attributes>;
}

/** Texts whose shape is kept, at most (the cache is cleared past it, like the lexer's). */
const SHAPES_MAX = 2_000;
/** Longer texts are not cached (a generated statement is rarely run twice). */
const SHAPE_TEXT_MAX = 4_096;

/** The pool state the connection metrics observe. */
export interface OtelPoolState {
  idle: number;
  used: number;
  pending: number;
  timeouts: number;
  max: number;
  min: number;
}

/**
 * Resolves `connect({ telemetry })` to the instruments to use, or undefined when there is nothing
 * to record: `false`, `@opentelemetry/api` not installed (an error only when the option asked for
 * telemetry), or no SDK registered globally (and no provider given): the hot path then costs nothing.
 */
export function resolveTelemetry(option: unknown): OtelInstruments | undefined {
  if (option === false) return undefined;
  if (option !== undefined && (option === null || typeof option !== "object")) {
    throw new ConfigError(`Option "telemetry" must be false or an object { tracerProvider?, meterProvider?, parameters? }`);
  }
  const given = option as TelemetryOptions | undefined;
  if (given !== undefined) {
    checkKnownKeys("telemetry", given, ["tracerProvider", "meterProvider", "parameters"]);
    if (given.parameters !== undefined && typeof given.parameters !== "boolean") throw new ConfigError(`Option "telemetry.parameters" must be a boolean`);
  }
  const api = loadApi(given !== undefined);
  if (api === undefined) return undefined;
  const tracerProvider = (given?.tracerProvider as Api.TracerProvider | undefined) ?? api.trace.getTracerProvider();
  const meterProvider = (given?.meterProvider as Api.MeterProvider | undefined) ?? api.metrics.getMeterProvider();
  const tracing = given?.tracerProvider !== undefined || !isNoop(tracerProvider, "NoopTracerProvider");
  const metering = given?.meterProvider !== undefined || !isNoop(meterProvider, "NoopMeterProvider");
  if (!tracing && !metering) return undefined;
  return new OtelInstruments(api, tracing ? tracerProvider : undefined, metering ? meterProvider : undefined, given?.parameters === true);
}

/** The API package, loaded on first use; a missing one is an error only when asked for. */
function loadApi(required: boolean): typeof Api | undefined {
  try {
    return require(PACKAGE) as typeof Api;
  } catch (err) {
    if ((err as { code?: string }).code === "MODULE_NOT_FOUND" && String((err as Error).message).includes(PACKAGE)) {
      if (required) throw new DriverMissingError(PACKAGE, "telemetry", err);
      return undefined;
    }
    throw err;
  }
}

/** True for the API's no-op provider (nothing registered), seen through the global proxy. */
function isNoop(provider: object, name: string): boolean {
  const delegate = (provider as { getDelegate?: () => object }).getDelegate?.() ?? provider;
  return delegate.constructor?.name === name;
}

/**
 * Spans and metrics per OpenTelemetry's stable database semantic conventions: a CLIENT span per
 * statement, `db.client.operation.duration`, and the `db.client.connection.*` pool metrics.
 */
export class OtelInstruments {
  private readonly tracer?: Api.Tracer;
  private readonly meter?: Api.Meter;
  private readonly duration?: Api.Histogram;
  private readonly createTime?: Api.Histogram;
  private readonly waitTime?: Api.Histogram;
  private readonly useTime?: Api.Histogram;
  private target: OtelTarget = { system: "unknown", poolName: "unknown" };
  private common: Api.Attributes = {};
  /** Per pool (by the suffix of its name), `{ db.client.connection.pool.name }`: one object for all its records. */
  private poolNames = new Map<string, Api.Attributes>();
  /** The pools observed (a database's, and its SQLite readers'), by the suffix of their name. */
  private readonly pools: { suffix: string; state: () => OtelPoolState }[] = [];
  private shapes = new Map<string, StatementShape>();
  private observers: { instruments: Api.Observable[]; callback: Api.BatchObservableCallback } | undefined;
  /** `db.response.status_code` of a failure: the dialect's rule (`Dialect.responseStatusCode`), else the engine's code. */
  responseStatusCode: (err: PolysqlError) => string | undefined = (err) => err.engineCode;

  constructor(
    private readonly api: typeof Api,
    tracerProvider: Api.TracerProvider | undefined,
    meterProvider: Api.MeterProvider | undefined,
    /** Record parameter values (opt-in). */
    readonly parameters: boolean,
  ) {
    this.tracer = tracerProvider?.getTracer("polysql", SCOPE_VERSION);
    const meter = (this.meter = meterProvider?.getMeter("polysql", SCOPE_VERSION));
    if (meter === undefined) return;
    const seconds = (name: string, description: string) =>
      meter.createHistogram(name, { unit: "s", description, advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
    this.duration = seconds("db.client.operation.duration", "Duration of database client operations.");
    this.createTime = seconds("db.client.connection.create_time", "The time it took to create a new connection.");
    this.waitTime = seconds("db.client.connection.wait_time", "The time it took to obtain an open connection from the pool.");
    this.useTime = seconds("db.client.connection.use_time", "The time between borrowing a connection and returning it to the pool.");
  }

  /** Sets who the telemetry describes (after connecting, when the server's identity is known). */
  identify(target: OtelTarget): void {
    this.target = target;
    const common: Api.Attributes = { "db.system.name": target.system };
    if (target.namespace !== undefined) common["db.namespace"] = target.namespace;
    if (target.address !== undefined) common["server.address"] = target.address;
    if (target.port !== undefined) common["server.port"] = target.port;
    this.common = common;
    this.poolNames = new Map();
    this.shapes = new Map();
  }

  /** The cached shape of a text, if any. */
  shapeOf(sql: string): StatementShape | undefined {
    return this.shapes.get(sql);
  }

  /** Builds (and caches) what the instruments record of a text, from what the lexer found in it. */
  shape(sql: string, operation: string | undefined, collection: string | undefined): StatementShape {
    const metric: Api.Attributes = { ...this.common };
    if (operation !== undefined) metric["db.operation.name"] = operation;
    if (collection !== undefined) metric["db.collection.name"] = collection;
    const span: Api.Attributes = { ...metric, "db.query.text": sql };
    const name = operation === undefined ? this.target.system : collection === undefined ? operation : `${operation} ${collection}`;
    const shape: StatementShape = { name, span, metric };
    if (sql.length <= SHAPE_TEXT_MAX) {
      if (this.shapes.size >= SHAPES_MAX) this.shapes.clear();
      this.shapes.set(sql, shape);
    }
    return shape;
  }

  /**
   * Records one finished statement (`end`: `performance.now()` at its end): its span, parented to the
   * current transaction or migration span, and its duration. The common case (no error, no batch, no
   * parameters) passes the shape's attribute objects as they are: the SDK copies span attributes and
   * only reads metric attributes.
   */
  statement(shape: StatementShape, s: OtelStatement, end: number): void {
    const failure = s.error === undefined ? undefined : errorAttributes(s.error, this.responseStatusCode);
    if (this.duration !== undefined) {
      this.duration.record((end - s.start) / 1000, failure === undefined ? shape.metric : { ...shape.metric, ...failure });
    }
    const tracer = this.tracer;
    if (tracer === undefined) return;
    let attributes = shape.span;
    const batch = s.batchSize !== undefined && s.batchSize >= 2;
    if (failure !== undefined || batch || (this.parameters && s.values.length > 0)) {
      const extra: Api.Attributes = { ...attributes };
      if (batch) extra["db.operation.batch.size"] = s.batchSize;
      if (this.parameters) {
        for (let i = 0; i < s.values.length; i++) extra[`db.query.parameter.${i}`] = parameterValue(s.values[i]);
      }
      if (failure !== undefined) Object.assign(extra, failure);
      attributes = extra;
    }
    // Times are performance.now() values: the SDK converts them (with its clock-drift correction).
    const parent = parents.getStore();
    const options: Api.SpanOptions = { kind: this.api.SpanKind.CLIENT, startTime: s.start, attributes };
    const span =
      parent === undefined
        ? tracer.startSpan(shape.name, options)
        : tracer.startSpan(shape.name, options, this.api.trace.setSpan(this.api.context.active(), parent));
    if (s.error !== undefined) span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: (s.error as Error).message });
    span.end(end);
  }

  /** Runs `fn` inside a span (a transaction, a migration) that the statements it runs are children of. */
  async within<T>(name: string, attributes: Record<string, string | number>, fn: () => Promise<T>): Promise<T> {
    const tracer = this.tracer;
    if (tracer === undefined) return fn();
    const span = tracer.startSpan(name, { kind: this.api.SpanKind.INTERNAL, attributes: { ...this.common, ...attributes } }, this.parentContext());
    try {
      return await parents.run(span, fn);
    } catch (err) {
      const failure = errorAttributes(err, this.responseStatusCode);
      span.setAttributes(failure);
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: (err as Error)?.message });
      throw err;
    } finally {
      span.end();
    }
  }

  /**
   * Registers a pool's metrics, read from `state` at each collection. `suffix` tells a second pool of
   * the same database apart (SQLite's readers: `" (readers)"`): its `db.client.connection.pool.name`
   * is the database's pool name followed by it.
   */
  observePool(state: () => OtelPoolState, suffix = ""): void {
    const meter = this.meter;
    if (meter === undefined) return;
    this.pools.push({ suffix, state });
    if (this.observers !== undefined) return;
    const count = meter.createObservableUpDownCounter("db.client.connection.count", {
      unit: "{connection}",
      description: "The number of connections that are currently in state described by the state attribute.",
    });
    const idleMax = meter.createObservableUpDownCounter("db.client.connection.idle.max", {
      unit: "{connection}",
      description: "The maximum number of idle open connections allowed.",
    });
    const idleMin = meter.createObservableUpDownCounter("db.client.connection.idle.min", {
      unit: "{connection}",
      description: "The minimum number of idle open connections allowed.",
    });
    const max = meter.createObservableUpDownCounter("db.client.connection.max", {
      unit: "{connection}",
      description: "The maximum number of open connections allowed.",
    });
    const pending = meter.createObservableUpDownCounter("db.client.connection.pending_requests", {
      unit: "{request}",
      description: "The number of current pending requests for an open connection.",
    });
    const timeouts = meter.createObservableCounter("db.client.connection.timeouts", {
      unit: "{timeout}",
      description: "The number of connection timeouts that have occurred trying to obtain a connection from the pool.",
    });
    const callback: Api.BatchObservableCallback = (result) => {
      for (const { suffix, state: read } of this.pools) {
        const s = read();
        const pool = this.poolAttributes(suffix);
        result.observe(count, s.idle, { ...pool, "db.client.connection.state": "idle" });
        result.observe(count, s.used, { ...pool, "db.client.connection.state": "used" });
        result.observe(idleMax, s.max, pool);
        result.observe(idleMin, s.min, pool);
        result.observe(max, s.max, pool);
        result.observe(pending, s.pending, pool);
        result.observe(timeouts, s.timeouts, pool);
      }
    };
    const instruments = [count, idleMax, idleMin, max, pending, timeouts];
    meter.addBatchObservableCallback(callback, instruments);
    this.observers = { instruments, callback };
  }

  /** The pool's timing histograms (ms in, seconds recorded); `suffix` as in `observePool`. */
  poolTime(which: "create" | "wait" | "use", ms: number, suffix = ""): void {
    const histogram = which === "create" ? this.createTime : which === "wait" ? this.waitTime : this.useTime;
    histogram?.record(ms / 1000, this.poolAttributes(suffix));
  }

  private poolAttributes(suffix: string): Api.Attributes {
    let attributes = this.poolNames.get(suffix);
    if (attributes === undefined) this.poolNames.set(suffix, (attributes = { "db.client.connection.pool.name": this.target.poolName + suffix }));
    return attributes;
  }

  /** Whether pool timings are recorded at all. */
  get metering(): boolean {
    return this.meter !== undefined;
  }

  /** Stops observing the pool (the database closed). */
  close(): void {
    if (this.observers !== undefined) this.meter?.removeBatchObservableCallback(this.observers.callback, this.observers.instruments);
    this.observers = undefined;
    this.pools.length = 0;
  }

  private parentContext(): Api.Context {
    const active = this.api.context.active();
    const parent = parents.getStore();
    return parent === undefined ? active : this.api.trace.setSpan(active, parent);
  }
}

/** `error.type` (polysql's code) and `db.response.status_code` (the engine's answer, when it gave one). */
function errorAttributes(err: unknown, statusCode: (err: PolysqlError) => string | undefined): Api.Attributes {
  if (!(err instanceof PolysqlError)) return { "error.type": (err as Error)?.name ?? "_OTHER" };
  const out: Api.Attributes = { "error.type": err.code };
  const status = statusCode(err);
  if (status !== undefined) out["db.response.status_code"] = status;
  return out;
}

/** A bound value as a span attribute: strings, numbers and booleans as they are, the rest as text. */
function parameterValue(value: unknown): string | number | boolean {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (value === null || value === undefined) return "NULL";
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  return String(value);
}
