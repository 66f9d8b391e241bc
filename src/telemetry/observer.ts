import { PolysqlError } from "../errors.js";
import { classifyStatement, type SqlSyntax } from "../sql/index.js";
import type { OtelInstruments, OtelStatement, OtelTarget } from "./otel.js";
import type { QueryEvent, QueryHook } from "./query-event.js";

/** How one statement ended, as the session tells the observer (what OpenTelemetry records, and the hook's fields). */
export interface StatementEnd extends OtelStatement {
  rowCount: number;
  attempt: number;
  waitMs: number;
  inTransaction: boolean;
}

/**
 * What watches one database's statements: the `onQuery` hook and OpenTelemetry. A database
 * without either has no observer at all, so its sessions skip every measurement.
 */
export class Observer {
  private hookFailed = false;

  constructor(
    private readonly engine: string,
    private readonly syntax: SqlSyntax,
    private readonly hook: QueryHook | undefined,
    private readonly slowQueryMs: number,
    readonly otel: OtelInstruments | undefined,
  ) {}

  /** Sets what the telemetry says of the database (system, namespace, server, pool name). */
  identify(target: OtelTarget): void {
    this.otel?.identify(target);
  }

  /**
   * Reports one finished statement to the hook and the instruments. The text is classified once
   * (cached by the lexer), and with OpenTelemetry alone not even looked at past the first time:
   * the instruments keep what they record of each text.
   */
  statement(end: StatementEnd): void {
    const now = performance.now();
    const hook = this.hook;
    const otel = this.otel;
    if (hook === undefined) {
      if (otel !== undefined) otel.statement(otel.shapeOf(end.sql) ?? this.shape(otel, end.sql), end, now);
      return;
    }
    const { operation, collection } = classifyStatement(this.syntax, end.sql);
    const durationMs = now - end.start;
    const event: QueryEvent = {
      sql: end.sql,
      operation,
      collection,
      engine: this.engine,
      durationMs,
      waitMs: end.waitMs,
      rowCount: end.error === undefined ? end.rowCount : 0,
      attempt: end.attempt,
      inTransaction: end.inTransaction,
      slow: this.slowQueryMs > 0 && durationMs >= this.slowQueryMs,
    };
    if (end.batchSize !== undefined) event.batchSize = end.batchSize;
    if (end.error instanceof PolysqlError) event.error = end.error;
    this.call(event);
    if (otel !== undefined) otel.statement(otel.shapeOf(end.sql) ?? otel.shape(end.sql, operation, collection), end, now);
  }

  private shape(otel: OtelInstruments, sql: string) {
    const { operation, collection } = classifyStatement(this.syntax, sql);
    return otel.shape(sql, operation, collection);
  }

  /** Runs `fn` inside a span its statements belong to (OpenTelemetry only). */
  within<T>(name: string, attributes: Record<string, string | number>, fn: () => Promise<T>): Promise<T> {
    return this.otel === undefined ? fn() : this.otel.within(name, attributes, fn);
  }

  /** Calls the hook; what it throws (or rejects with) is reported once through `process.emitWarning` and never reaches the query. */
  private call(event: QueryEvent): void {
    try {
      const result = (this.hook as (e: QueryEvent) => unknown)(event);
      if (result instanceof Promise) result.catch((err: unknown) => this.failed(err));
    } catch (err) {
      this.failed(err);
    }
  }

  private failed(err: unknown): void {
    if (this.hookFailed) return;
    this.hookFailed = true;
    process.emitWarning(`The onQuery hook threw (reported once; queries are not affected): ${String((err as Error)?.stack ?? err)}`, {
      code: "POLYSQL_ON_QUERY",
    });
  }
}
