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

/** The number written by the ASCII digits of `text` from `start` to `end`, or -1 when one is not a digit. */
function digitsAt(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f{1,9}]` (or `T` between date and time) as UTC, read by character
 * codes: what MariaDB and SQLite send for every DATETIME, so it runs once per value of a
 * streamed or wide result (a regular expression and `Date.parse` measured several times slower).
 * `undefined` when the text has another form.
 */
function parseUtcText(text: string): Date | undefined {
  const n = text.length;
  if (n < 19 || n === 20 || n > 29) return undefined;
  const t = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (t !== 32 && t !== 84) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return undefined;
  }
  let ms = 0;
  if (n > 19) {
    if (text.charCodeAt(19) !== 46 || digitsAt(text, 20, n) < 0) return undefined;
    ms = digitsAt(text, 20, Math.min(n, 23)) * (n === 21 ? 100 : n === 22 ? 10 : 1);
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 7);
  const day = digitsAt(text, 8, 10);
  const hour = digitsAt(text, 11, 13);
  const minute = digitsAt(text, 14, 16);
  const second = digitsAt(text, 17, 19);
  if ((year | month | day | hour | minute | second) < 0) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  if (year < 100) date.setUTCFullYear(year); // Date.UTC reads 0..99 as 1900..1999
  return date;
}

/** `YYYY-MM-DD HH:MM:SS[.fff]` or ISO text, read as UTC, to a Date. */
export function decodeUtcTimestamp(value: unknown): unknown {
  if (value instanceof Date) return value;
  if (typeof value === "number" || typeof value === "bigint") return new Date(Number(value));
  const text = String(value);
  const fast = parseUtcText(text);
  if (fast !== undefined) return fast;
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
