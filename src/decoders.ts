import { QueryError } from "./errors.js";

/** How BIGINT values come back: a safe `number` (default; unsafe ones are errors), `bigint`, or `string`. */
export type BigintMode = "number" | "bigint" | "string";

/** Options every backend's driver receives from the core. */
export interface ValueOptions {
  bigint: BigintMode;
}

/** Decodes a 64-bit integer (as bigint, string or number) per the chosen mode. */
export function bigintDecoder(mode: BigintMode): (value: unknown) => unknown {
  if (mode === "bigint") return (v) => (typeof v === "bigint" ? v : BigInt(v as string));
  if (mode === "string") return (v) => String(v);
  return (v) => {
    if (typeof v === "number") return v;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) {
      throw new QueryError("data_exception", `Integer ${String(v)} is beyond 2^53 and would lose precision as a number; connect with { bigint: "bigint" } or "string"`);
    }
    return n;
  };
}

/** Parses JSON text (or bytes) into a value. */
export function decodeJson(value: unknown): unknown {
  if (typeof value !== "string" && !Buffer.isBuffer(value)) return value;
  return JSON.parse(value.toString());
}

/** 0/1 (number, bigint or string) to a boolean. */
export function decodeBoolean(value: unknown): unknown {
  if (typeof value === "boolean") return value;
  return Number(value) !== 0;
}

/** `YYYY-MM-DD HH:MM:SS[.fff]` or ISO text, read as UTC, to a Date. */
export function decodeUtcTimestamp(value: unknown): unknown {
  if (value instanceof Date) return value;
  if (typeof value === "number" || typeof value === "bigint") return new Date(Number(value));
  const text = String(value);
  const hasZone = /(?:Z|[+-]\d\d(?::?\d\d)?)$/.test(text);
  return new Date(hasZone ? text.replace(" ", "T") : `${text.replace(" ", "T")}Z`);
}

/** Formats a Date as UTC `YYYY-MM-DD HH:MM:SS.fff`, the text form SQLite and MariaDB store. */
export function formatUtcTimestamp(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}
