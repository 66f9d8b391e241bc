import type { Row } from "../dialects/contract/index.js";

/** One column as `columns()` reports it. */
export interface ColumnInfo {
  name: string;
  /** The type as the engine spells it, e.g. `integer`, `character varying(40)`, `DECIMAL_TEXT(12,2)`. */
  type: string;
  nullable: boolean;
  /** The default as SQL text, when the column has one. */
  default?: string;
}

/** Table names from a dialect's `tablesSql` rows, sorted by code point. */
export function tableNames(rows: readonly Row[]): string[] {
  return rows.map((r) => String(r.name)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Normalizes a dialect's `columnsSql` rows: nullable becomes a boolean, a NULL default is left out. */
export function columnInfos(rows: readonly Row[]): ColumnInfo[] {
  return rows.map((r) => {
    const column: ColumnInfo = { name: String(r.name), type: String(r.type ?? ""), nullable: truthy(r.nullable) };
    const value = r.default_value;
    if (value !== null && value !== undefined) column.default = String(value);
    return column;
  });
}

function truthy(value: unknown): boolean {
  if (typeof value === "string") return /^(?:yes|y|true|t|1)$/i.test(value);
  if (typeof value === "bigint") return value !== 0n;
  return Boolean(value);
}
