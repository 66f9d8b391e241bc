import { closeSync, existsSync, openSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type {
  DriverArrayResult,
  DriverConnection,
  DriverQueryOptions,
  DriverResult,
  DriverStreamOptions,
  ResultColumn,
  Row,
  StatementDescription,
} from "../contract/index.js";
import { bigintDecoder, type ValueOptions } from "../../values/decoders.js";
import { ConnectionError } from "../../errors.js";
import { loadDriver } from "../kit/load-driver.js";
import { decodeValues, makeRow, type Columns, type Decoder } from "../../values/rows.js";
import { isMemory, type SqliteConfig } from "./sqlite-config.js";
import { decoderFor, encode } from "./sqlite-types.js";
import { describeSqlite } from "./sqlite-describe.js";

/** The subset of better-sqlite3 this driver uses. */
interface Statement {
  readonly reader: boolean;
  readonly readonly: boolean;
  raw(on: boolean): Statement;
  safeIntegers(on: boolean): Statement;
  columns(): { name: string; type: string | null }[];
  all(...values: unknown[]): unknown[][];
  iterate(...values: unknown[]): IterableIterator<unknown[]>;
  run(...values: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}
interface SqliteDatabase {
  readonly inTransaction: boolean;
  exec(sql: string): void;
  prepare(sql: string): Statement;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  close(): void;
}
type SqliteConstructor = new (filename: string, options: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => SqliteDatabase;

const STATEMENT_CACHE = 200;
const SCHEMA_CHANGE = /^\s*(?:CREATE|ALTER|DROP)\b/i;
const COMMIT = /^\s*(?:COMMIT|END)\b/i;
const NO_COLUMNS: readonly ResultColumn[] = Object.freeze([]);
/** Past this a double may have rounded an integer (2^53). */
const SAFE_LIMIT = 2 ** 53;
/** Thrown by a fast read's decoders on a number at or past 2^53: the read runs again with BigInts. */
const UNSAFE = Symbol("unsafe integer");
/** The waits between tries for a write lock, as SQLite's own busy handler spaces them (ms); the last repeats. */
const BUSY_DELAYS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/**
 * The schema version the connections of one file in this process have seen: a writer that
 * changed the schema bumps it once the change is committed, and every connection to the file
 * (readers, other databases) drops its cached statements, whose column lists went stale.
 */
const schemas = new Map<string, { epoch: number }>();

/**
 * A prepared statement and, for one that returns rows, its columns: names and decoders, and as
 * reported (name, declared type). `fast`: a read-only statement read with plain numbers, whose
 * decoders throw `UNSAFE` on a number a double may have rounded (`safe` is then its twin read
 * with BigInts).
 */
interface Prepared {
  stmt: Statement;
  columns?: Columns;
  result?: readonly ResultColumn[];
  fast: boolean;
  safe?: Prepared;
}

/** A result column: the name, and the declared type of a table column (an expression has none). */
function resultColumn(column: { name: string; type: string | null }): ResultColumn {
  return Object.freeze(column.type === null ? { name: column.name } : { name: column.name, type: column.type });
}

/** A fast read's decoder: a number at or past 2^53 may be a rounded 64-bit integer, so the read is run again with BigInts. */
function checked(decode: Decoder): Decoder {
  if (decode === undefined) {
    return (v) => {
      if (typeof v === "number" && (v >= SAFE_LIMIT || v <= -SAFE_LIMIT)) throw UNSAFE;
      return v;
    };
  }
  return (v) => {
    if (typeof v === "number" && (v >= SAFE_LIMIT || v <= -SAFE_LIMIT)) throw UNSAFE;
    return decode(v);
  };
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY") && code !== "SQLITE_BUSY_SNAPSHOT";
}

/** What a connection is: the one that writes (waits for the write lock without blocking the thread), a reader, or a `mode=ro` one. */
type Role = "writer" | "reader" | "readonly";

class SqliteConnection implements DriverConnection {
  private readonly statements = new Map<string, Prepared>();
  private readonly bigint: Decoder;
  /** Reads run with plain numbers (and again with BigInts past 2^53): only when integers come back as numbers. */
  private readonly fastIntegers: boolean;
  /** The schema epoch this connection's cached statements were prepared at. */
  private seen: number;
  /** A schema change not yet committed: the epoch moves at COMMIT. */
  private schemaPending = false;

  constructor(
    private readonly db: SqliteDatabase,
    values: ValueOptions,
    private readonly role: Role,
    private readonly schema: { epoch: number },
    private readonly busyTimeoutMs: number,
  ) {
    this.bigint = bigintDecoder(values.bigint);
    this.fastIntegers = values.bigint === "number";
    this.seen = schema.epoch;
  }

  private prepare(sql: string): Prepared {
    if (this.seen !== this.schema.epoch) {
      this.statements.clear();
      this.seen = this.schema.epoch;
      // A statement prepared now would use this connection's schema as it last read it: one that
      // reads the file makes SQLite see the schema cookie moved and read the new schema.
      this.db.prepare("SELECT 1 FROM sqlite_schema LIMIT 1").raw(true).all();
    }
    let entry = this.statements.get(sql);
    if (entry === undefined) {
      entry = this.prepareNew(sql, this.fastIntegers);
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, entry);
    }
    return entry;
  }

  /** Prepares a statement: a read-only one that returns rows with plain numbers when `fast`, anything else with BigInts. */
  private prepareNew(sql: string, fast: boolean): Prepared {
    const stmt = this.db.prepare(sql);
    fast &&= stmt.reader && stmt.readonly;
    stmt.safeIntegers(!fast);
    const entry: Prepared = { stmt, fast };
    if (stmt.reader) {
      stmt.raw(true);
      const cols = stmt.columns();
      const decoders = cols.map((c) => (fast ? checked(decoderFor(c.type, undefined)) : decoderFor(c.type, this.bigint)));
      entry.columns = { names: cols.map((c) => c.name), decoders };
      entry.result = Object.freeze(cols.map(resultColumn));
    }
    return entry;
  }

  async query(sql: string, values: readonly unknown[], options?: DriverQueryOptions): Promise<DriverResult | DriverArrayResult> {
    try {
      return this.querySync(sql, values, options);
    } catch (err) {
      if (this.role !== "writer" || !isBusy(err)) throw err;
      return this.whenUnlocked(sql, () => this.querySync(sql, values, options), err);
    }
  }

  querySync(sql: string, values: readonly unknown[], options?: DriverQueryOptions): DriverResult | DriverArrayResult {
    const entry = this.prepare(sql);
    const arrays = options?.rowMode === "array";
    const args = values.length === 0 ? values : values.map(encode);
    if (entry.columns === undefined) return this.write(entry.stmt, sql, args, arrays);
    try {
      return this.read(entry, args, arrays);
    } catch (err) {
      if (err !== UNSAFE) throw err;
      entry.safe ??= this.prepareNew(sql, false);
      return this.read(entry.safe, args, arrays);
    }
  }

  private read(entry: Prepared, args: readonly unknown[], arrays: boolean): DriverResult | DriverArrayResult {
    const columns = entry.columns!;
    const raw = entry.stmt.all(...args);
    if (arrays) {
      const rows = raw.map((r) => decodeValues(columns, r));
      return { columns: entry.result!, rows, rowCount: rows.length };
    }
    const rows = raw.map((r) => makeRow(columns, r));
    return { rows, rowCount: rows.length };
  }

  private write(stmt: Statement, sql: string, args: readonly unknown[], arrays: boolean): DriverResult | DriverArrayResult {
    const info = stmt.run(...args);
    // A schema change makes the column lists cached with other statements stale: here at once,
    // on the file's other connections once it is committed (they read the committed schema).
    if (SCHEMA_CHANGE.test(sql)) {
      this.statements.clear();
      this.schemaPending = true;
    }
    if (this.schemaPending && !this.db.inTransaction) {
      this.schemaPending = false;
      this.seen = ++this.schema.epoch;
    }
    const insertId = this.bigint!(info.lastInsertRowid) as number;
    return arrays ? { columns: NO_COLUMNS, rows: [], rowCount: info.changes, insertId } : { rows: [], rowCount: info.changes, insertId };
  }

  /**
   * The writer found the write lock taken (another connection's transaction, maybe in another
   * process). SQLite's busy handler would block the whole thread while it waits — and so the
   * holder, when it is in this process, awaiting something: a deadlock until the timeout. The
   * writer has no busy timeout instead: it tries again after SQLite's own waits, without blocking,
   * until `busyTimeoutMs`. A statement that failed on the lock did nothing, so trying again is safe
   * outside a transaction (BEGIN IMMEDIATE, an autocommit write) and for COMMIT; inside a
   * transaction SQLite's advice is to roll back, so the statement waits once as before (blocking).
   */
  private async whenUnlocked<T>(sql: string, run: () => T, first: unknown): Promise<T> {
    if (this.db.inTransaction && !COMMIT.test(sql)) return this.blockingRetry(run);
    const deadline = performance.now() + this.busyTimeoutMs;
    let err = first;
    for (let i = 0; ; i++) {
      const delay = BUSY_DELAYS[Math.min(i, BUSY_DELAYS.length - 1)];
      const left = deadline - performance.now();
      if (left <= 0) throw err;
      await sleep(Math.min(delay, left));
      try {
        return run();
      } catch (next) {
        if (!isBusy(next)) throw next;
        err = next;
      }
    }
  }

  private blockingRetry<T>(run: () => T): T {
    this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    try {
      return run();
    } finally {
      this.db.pragma("busy_timeout = 0");
    }
  }

  async *stream(sql: string, values: readonly unknown[], options: DriverStreamOptions): AsyncIterable<Row | unknown[]> {
    for await (const batch of this.streamBatches(sql, values, options)) yield* batch;
  }

  /** Rows in slices of `batchSize` read from the statement's iterator (one promise per slice, not per row). */
  async *streamBatches(sql: string, values: readonly unknown[], options: DriverStreamOptions): AsyncIterable<Row[] | unknown[][]> {
    let entry = this.prepare(sql);
    // A stream cannot start again once rows went out: it reads with BigInts from the start.
    if (entry.fast) entry = entry.safe ??= this.prepareNew(sql, false);
    const { stmt, columns, result } = entry;
    const arrays = options.rowMode === "array";
    if (arrays) options.onColumns?.(result ?? NO_COLUMNS);
    if (columns === undefined) {
      await this.query(sql, values);
      return;
    }
    const size = Math.max(1, options.batchSize);
    let batch: (Row | unknown[])[] = [];
    for (const r of stmt.iterate(...values.map(encode))) {
      batch.push(arrays ? decodeValues(columns, r) : makeRow(columns, r));
      if (batch.length >= size) {
        yield batch as Row[] | unknown[][];
        batch = [];
      }
    }
    if (batch.length > 0) yield batch as Row[] | unknown[][];
  }

  /** One prepared single-row INSERT, run for every row (the caller holds the transaction). */
  async bulkInsert(table: string, columns: readonly string[], batches: AsyncIterable<readonly unknown[][]>): Promise<number> {
    const sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;
    const { stmt } = this.prepare(sql);
    let count = 0;
    for await (const rows of batches) {
      for (const row of rows) {
        const values = row as unknown[];
        for (let i = 0; i < values.length; i++) values[i] = encode(values[i]);
        count += stmt.run(values).changes;
      }
    }
    return count;
  }

  async describe(sql: string): Promise<StatementDescription> {
    return describeSqlite(this.db as unknown as Parameters<typeof describeSqlite>[0], sql);
  }

  async reset(): Promise<void> {
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
    const temps = this.db.prepare("SELECT name FROM temp.sqlite_master WHERE type = 'table'").raw(true).all() as string[][];
    for (const [name] of temps) this.db.exec(`DROP TABLE temp."${name.replaceAll('"', '""')}"`);
    this.statements.clear();
    this.db.pragma("query_only = OFF");
    this.db.pragma("foreign_keys = ON");
  }

  async close(): Promise<void> {
    this.statements.clear();
    try {
      this.db.close();
    } catch {
      // already closed
    }
  }

  onError(): void {
    // An embedded database raises no errors while idle.
  }
}

/**
 * Opens a better-sqlite3 database with foreign keys on and a busy timeout; the writer of a file
 * turns WAL on and waits for the write lock without blocking (see `whenUnlocked`). A reader
 * (`role: "reader"`) opens the file read-only and, for a writable database, checks it is in WAL,
 * where a reader sees the last commit and neither blocks nor waits for the writer.
 */
export async function connectSqlite(config: SqliteConfig, values: ValueOptions): Promise<DriverConnection> {
  const Database = loadDriver<SqliteConstructor>("better-sqlite3", "sqlite");
  const memory = isMemory(config);
  const reader = config.role === "reader";
  if (!memory && !reader) prepareFile(config);
  const readOnly = reader || config.mode === "ro";
  const db = new Database(config.filename, {
    readonly: readOnly,
    fileMustExist: readOnly || config.mode === "rw",
    timeout: config.busyTimeoutMs,
  });
  try {
    db.pragma("foreign_keys = ON");
    if (!memory && !readOnly) db.pragma("journal_mode = WAL");
    if (reader && config.mode !== "ro") {
      const journal = String(db.pragma("journal_mode", { simple: true }));
      if (journal !== "wal") {
        throw new ConnectionError(
          `SQLite readers need WAL, but ${config.filename} is in journal_mode=${journal} (a file system without shared memory?): connect with readers: 0`,
          { phase: "connect", engine: "sqlite", transient: false },
        );
      }
    }
    const role: Role = reader ? "reader" : readOnly ? "readonly" : "writer";
    // The writer waits for the write lock itself, without blocking the thread.
    if (role === "writer" && !memory) db.pragma("busy_timeout = 0");
    const schema = memory ? { epoch: 0 } : schemaOf(config.filename);
    return new SqliteConnection(db, values, role, schema, config.busyTimeoutMs);
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The shared schema epoch of a file (by its absolute path). */
function schemaOf(filename: string): { epoch: number } {
  const key = resolve(filename);
  let schema = schemas.get(key);
  if (schema === undefined) schemas.set(key, (schema = { epoch: 0 }));
  return schema;
}

/**
 * `ro` and `rw` open an existing file only; `rwc` creates a missing one readable
 * by its owner only (0600; SQLite gives its -wal and -shm files the same mode).
 */
function prepareFile(config: SqliteConfig): void {
  if (existsSync(config.filename)) return;
  if (config.mode !== "rwc") {
    throw new ConnectionError(`SQLite database file ${config.filename} does not exist (mode=${config.mode} opens an existing file only; mode=rwc creates it)`, {
      phase: "connect",
      engine: "sqlite",
      transient: false,
    });
  }
  try {
    closeSync(openSync(config.filename, "wx", 0o600));
  } catch {
    // Created meanwhile (EEXIST): open it as it is; a missing directory or no permission: SQLite reports it.
  }
}
