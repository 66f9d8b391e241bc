import { decodeBoolean, decodeJson, decodeUtcTimestamp, formatDecimal } from "../../values/decoders.js";
import { formatUtcTimestamp } from "../../values/encoders.js";
import type { Decoder } from "../../values/rows.js";

/**
 * Chooses a decoder from a column's declared type (the portable types' SQLite
 * spellings, and the common hand-written ones); expressions only get integer handling:
 * `bigint` for a BigInt (a statement read with safe integers), none without it.
 */
export function decoderFor(declared: string | null, bigint: Decoder): Decoder {
  const type = (declared ?? "").toUpperCase();
  const base = type.replace(/\s*\(.*$/, "");
  switch (base) {
    case "BOOLEAN":
    case "BOOL":
      return decodeBoolean;
    case "JSON":
    case "JSONB":
    case "JSON_TEXT":
      return decodeJson;
    case "TIMESTAMP":
    case "DATETIME":
    case "TIMESTAMPTZ":
      return decodeUtcTimestamp;
    case "DATE":
      return (v) => (typeof v === "string" && v.length > 10 ? v.slice(0, 10) : v);
    case "UUID":
    case "UUID_TEXT":
      return (v) => (typeof v === "string" ? v.toLowerCase() : v);
    case "DECIMAL":
    case "DECIMAL_TEXT":
    case "NUMERIC": {
      const scale = /\(\s*\d+\s*,\s*(\d+)\s*\)/.exec(type)?.[1];
      return (v) => formatDecimal(v, scale === undefined ? undefined : Number(scale));
    }
    default:
      return bigint === undefined ? undefined : (v) => (typeof v === "bigint" ? bigint(v) : v);
  }
}

/** Encodes a bound value the way SQLite stores the portable types. */
export function encode(value: unknown): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return formatUtcTimestamp(value);
  return value;
}
