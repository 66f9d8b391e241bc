import type { Dialect, Row } from "./backend.js";
import { compile, type CompiledQuery, type SqlQuery } from "./sql/index.js";
import { normalizeValue } from "./values.js";

/** SQL text with `:name` / `?` placeholders, or a `sql` tagged-template query. */
export type Query = string | SqlQuery;
/** An object for `:name` placeholders, an array for `?` placeholders. */
export type Params = Readonly<Record<string, unknown>> | readonly unknown[];

/** What `execute` reports. */
export interface ExecuteResult {
  rowCount: number;
  /** The generated key of a single-row insert, where the engine reports one. */
  insertId?: number | bigint | string;
}

/** Options of `stream`. */
export interface StreamOptions {
  /** Rows fetched per round trip from the server-side cursor. Default 500. */
  batchSize?: number;
}

/**
 * The query methods shared by `Database` and `Transaction`; subclasses decide
 * which connection runs them.
 */
export abstract class Queryable {
  /** The engine: `"postgres" | "mysql" | "sqlite"`, or a plugin's name. */
  abstract readonly dialect: string;
  protected abstract readonly facts: Dialect;
  protected abstract runQuery(query: CompiledQuery): Promise<{ rows: Row[]; rowCount: number; insertId?: number | bigint | string }>;
  protected abstract streamQuery(query: CompiledQuery, batchSize: number): AsyncGenerator<Row>;

  /** Compiles a query for this engine: placeholders, IN-list expansion, checked values. */
  protected compile(query: Query, params?: Params): CompiledQuery {
    const compiled = compile(this.facts.syntax, query, params);
    const values = compiled.values;
    for (let i = 0; i < values.length; i++) values[i] = normalizeValue(values[i], i);
    return compiled;
  }

  /**
   * All rows.
   * @example const adults = await db.all<User>("SELECT * FROM users WHERE age >= :min", { min: 18 });
   */
  async all<T = Row>(query: Query, params?: Params): Promise<T[]> {
    return (await this.runQuery(this.compile(query, params))).rows as T[];
  }

  /**
   * The first row, or `undefined`.
   * @example const ada = await db.one<User>(sql`SELECT * FROM users WHERE name = ${"Ada"}`);
   */
  async one<T = Row>(query: Query, params?: Params): Promise<T | undefined> {
    return (await this.runQuery(this.compile(query, params))).rows[0] as T | undefined;
  }

  /**
   * The first column of the first row, or `undefined` when there is no row.
   * @example const n = await db.value<number>("SELECT count(*) FROM users");
   */
  async value<T = unknown>(query: Query, params?: Params): Promise<T | undefined> {
    const row = (await this.runQuery(this.compile(query, params))).rows[0];
    if (row === undefined) return undefined;
    for (const key in row) return row[key] as T;
    return undefined;
  }

  /**
   * Runs a statement; reports the affected row count and, for inserts, the generated key where known.
   * @example const { rowCount } = await db.execute("DELETE FROM users WHERE id = :id", { id });
   */
  async execute(query: Query, params?: Params): Promise<ExecuteResult> {
    const result = await this.runQuery(this.compile(query, params));
    return result.insertId === undefined ? { rowCount: result.rowCount } : { rowCount: result.rowCount, insertId: result.insertId };
  }

  /**
   * Rows one at a time with constant memory; the connection is held until the loop ends.
   * @example for await (const row of db.stream("SELECT * FROM events")) handle(row);
   */
  stream<T = Row>(query: Query, params?: Params, options: StreamOptions = {}): AsyncIterable<T> {
    const compiled = this.compile(query, params);
    return this.streamQuery(compiled, options.batchSize ?? 500) as AsyncGenerator<T>;
  }
}
