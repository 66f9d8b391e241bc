/** Shared shapes of the benchmark: engines, rows, the contract every contender implements. */

export type Engine = "sqlite" | "postgres" | "mysql";
export const ENGINES: readonly Engine[] = ["sqlite", "postgres", "mysql"];

export type Row = Record<string, unknown>;

/** One row of the bulk and streaming tables (5 mixed columns). */
export interface BulkRow {
  id: number;
  name: string;
  qty: number;
  price: number;
  created_at: Date;
}

/** What a contender can do; a missing method means "does not apply". */
export interface Client {
  /** `SELECT * FROM bench_items WHERE id = ?`, first row. */
  lookup(id: number): Promise<Row | undefined>;
  /** 1,000 rows of 10 mixed columns from bench_items, decoded. */
  wide(): Promise<Row[]>;
  /** The same rows as arrays in column order (polysql's `query()`, a raw driver's array mode); set by the array variants only. */
  wideArrays?(): Promise<unknown[][]>;
  /** BEGIN; SELECT balance; UPDATE balance = balance + 1; COMMIT on bench_accounts. */
  transfer(id: number): Promise<void>;
  /** Inserts all rows into bench_bulk. */
  insertBulk?(rows: BulkRow[]): Promise<void>;
  /** Streams every row of bench_stream, calling onRow for each. */
  stream?(onRow: (row: Row) => void): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Connections in the pool (1 for serial scenarios). */
  pool: number;
  /** A contender-specific variant, e.g. "copy" or "multirow" for bulk inserts. */
  variant?: string;
}

export const URLS: Record<Engine, string> = {
  sqlite: process.env.BENCH_SQLITE_FILE ?? "/tmp/polysql-bench/bench.db",
  postgres: process.env.BENCH_PG_URL ?? "postgres://polysql:polysql@127.0.0.1:55432/polysql_test",
  mysql: process.env.BENCH_MYSQL_URL ?? "mysql://polysql:polysql@127.0.0.1:53306/polysql_test",
};

/** MariaDB/MySQL connection settings from the URL, for the drivers that take an object. */
export function mysqlConfig(): { host: string; port: number; user: string; password: string; database: string } {
  const u = new URL(URLS.mysql);
  return {
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
  };
}

export const SQL = {
  lookup: {
    named: "SELECT * FROM bench_items WHERE id = :id",
    dollar: "SELECT * FROM bench_items WHERE id = $1",
    question: "SELECT * FROM bench_items WHERE id = ?",
  },
  wide: "SELECT * FROM bench_items WHERE id <= 1000 ORDER BY id",
  balance: {
    named: "SELECT balance FROM bench_accounts WHERE id = :id",
    dollar: "SELECT balance FROM bench_accounts WHERE id = $1",
    question: "SELECT balance FROM bench_accounts WHERE id = ?",
  },
  credit: {
    named: "UPDATE bench_accounts SET balance = balance + 1 WHERE id = :id",
    dollar: "UPDATE bench_accounts SET balance = balance + 1 WHERE id = $1",
    question: "UPDATE bench_accounts SET balance = balance + 1 WHERE id = ?",
  },
  stream: "SELECT * FROM bench_stream ORDER BY id",
} as const;

export const BULK_COLUMNS = ["id", "name", "qty", "price", "created_at"] as const;
/** Rows per statement for raw multi-row inserts and Knex batchInsert. */
export const INSERT_CHUNK = 1_000;
export const ITEM_ROWS = 10_000;
export const ACCOUNT_ROWS = 100;
export const WIDE_ROWS = 1_000;
/** The position of `age` among bench_items' columns (id, name, email, age, ...). */
export const WIDE_AGE_INDEX = 3;
