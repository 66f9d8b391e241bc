/**
 * The OpenTelemetry SDK as the observability scenario ("obs", issue 15) runs it: the real
 * `BasicTracerProvider` with a `BatchSpanProcessor` (what a production setup uses; its defaults:
 * batches of 512) into the SDK's `InMemorySpanExporter`, and a `MeterProvider` whose
 * `PeriodicExportingMetricReader` exports to the SDK's `InMemoryMetricExporter` every second.
 *
 * A real exporter sends a batch and forgets it; the in-memory one keeps every span it is given, so
 * over a run the heap would grow by every span and the garbage collector's work with it. Here the
 * exporter drops what it holds before taking the next batch (it holds at most one batch), and counts
 * what it was given so the run can check that every statement produced a span and a duration.
 */
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, type ReadableSpan, type Sampler } from "@opentelemetry/sdk-trace-base";

type ExportDone = Parameters<InMemorySpanExporter["export"]>[1];
/** `ExportResultCode.SUCCESS` of @opentelemetry/core (not a dependency of polysql's own). */
const SUCCESS = 0 as Parameters<ExportDone>[0]["code"];

/**
 * The SDK's in-memory span exporter, keeping only the last batch, counting the spans it was given,
 * and reporting each export done at once: the SDK's own reports it in a `setTimeout`, which a
 * benchmark loop that never yields to the event loop (SQLite's synchronous path) would hold back
 * until the processor's queue (2,048 spans) overflowed and dropped spans, measuring less work.
 */
class LastBatchExporter extends InMemorySpanExporter {
  exported = 0;
  override export(spans: ReadableSpan[], done: ExportDone): void {
    this.exported += spans.length;
    this.reset();
    super.export(spans, () => undefined);
    done({ code: SUCCESS });
  }
}

export interface InMemoryOtel {
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  /** Flushes both providers; returns the spans exported and the `db.client.operation.duration` count, then shuts them down. */
  finish(): Promise<{ spans: number; durations: number }>;
}

/** `sampler`: the tracer provider's (default the SDK's: every span recorded). */
export function inMemoryOtel(sampler?: Sampler): InMemoryOtel {
  const spans = new LastBatchExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans)], ...(sampler === undefined ? {} : { sampler }) });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 1_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    async finish() {
      await tracerProvider.forceFlush();
      metrics.reset();
      await reader.forceFlush();
      let durations = 0;
      for (const resource of metrics.getMetrics())
        for (const scope of resource.scopeMetrics)
          for (const m of scope.metrics)
            if (m.descriptor.name === "db.client.operation.duration") for (const p of (m as HistogramMetricData).dataPoints) durations += p.value.count;
      const exported = spans.exported;
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      return { spans: exported, durations };
    },
  };
}
