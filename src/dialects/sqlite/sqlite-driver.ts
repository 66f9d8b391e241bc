import { closeSync, existsSync, openSync } from "node:fs";
import type { DriverConnection, DriverResult, Row } from "../contract/index.js";
import { bigintDecoder, type ValueOptions } from "../../values/decoders.js";
import { ConnectionError } from "../../errors.js";
import { loadDriver } from "../kit/load-driver.js";
import { makeRow, type Columns, type Decoder } from "../../values/rows.js";
import type { SqliteConfig } from "./sqlite-config.js";
import { decoderFor, encode } from "./sqlite-types.js";

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

class SqliteConnection implements DriverConnection {
  private readonly statements = new Map<string, { stmt: Statement; columns?: Columns }>();
  private readonly bigint: Decoder;

  constructor(
    private readonly db: SqliteDatabase,
    values: ValueOptions,
  ) {
    this.bigint = bigintDecoder(values.bigint);
  }

  private prepare(sql: string): { stmt: Statement; columns?: Columns } {
    let entry = this.statements.get(sql);
    if (entry === undefined) {
      const stmt = this.db.prepare(sql).safeIntegers(true);
      entry = { stmt };
      if (stmt.reader) {
        stmt.raw(true);
        const cols = stmt.columns();
        entry.columns = { names: cols.map((c) => c.name), decoders: cols.map((c) => decoderFor(c.type, this.bigint)) };
      }
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, entry);
    }
    return entry;
  }

  async query(sql: string, values: readonly unknown[]): Promise<DriverResult> {
    return this.querySync(sql, values);
  }

  querySync(sql: string, values: readonly unknown[]): DriverResult {
    const { stmt, columns } = this.prepare(sql);
    const args = values.map(encode);
    if (columns !== undefined) {
      const rows = stmt.all(...args).map((r) => makeRow(columns, r));
      return { rows, rowCount: rows.length };
    }
    const info = stmt.run(...args);
    // A schema change makes the column lists cached with other statements stale.
    if (SCHEMA_CHANGE.test(sql)) this.statements.clear();
    return { rows: [], rowCount: info.changes, insertId: this.bigint!(info.lastInsertRowid) as number };
  }

  async *stream(sql: string, values: readonly unknown[]): AsyncIterable<Row> {
    const { stmt, columns } = this.prepare(sql);
    if (columns === undefined) {
      await this.query(sql, values);
      return;
    }
    for (const r of stmt.iterate(...values.map(encode))) yield makeRow(columns, r);
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
