import type { BackendDefinition, Dialect, DriverConnection, DriverResult, Row } from "../dialects/contract/index.js";
import { engineError, PolysqlError, QueryError } from "../errors.js";
import { withTimeout } from "../util/timeout.js";
import type { CompiledQuery } from "../sql/index.js";

/**
 * Statements that can leave state in a session: SET/RESET, temporary tables,
 * explicit transactions, locks, user variables, prepared statements, USE, LISTEN;
 * at the start of the text or of any statement in it, after any comments.
 */
const SESSION_STATE =
  /(?:^|;)\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*(?:SET|RESET|BEGIN|START|LOCK|UNLOCK|PREPARE|DECLARE|LISTEN|USE|PRAGMA|ATTACH|CREATE\s+(?:GLOBAL\s+|LOCAL\s+)?TEMP(?:ORARY)?)\b|advisory_lock|\bGET_LOCK\b|set_config|@\w+\s*:=|\bINTO\s+@/i;

const sessionStateCache = new Map<string, boolean>();

/** Whether a statement may leave state in the session; cached per SQL text (the regex scans the whole text). */
export function changesSession(sql: string): boolean {
  let changes = sessionStateCache.get(sql);
  if (changes === undefined) {
    changes = SESSION_STATE.test(sql);
    if (sessionStateCache.size >= 2_000) sessionStateCache.clear();
    if (sql.length <= 4_096) sessionStateCache.set(sql, changes);
  }
  return changes;
}

/** Resets a session's state before reuse; false when it could not be reset (then destroy it). */
export async function resetSession(session: Session, timeoutMs: number): Promise<boolean> {
  if (session.broken) return false;
  try {
    await withTimeout(session.driver.reset(), timeoutMs, () => new Error("reset timed out"));
    session.dirty = false;
    return true;
  } catch {
    return false;
  }
}

/**
 * One pooled connection and what the core knows about it: whether it broke,
 * and whether a transaction is open on it.
 */
export class Session {
  broken = false;
  inTransaction = false;
  /** The session may carry state (SET, temp tables, variables, locks) that must not reach the next borrower. */
  dirty = false;

  constructor(
    readonly driver: DriverConnection,
    readonly backend: BackendDefinition<object>,
    /** Client-side deadline per statement (0 = none); past it the connection is destroyed. */
    readonly queryTimeoutMs = 0,
  ) {
    driver.onError(() => {
      this.broken = true;
    });
  }

  /** False once the connection broke or the driver reports its socket gone. */
  get alive(): boolean {
    return !this.broken && (this.driver.isAlive?.() ?? true);
  }

  get dialect(): Dialect {
    return this.backend.dialect;
  }

  /** Runs a compiled query, translating driver errors into polysql errors. */
  async run(query: CompiledQuery, timeoutMs = this.queryTimeoutMs): Promise<DriverResult> {
    if (!this.dirty && changesSession(query.sql)) this.dirty = true;
    try {
      const pending = this.driver.query(query.sql, query.values);
      return await (timeoutMs > 0 ? this.deadline(pending, timeoutMs, query.sql) : pending);
    } catch (err) {
      throw this.translate(err, query.sql);
    }
  }

  /** Runs a compiled query on a synchronous driver (see `DriverConnection.querySync`). */
  runSync(query: CompiledQuery): DriverResult {
    try {
      return this.driver.querySync!(query.sql, query.values);
    } catch (err) {
      throw this.translate(err, query.sql);
    }
  }

  /** Rejects with `query_timeout` past the deadline and destroys the connection, whose state is then unknown. */
  private deadline<T>(pending: Promise<T>, ms: number, sql: string): Promise<T> {
    return withTimeout(pending, ms, () => {
      this.broken = true;
      void this.driver.close();
      return new QueryError("query_timeout", `No answer within ${ms} ms; the connection was closed`, { sql, engine: this.backend.name, transient: false });
    });
  }

  /** Runs polysql's own control statements in order (transaction control, savepoints), each under the query deadline. */
  async runAll(statements: readonly string[]): Promise<void> {
    for (const sql of statements) {
      try {
        const pending = this.driver.query(sql, []);
        await (this.queryTimeoutMs > 0 ? this.deadline(pending, this.queryTimeoutMs, sql) : pending);
      } catch (err) {
        throw this.translate(err, sql);
      }
    }
  }

  /** Streams a compiled query's rows. */
  async *stream(query: CompiledQuery, batchSize: number): AsyncGenerator<Row> {
    if (!this.dirty && changesSession(query.sql)) this.dirty = true;
    try {
      yield* this.driver.stream(query.sql, query.values, { batchSize });
    } catch (err) {
      throw this.translate(err, query.sql);
    }
  }

  /** Maps a driver error to the taxonomy; a connection-level error marks this session broken. */
  translate(err: unknown, sql: string): unknown {
    if (err instanceof PolysqlError) return err;
    // Whatever the driver throws becomes one of ours: an error the dialect does not know is `unknown`, still typed.
    const mapped = this.dialect.mapError(err) ?? { code: "unknown" as const };
    if (mapped.code === "connection_failure") this.broken = true;
    const e = err as { text?: unknown; message?: unknown };
    const message = typeof e.text === "string" ? e.text : String(e.message ?? err);
    const phase = mapped.code === "connection_failure" ? (mapped.notSent ? "connect" : "query") : undefined;
    return engineError(mapped.code, message, { ...mapped, sql, engine: this.backend.name, cause: err, phase });
  }
}
