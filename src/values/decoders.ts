import { QueryError } from "../errors.js";

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
      throw new QueryError(
        "data_exception",
        `Integer ${String(v)} is beyond 2^53 and would lose precision as a number; connect with { bigint: "bigint" } or "string"`,
      );
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

const UTC_TEXT = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/;

/** `YYYY-MM-DD HH:MM:SS[.fff]` or ISO text, read as UTC, to a Date. */
export function decodeUtcTimestamp(value: unknown): unknown {
  if (value instanceof Date) return value;
  if (typeof value === "number" || typeof value === "bigint") return new Date(Number(value));
  const text = String(value);
  // The common zone-less form is parsed by hand: Date.parse on text is several times slower.
  const m = UTC_TEXT.exec(text);
  if (m !== null) {
    const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
    const year = Number(m[1]);
    const date = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
    if (year < 100) date.setUTCFullYear(year); // Date.UTC reads 0..99 as 1900..1999
    return date;
  }
  const hasZone = /(?:Z|[+-]\d\d(?::?\d\d)?)$/.test(text);
  return new Date(hasZone ? text.replace(" ", "T") : `${text.replace(" ", "T")}Z`);
}

/** Exact decimal text, padded or rounded (half away from zero) to the declared scale: how SQLite's DECIMAL_TEXT columns read back. */
export function formatDecimal(value: unknown, scale: number | undefined): string {
  let text = typeof value === "number" ? numberText(value) : String(value);
  if (scale === undefined || !/^-?\d+(\.\d+)?$/.test(text)) return text;
  const negative = text.startsWith("-");
  if (negative) text = text.slice(1);
  let [int, frac = ""] = text.split(".");
  if (frac.length > scale) {
    const roundUp = frac.charCodeAt(scale) >= 53; // '5'
    frac = frac.slice(0, scale);
    if (roundUp) {
      const digits = (int + frac).split("").map(Number);
      let i = digits.length - 1;
      for (; i >= 0 && digits[i] === 9; i--) digits[i] = 0;
      if (i < 0) digits.unshift(1);
      else digits[i]++;
      const joined = digits.join("");
      int = joined.slice(0, joined.length - scale) || "0";
      frac = joined.slice(joined.length - scale);
    }
  }
  frac = frac.padEnd(scale, "0");
  const out = scale > 0 ? `${int}.${frac}` : int;
  return negative && /[1-9]/.test(out) ? `-${out}` : out;
}

function numberText(n: number): string {
  // Plain notation for the range a DECIMAL column holds; toString would give 1e+21.
  return Math.abs(n) < 1e21 ? n.toFixed(Math.min(20, Math.max(0, decimals(n)))) : n.toString();
}

function decimals(n: number): number {
  const s = n.toString();
  const e = /e-(\d+)$/.exec(s);
  if (e) return Number(e[1]) + (s.split("e")[0].split(".")[1]?.length ?? 0);
  return s.split(".")[1]?.length ?? 0;
}
