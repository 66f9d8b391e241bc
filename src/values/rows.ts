import type { ResultColumn, Row } from "../dialects/contract/index.js";

/** Turns one engine value into its portable JS value; `undefined` means as is. */
export type Decoder = ((value: unknown) => unknown) | undefined;

/** A result's column names and decoders, built once per result set. */
export interface Columns {
  readonly names: readonly string[];
  readonly decoders: readonly Decoder[];
}

/**
 * Builds a plain row object from an array of values. Keys are defined as own
 * data properties, so a column named `__proto__` or `constructor` is just data.
 * Duplicate column names: the last one wins, on every engine.
 */
export function makeRow(columns: Columns, values: ArrayLike<unknown>): Row {
  const row: Row = {};
  const { names, decoders } = columns;
  for (let i = 0; i < names.length; i++) {
    const decode = decoders[i];
    const raw = values[i];
    const value = decode === undefined || raw === null ? raw : decode(raw);
    if (names[i] === "__proto__") {
      Object.defineProperty(row, "__proto__", { value, enumerable: true, writable: true, configurable: true });
    } else {
      row[names[i]] = value;
    }
  }
  return row;
}

/**
 * A new array of decoded values, in select-list order: the array twin of `makeRow`,
 * for `rowMode: "array"`. The driver's array is left as it is (writing into a client
 * library's row arrays measured slower on MariaDB's than building new ones).
 */
export function decodeValues(columns: Columns, values: ArrayLike<unknown>): unknown[] {
  const { decoders } = columns;
  const n = values.length;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const decode = decoders[i];
    const raw = values[i];
    out[i] = decode === undefined || raw === null ? raw : decode(raw);
  }
  return out;
}

/** Row objects from arrays of values already decoded, keyed by the columns' names (the last of a duplicate name wins). */
export function rowsFromArrays(columns: readonly ResultColumn[], rows: readonly unknown[][]): Row[] {
  const plain: Columns = { names: columns.map((c) => c.name), decoders: [] };
  return rows.map((values) => makeRow(plain, values));
}

/**
 * Arrays from row objects, for a driver that cannot give positions: the columns are
 * the first row's keys (none without a row), so a duplicate name is already lost and
 * an integer-like name comes first.
 */
export function arraysFromRows(rows: readonly Row[]): { columns: ResultColumn[]; rows: unknown[][] } {
  const names = rows.length === 0 ? [] : Object.keys(rows[0]);
  return { columns: names.map((name) => ({ name })), rows: rows.map((row) => names.map((name) => row[name])) };
}

/** The names that occur more than once among a result's columns, each once, in order. */
export function duplicateNames(columns: readonly ResultColumn[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const { name } of columns) (seen.has(name) ? twice : seen).add(name);
  return [...twice];
}

/**
 * The first column of the first row of an array-mode result, or `undefined` when
 * there is no row: what `db.value()` answers, and how one-value queries (server
 * version, packet limit) are read. By position, so neither a duplicate name nor an
 * integer-like one (which object keys put first) changes which column it is.
 *
 * @example firstValue(await session.run({ sql: "SELECT VERSION()", values: [] }, { rowMode: "array" }))
 */
export function firstValue(result: { rows: readonly (readonly unknown[])[] }): unknown {
  return result.rows[0]?.[0];
}
