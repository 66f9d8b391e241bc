import type { Row } from "../dialects/contract/index.js";

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
 * The value of a row's first column, or `undefined` when there is no row (or
 * it has no columns): what `db.value()` answers, and how one-value queries
 * (server version, packet limit, lock results) are read.
 *
 * @example firstValue((await session.run({ sql: "SELECT VERSION()", values: [] })).rows[0])
 */
export function firstValue(row: Row | undefined): unknown {
  if (row === undefined) return undefined;
  for (const key in row) return row[key];
  return undefined;
}
