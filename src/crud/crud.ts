import type { Dialect, DriverResult, Row } from "../dialects/contract/index.js";
import { ParameterError } from "../errors.js";
import { placeholder } from "../sql/index.js";
import { quoteName } from "./names.js";
import { whereClause } from "./where.js";

/** Runs SQL already in the dialect's placeholder style. */
export interface Runner {
  readonly dialect: Dialect;
  runSql(sql: string, values: unknown[]): Promise<DriverResult>;
}

/** Options shared by the CRUD helpers. */
export interface KeyOptions {
  /** The key column. Default `id`. */
  key?: string;
}

/** Options of `upsert`. */
export interface UpsertOptions extends KeyOptions {
  /** Columns of the unique constraint that decides "already there". */
  conflict: readonly string[];
  /** Columns to overwrite on conflict. Default: every inserted column not in `conflict`. */
  update?: readonly string[];
}

function columnsOf(row: object, what: string): string[] {
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    throw new ParameterError("invalid_parameter", `${what} must be a plain object of column values`);
  }
  const cols = Object.keys(row);
  for (const c of cols)
    if ((row as Row)[c] === undefined) throw new ParameterError("missing_parameter", `${what}: column "${c}" is undefined; use null for NULL`);
  return cols;
}

function insertSql(r: Runner, table: string, row: Row, values: unknown[]): string {
  const cols = columnsOf(row, "insert row");
  const t = quoteName(r.dialect, table);
  if (cols.length === 0) return `INSERT INTO ${t} ${r.dialect.insertDefaults}`;
  for (const c of cols) values.push(row[c]);
  const names = cols.map((c) => quoteName(r.dialect, c, false)).join(", ");
  return `INSERT INTO ${t} (${names}) VALUES (${cols.map((_, i) => placeholder(r.dialect.syntax.placeholders, i + 1)).join(", ")})`;
}

async function generatedKey(r: Runner, sql: string, values: unknown[], row: Row, key: string): Promise<unknown> {
  if (r.dialect.capabilities.returning) {
    // RETURNING * rather than the key alone: a table without that column still inserts (and gives undefined), as on engines without RETURNING.
    const result = await r.runSql(`${sql} RETURNING *`, values);
    return result.rows[0]?.[key];
  }
  const result = await r.runSql(sql, values);
  return Object.hasOwn(row, key) && row[key] !== null ? row[key] : result.insertId;
}

/** Inserts one row; returns its key (RETURNING where the engine has it, the insert id elsewhere). */
export async function insert(r: Runner, table: string, row: object, options: KeyOptions = {}): Promise<unknown> {
  const values: unknown[] = [];
  return generatedKey(r, insertSql(r, table, row as Row, values), values, row as Row, options.key ?? "id");
}

/** Inserts or, on a conflict on `conflict` columns, updates; returns the row's key. */
export async function upsert(r: Runner, table: string, row: object, options: UpsertOptions): Promise<unknown> {
  const key = options.key ?? "id";
  if (!Array.isArray(options?.conflict) || options.conflict.length === 0) {
    throw new ParameterError("invalid_parameter", `upsert(${JSON.stringify(table)}) needs { conflict: [columns] }`);
  }
  const cols = columnsOf(row, "upsert row");
  if (cols.length === 0) throw new ParameterError("invalid_parameter", "upsert row has no columns");
  const update = options.update ?? cols.filter((c) => !options.conflict.includes(c));
  const q = (c: string) => quoteName(r.dialect, c, false);
  const values: unknown[] = [];
  const generated = Object.hasOwn(row, key) ? undefined : q(key);
  const sql = insertSql(r, table, row as Row, values) + r.dialect.upsertClause(options.conflict.map(q), update.map(q), generated);
  return generatedKey(r, sql, values, row as Row, key);
}

/** Updates rows by key or by a where object; returns the number of rows changed. */
export async function update(r: Runner, table: string, target: unknown, patch: object, options: KeyOptions = {}): Promise<number> {
  const cols = columnsOf(patch, "update patch");
  if (cols.length === 0) throw new ParameterError("invalid_parameter", "update patch has no columns");
  const values = cols.map((c) => (patch as Row)[c]);
  const sets = cols.map((c, i) => `${quoteName(r.dialect, c, false)} = ${placeholder(r.dialect.syntax.placeholders, i + 1)}`).join(", ");
  const where = whereClause(r.dialect, target, options.key ?? "id", values);
  return (await r.runSql(`UPDATE ${quoteName(r.dialect, table)} SET ${sets}${where}`, values)).rowCount;
}

/** Deletes rows by key or by a where object; returns the number of rows deleted. */
export async function remove(r: Runner, table: string, target: unknown, options: KeyOptions = {}): Promise<number> {
  const values: unknown[] = [];
  const where = whereClause(r.dialect, target, options.key ?? "id", values);
  return (await r.runSql(`DELETE FROM ${quoteName(r.dialect, table)}${where}`, values)).rowCount;
}

/** Reads one row by key or where object, or `undefined`. */
export async function get(r: Runner, table: string, target: unknown, options: KeyOptions = {}): Promise<Row | undefined> {
  const values: unknown[] = [];
  const where = whereClause(r.dialect, target, options.key ?? "id", values);
  return (await r.runSql(`SELECT * FROM ${quoteName(r.dialect, table)}${where}`, values)).rows[0];
}

/** `key = value`, or the where object's equalities, for messages. */
export function describe(target: unknown, key: string): string {
  if (target !== null && typeof target === "object" && !Array.isArray(target)) {
    return Object.entries(target)
      .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
      .join(" AND ");
  }
  return `${key} = ${JSON.stringify(typeof target === "bigint" ? target.toString() : target)}`;
}
