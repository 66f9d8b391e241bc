import type { BackendDefinition, Dialect, DriverConnection, DriverResult, Row } from "./backend.js";
import { engineError, PolysqlError } from "./errors.js";
import type { CompiledQuery } from "./sql/index.js";

/**
 * One pooled connection and what the core knows about it: whether it broke,
 * and whether a transaction is open on it.
 */
export class Session {
  broken = false;
  inTransaction = false;

  constructor(
    readonly driver: DriverConnection,
    readonly backend: BackendDefinition<object>,
  ) {
    driver.onError(() => {
      this.broken = true;
    });
  }

  get dialect(): Dialect {
    return this.backend.dialect;
  }

  /** Runs a compiled query, translating driver errors into polysql errors. */
  async run(query: CompiledQuery): Promise<DriverResult> {
    try {
      return await this.driver.query(query.sql, query.values);
    } catch (err) {
      throw this.translate(err, query.sql);
    }
  }

  /** Runs plain statements in order (transaction control, session setup). */
  async runAll(statements: readonly string[]): Promise<void> {
    for (const sql of statements) await this.run({ sql, values: [] });
  }

  /** Streams a compiled query's rows. */
  async *stream(query: CompiledQuery, batchSize: number): AsyncGenerator<Row> {
    try {
      yield* this.driver.stream(query.sql, query.values, { batchSize });
    } catch (err) {
      throw this.translate(err, query.sql);
    }
  }

  /** Maps a driver error to the taxonomy; a connection-level error marks this session broken. */
  translate(err: unknown, sql: string): unknown {
    if (err instanceof PolysqlError) return err;
    const mapped = this.dialect.mapError(err);
    if (mapped === undefined) return err;
    if (mapped.code === "connection_failure") this.broken = true;
    const e = err as { text?: unknown; message?: unknown };
    const message = typeof e.text === "string" ? e.text : String(e.message ?? err);
    return engineError(mapped.code, message, { ...mapped, sql, engine: this.backend.name, cause: err });
  }
}
