import type { DriverArrayResult, DriverQueryOptions, DriverResult, ResultColumn, Row, RowMode } from "../dialects/contract/index.js";
import { QueryError } from "../errors.js";
import type { RowBatch } from "./row-batches.js";
import { arraysFromRows, duplicateNames, makeRow, rowsFromArrays, type Columns } from "../values/rows.js";

/** What a duplicate column name does to row objects: the last one wins (default), or it is a `duplicate_column` error. */
export type DuplicateColumns = "last" | "error";

/** What a statement answers in a row mode: row objects, or arrays with the columns. */
export type ResultOf<M extends RowMode> = M extends "array" ? DriverArrayResult : DriverResult;

/** How a session's results are shaped: its duplicate-name rule, and its engine for errors. */
export interface ShapeRules {
  readonly duplicateColumns: DuplicateColumns;
  readonly engine: string;
}

const ARRAYS: DriverQueryOptions = { rowMode: "array" };

/** The driver options for a row mode: arrays when asked for, or when duplicate names must be seen. */
export function driverOptions(rowMode: RowMode | undefined, rules: ShapeRules): DriverQueryOptions | undefined {
  return rowMode === "array" || rules.duplicateColumns === "error" ? ARRAYS : undefined;
}

/**
 * Turns what the driver answered (see `driverOptions`) into what the caller asked for;
 * the common cases return it as is. A driver that ignores `rowMode` (no `columns`) gets
 * its arrays derived from the objects' keys (see `DriverConnection.query`).
 */
export function shapeResult<M extends RowMode>(result: DriverResult | DriverArrayResult, rowMode: M | undefined, rules: ShapeRules, sql: string): ResultOf<M> {
  if (!("columns" in result)) return (rowMode === "array" ? counted(arraysFromRows(result.rows), result) : result) as ResultOf<M>;
  if (rowMode === "array") return result as ResultOf<M>;
  checkNames(result.columns, rules, sql);
  return counted({ rows: rowsFromArrays(result.columns, result.rows) }, result) as ResultOf<M>;
}

/** Options of `shapeStream`: the row mode asked for, and who hears the columns. */
export interface ShapeStreamOptions {
  readonly rowMode?: RowMode;
  /** Called once with the columns, before the first row is yielded (or at the end when there is none). */
  readonly onColumns?: (columns: readonly ResultColumn[]) => void;
}

/**
 * Shapes a driver stream of batches opened with `rowMode: "array"` (`open` passes the driver its
 * `onColumns`) into what the caller asked for, announcing the columns before the first batch.
 */
export async function* shapeStream(
  open: (onColumns: (columns: readonly ResultColumn[]) => void) => AsyncIterable<RowBatch>,
  options: ShapeStreamOptions,
  rules: ShapeRules,
  sql: string,
): AsyncGenerator<RowBatch> {
  let columns: readonly ResultColumn[] | undefined;
  let shape: ((row: Row | unknown[]) => Row | unknown[]) | null | undefined;
  for await (const batch of open((found) => (columns = found))) {
    if (batch.length === 0) continue;
    // A driver that ignores rowMode yields objects and never calls onColumns (see DriverConnection.stream).
    if (shape === undefined) shape = rowShape(columns ?? arraysFromRows([batch[0] as Row]).columns, Array.isArray(batch[0]), options, rules, sql);
    yield shape === null ? batch : batch.map(shape);
  }
  if (shape === undefined) rowShape(columns ?? [], true, options, rules, sql);
}

/** Announces a stream's columns and returns how each of its rows becomes what the caller asked for (`null`: as it is). */
function rowShape(
  columns: readonly ResultColumn[],
  arrays: boolean,
  options: ShapeStreamOptions,
  rules: ShapeRules,
  sql: string,
): ((row: Row | unknown[]) => Row | unknown[]) | null {
  const objects = options.rowMode !== "array";
  if (objects && arrays) checkNames(columns, rules, sql);
  options.onColumns?.(columns);
  if (objects === !arrays) return null;
  if (!arrays) return (row) => Object.values(row);
  const names: Columns = { names: columns.map((c) => c.name), decoders: [] };
  return (row) => makeRow(names, row as unknown[]);
}

/** With `duplicateColumns: "error"`, a result whose row objects would lose a column is a `duplicate_column` error. */
function checkNames(columns: readonly ResultColumn[], rules: ShapeRules, sql: string): void {
  if (rules.duplicateColumns !== "error") return;
  const duplicates = duplicateNames(columns);
  if (duplicates.length === 0) return;
  throw new QueryError(
    "duplicate_column",
    `More than one column of the result is named ${duplicates.map((n) => `"${n}"`).join(", ")} (columns: ${columns.map((c) => c.name).join(", ")}): ` +
      `a row object would keep only the last, which duplicateColumns: "error" forbids. Alias them apart, or read them by position with query()`,
    { sql, engine: rules.engine, column: duplicates[0] },
  );
}

/** `rows` (and columns) with the row count and insert id of the result they were made from. */
function counted<T extends object>(rows: T, from: DriverResult | DriverArrayResult): T & Pick<DriverResult, "rowCount" | "insertId"> {
  return from.insertId === undefined ? { ...rows, rowCount: from.rowCount } : { ...rows, rowCount: from.rowCount, insertId: from.insertId };
}
