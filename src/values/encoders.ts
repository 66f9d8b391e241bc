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

/** An object literal (or `Object.create(null)`): not an array, Date, Buffer, Map or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
