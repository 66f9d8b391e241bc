import { ParameterError } from "../errors.js";

/** A value always bound as JSON text, even a top-level string, number, boolean or null. */
export class JsonValue {
  constructor(readonly value: unknown) {}
}

/**
 * Marks a value to be bound as JSON. Objects and arrays are JSON already; use
 * this for a JSON scalar such as a string, which would otherwise bind as text.
 *
 * @example await db.execute("INSERT INTO docs (body) VALUES (:b)", { b: json("just a string") });
 */
export function json(value: unknown): JsonValue {
  return new JsonValue(value);
}

/**
 * Checks and normalizes one bound value before any dialect sees it: plain
 * objects and arrays become JSON text, `Uint8Array` becomes `Buffer`;
 * functions, symbols and non-finite numbers are errors naming the parameter.
 */
export function normalizeValue(value: unknown, index: number): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "bigint":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw new ParameterError("invalid_parameter", `Parameter ${index + 1} is ${value}, which no engine stores as a number`);
      }
      return value;
    case "undefined":
      throw new ParameterError("missing_parameter", `Parameter ${index + 1} is undefined; pass null for SQL NULL`);
    case "function":
    case "symbol":
      throw new ParameterError("invalid_parameter", `Parameter ${index + 1} is a ${typeof value}, which cannot be bound`);
  }
  if (value === null || value instanceof Date || Buffer.isBuffer(value)) {
    if (value instanceof Date && Number.isNaN(value.getTime())) {
      throw new ParameterError("invalid_parameter", `Parameter ${index + 1} is an invalid Date`);
    }
    return value;
  }
  if (value instanceof JsonValue) {
    const text = JSON.stringify(value.value);
    if (text === undefined) throw new ParameterError("invalid_parameter", `Parameter ${index + 1}: json() of ${typeof value.value} has no JSON form`);
    return text;
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value) || isPlainObject(value)) return JSON.stringify(value);
  throw new ParameterError(
    "invalid_parameter",
    `Parameter ${index + 1} is a ${(value as object).constructor?.name ?? "object"}; bind strings, numbers, booleans, bigints, Dates, Buffers or plain JSON values`,
  );
}

const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? "0" : "") + i);
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/**
 * Formats a Date as UTC `YYYY-MM-DD HH:MM:SS.fff`, the text form SQLite and
 * MariaDB store. Arithmetic on the epoch milliseconds (civil-from-days), which
 * is cheaper than `toISOString()` plus edits on a bulk insert's hot path.
 */
export function formatUtcTimestamp(date: Date): string {
  const t = date.getTime();
  const days = Math.floor(t / 86_400_000);
  let rest = t - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 1000 || year > 9999) return date.toISOString().replace("T", " ").replace("Z", "");
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${year}-${TWO[month]}-${TWO[day]} ${TWO[hours]}:${TWO[minutes]}:${TWO[seconds]}.${THREE[rest - seconds * 1000]}`;
}

/** An object literal (or `Object.create(null)`): not an array, Date, Buffer, Map or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
