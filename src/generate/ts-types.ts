import type { BigintMode } from "../index.js";

/**
 * The TypeScript type of a value of an engine type, following polysql's portable value
 * table: `Date` for TIMESTAMP/DATETIME, `string` for DECIMAL/NUMERIC and DATE (and TIME,
 * UUID, text), `number` for 32-bit integers and floats, the `bigint` option's type for
 * 64-bit integers (and SQLite integers, which are 64-bit), `boolean`, `Buffer` for bytes,
 * `unknown` for JSON (the parsed value) and for what it does not know.
 *
 * @example tsTypeOf("timestamp without time zone", "number") // "Date"
 */
export function tsTypeOf(engineType: string | undefined, bigint: BigintMode, engine: string): string {
  if (engineType === undefined || engineType === "") return "unknown";
  // MySQL/MariaDB have no boolean type: polysql reads TINYINT(1) as one.
  if (/^tinyint\(1\)/i.test(engineType)) return "boolean";
  const type = engineType
    .toUpperCase()
    .replace(/\s*\(.*$/, "")
    .trim();
  const wide = bigint === "number" ? "number" : bigint;
  if (/^(BOOL|BOOLEAN)$/.test(type)) return "boolean";
  if (/^(INT8|BIGINT|LONGLONG)$/.test(type)) return wide;
  if (/^(INT2|INT4|SMALLINT|INTEGER|INT|MEDIUMINT|TINYINT|SHORT|LONG|INT24|YEAR|TINY|SERIAL|SMALLSERIAL)$/.test(type))
    return engine === "sqlite" ? wide : "number";
  if (type === "BIGSERIAL") return wide;
  if (/^(NUMERIC|DECIMAL|NEWDECIMAL|DECIMAL_TEXT|MONEY)$/.test(type)) return "string";
  if (/^(REAL|FLOAT|FLOAT4|FLOAT8|DOUBLE|DOUBLE PRECISION)$/.test(type)) return "number";
  if (type === "DATE") return "string";
  if (/^(TIMESTAMP|TIMESTAMPTZ|DATETIME)/.test(type)) return "Date";
  if (/^TIME/.test(type)) return "string";
  if (/^(JSON|JSONB|JSON_TEXT)$/.test(type)) return "unknown";
  if (/^(BYTEA|BLOB|TINYBLOB|MEDIUMBLOB|LONGBLOB|BINARY|VARBINARY|BYTES|GEOMETRY)$/.test(type)) return "Buffer";
  if (
    /^(TEXT|TINYTEXT|MEDIUMTEXT|LONGTEXT|CHAR|VARCHAR|CHARACTER|CHARACTER VARYING|NCHAR|NVARCHAR|CLOB|STRING|VAR_STRING|NAME|UUID|UUID_TEXT|CITEXT|ENUM|SET|INET|INET6|BPCHAR)$/.test(
      type,
    )
  )
    return "string";
  if (engine === "sqlite") {
    // SQLite's type affinity rules, for declared types it does not know by name.
    if (type.includes("INT")) return wide;
    if (/CHAR|CLOB|TEXT/.test(type)) return "string";
    if (type.includes("BLOB")) return "Buffer";
    if (/REAL|FLOA|DOUB/.test(type)) return "number";
  }
  return "unknown";
}
