import type { PolysqlError } from "../errors.js";

/** What `onQuery` hears once per statement, after it ended (successfully or not). */
export interface QueryEvent {
  /** The statement as sent, with the engine's placeholders (`$1`, `?`); never the values. */
  sql: string;
  /** The command, upper-case (`SELECT`, `INSERT`, `CREATE TABLE`...), from polysql's lexer; undefined for empty text. */
  operation: string | undefined;
  /** The main table as written (`users`, `app.users`), when the lexer can tell. */
  collection: string | undefined;
  /** `db.engine`: `"postgres"`, `"mysql"`, `"sqlite"` or a plugin backend's name. */
  engine: string;
  /** From sending the statement to its result (or error), in ms; for a stream, until the last row was read. */
  durationMs: number;
  /** Time spent waiting for a pooled connection before the statement (0 for the rest of a transaction's statements). */
  waitMs: number;
  /** Rows returned, or affected for a statement without a result set; 0 on error. */
  rowCount: number;
  /** 1 for the first try; 2, 3... when polysql retried a transient failure (single statements). */
  attempt: number;
  /** The statement ran inside a transaction (including its BEGIN and COMMIT). */
  inTransaction: boolean;
  /** `durationMs` reached `slowQueryMs` (never when `slowQueryMs` is 0). */
  slow: boolean;
  /** Rows in the statement when `insertMany` sent them as one batch. */
  batchSize?: number;
  /** The failure, as the caller gets it. */
  error?: PolysqlError;
}

/** `connect({ onQuery })`: called once per statement, synchronously, after it ended; what it throws is reported once and ignored. */
export type QueryHook = (event: QueryEvent) => void;
