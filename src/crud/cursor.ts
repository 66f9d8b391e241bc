import { ParameterError } from "../errors.js";

/** Encodes the order-column values of a page's last row as an opaque, URL-safe cursor. Dates and bigints survive. */
export function encodeCursor(values: unknown[]): string {
  const tagged = values.map((v) =>
    v instanceof Date
      ? { $date: v.toISOString() }
      : typeof v === "bigint"
        ? { $bigint: v.toString() }
        : Buffer.isBuffer(v)
          ? { $bytes: v.toString("base64") }
          : v,
  );
  return Buffer.from(JSON.stringify(tagged)).toString("base64url");
}

/** Decodes a cursor made by `encodeCursor`; a malformed one is an `invalid_parameter` error. */
export function decodeCursor(cursor: string, length: number): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString());
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== length) {
    throw new ParameterError("invalid_parameter", "The pagination cursor is malformed or was made for a different orderBy");
  }
  return parsed.map((v) => {
    if (v !== null && typeof v === "object") {
      if (typeof v.$date === "string") return new Date(v.$date);
      if (typeof v.$bigint === "string") return BigInt(v.$bigint);
      if (typeof v.$bytes === "string") return Buffer.from(v.$bytes, "base64");
    }
    return v;
  });
}
