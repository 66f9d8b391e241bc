import { closeSync, existsSync, openSync } from "node:fs";
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
import type { SqliteConfig } from "./sqlite-config.js";
import { decoderFor, encode } from "./sqlite-types.js";
import { describeSqlite } from "./sqlite-describe.js";

/** The subset of better-sqlite3 this driver uses. */
interface Statement {
  readonly reader: boolean;
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
  pragma(sql: string): unknown;
  close(): void;
}
type SqliteConstructor = new (filename: string, options: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => SqliteDatabase;

const STATEMENT_CACHE = 200;
const SCHEMA_CHANGE = /^\s*(?:CREATE|ALTER|DROP)\b/i;
const NO_COLUMNS: readonly ResultColumn[] = Object.freeze([]);

/** A prepared statement and, for one that returns rows, its columns: names and decoders, and as reported (name, declared type). */
interface Prepared {
  stmt: Statement;
  columns?: Columns;
  result?: readonly ResultColumn[];
}

/** A result column: the name, and the declared type of a table column (an expression has none). */
function resultColumn(column: { name: string; type: string | null }): ResultColumn {
  return Object.freeze(column.type === null ? { name: column.name } : { name: column.name, type: column.type });
}

class SqliteConnection implements DriverConnection {
  private readonly statements = new Map<string, Prepared>();
  private readonly bigint: Decoder;

  constructor(
    private readonly db: SqliteDatabase,
    values: ValueOptions,
  ) {
    this.bigint = bigintDecoder(values.bigint);
  }

  private prepare(sql: string): Prepared {
    let entry = this.statements.get(sql);
    if (entry === undefined) {
      const stmt = this.db.prepare(sql).safeIntegers(true);
      entry = { stmt };
      if (stmt.reader) {
        stmt.raw(true);
        const cols = stmt.columns();
        entry.columns = { names: cols.map((c) => c.name), decoders: cols.map((c) => decoderFor(c.type, this.bigint)) };
        entry.result = Object.freeze(cols.map(resultColumn));
      }
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, entry);
    }
    return entry;
  }

  async query(sql: string, values: readonly unknown[], options?: DriverQueryOptions): Promise<DriverResult | DriverArrayResult> {
    return this.querySync(sql, values, options);
  }

  querySync(sql: string, values: readonly unknown[], options?: DriverQueryOptions): DriverResult | DriverArrayResult {
    const { stmt, columns, result } = this.prepare(sql);
    const arrays = options?.rowMode === "array";
    const args = values.map(encode);
    if (columns !== undefined) {
      const raw = stmt.all(...args);
      if (arrays) {
        const rows = raw.map((r) => decodeValues(columns, r));
        return { columns: result!, rows, rowCount: rows.length };
      }
      const rows = raw.map((r) => makeRow(columns, r));
      return { rows, rowCount: rows.length };
    }
    const info = stmt.run(...args);
    // A schema change makes the column lists cached with other statements stale.
    if (SCHEMA_CHANGE.test(sql)) this.statements.clear();
    const insertId = this.bigint!(info.lastInsertRowid) as number;
    return arrays ? { columns: NO_COLUMNS, rows: [], rowCount: info.changes, insertId } : { rows: [], rowCount: info.changes, insertId };
  }

  async *stream(sql: string, values: readonly unknown[], options: DriverStreamOptions): AsyncIterable<Row | unknown[]> {
    const { stmt, columns, result } = this.prepare(sql);
    const arrays = options.rowMode === "array";
    if (arrays) options.onColumns?.(result ?? NO_COLUMNS);
    if (columns === undefined) {
      await this.query(sql, values);
      return;
    }
    for (const r of stmt.iterate(...values.map(encode))) yield arrays ? decodeValues(columns, r) : makeRow(columns, r);
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

/** Opens a better-sqlite3 database with foreign keys on, a busy timeout, and WAL for files. */
export async function connectSqlite(config: SqliteConfig, values: ValueOptions): Promise<DriverConnection> {
  const Database = loadDriver<SqliteConstructor>("better-sqlite3", "sqlite");
  const memory = config.filename === ":memory:" || config.filename === "";
  if (!memory) prepareFile(config);
  const db = new Database(config.filename, {
    readonly: config.mode === "ro",
    fileMustExist: config.mode === "ro" || config.mode === "rw",
    timeout: config.busyTimeoutMs,
  });
  db.pragma("foreign_keys = ON");
  if (!memory && config.mode !== "ro") db.pragma("journal_mode = WAL");
  return new SqliteConnection(db, values);
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
