import { bigintDecoder, type ValueOptions } from "./polysql.js";

/** PostgreSQL type OIDs whose text form polysql decodes its own way. */
const OID = { bytea: 17, int8: 20, date: 1082, timestamp: 1114, timestamptz: 1184, numeric: 1700, json: 114, jsonb: 3802 } as const;

type Parser = (text: string, typeId: number) => unknown;

/** `2024-03-10 06:30:15.123+00` (PostgreSQL's text form) → Date; a zone-less timestamp is UTC. */
function parseTimestamp(text: string): Date {
  let iso = text.replace(" ", "T");
  if (/[+-]\d\d$/.test(iso)) iso += ":00";
  else if (!/(?:Z|[+-]\d\d:?\d\d)$/.test(iso)) iso += "Z";
  return new Date(iso);
}

/**
 * Result parsers by type OID, giving polysql's portable values: BIGINT per the
 * `bigint` option, NUMERIC and DATE as exact text, timestamps as Dates, BYTEA as Buffer.
 */
export function parsersFor(values: ValueOptions): Record<number, Parser> {
  const int8 = bigintDecoder(values.bigint);
  return {
    [OID.int8]: (text) => int8(text),
    [OID.numeric]: (text) => text,
    [OID.date]: (text) => text,
    [OID.timestamp]: parseTimestamp,
    [OID.timestamptz]: parseTimestamp,
    [OID.bytea]: (text) => Buffer.from(text.slice(2), "hex"),
  };
}

/** JSON parameters arrive as JSON text already (polysql serializes objects); pass it through unchanged. */
export const SERIALIZERS: Record<number, (value: unknown) => string> = {
  [OID.json]: (value) => (typeof value === "string" ? value : JSON.stringify(value)),
  [OID.jsonb]: (value) => (typeof value === "string" ? value : JSON.stringify(value)),
};

/** Encodes a bound value: Dates as ISO text, bigints as text; the rest PGlite serializes. */
export function encode(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  return value;
}
