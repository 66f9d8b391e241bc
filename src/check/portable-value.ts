const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A value as the engines' results are compared: numbers and numeric text by their
 * decimal value (`1.98` and `"1.98"` are alike, `3` and `"3.5000"` are not), dates as
 * ISO instants, bytes as hex, objects with sorted keys; booleans stay booleans (`true`
 * and `1` differ: the `boolean-result` rule).
 *
 * @example portableValue({ b: "3.50", a: 2n }) // { a: 2, b: 3.5 }
 */
export function portableValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? decimal(String(value)) : String(value);
    case "bigint":
      return decimal(value.toString());
    case "string":
      return NUMERIC.test(value) ? decimal(value) : value;
    case "boolean":
      return value;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString("hex")}`;
  if (Array.isArray(value)) return value.map(portableValue);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = portableValue((value as Record<string, unknown>)[key]);
    return out;
  }
  return String(value);
}

/** Whether two results are the same after `portableValue`. */
export function sameResult(a: unknown, b: unknown): boolean {
  return JSON.stringify(portableValue(a)) === JSON.stringify(portableValue(b));
}

/** Canonical decimal: no leading or trailing zeros; a number when that is exact, else the digits as text. */
function decimal(text: string): number | string {
  if (/[eE]/.test(text)) return Number(text);
  let sign = text[0] === "-" ? "-" : "";
  let digits = text.replace(/^[+-]/, "");
  let [whole, fraction = ""] = digits.split(".");
  whole = whole.replace(/^0+(?=\d)/, "") || "0";
  fraction = fraction.replace(/0+$/, "");
  digits = fraction === "" ? whole : `${whole}.${fraction}`;
  if (digits === "0") sign = "";
  const canonical = sign + digits;
  const n = Number(canonical);
  return String(n) === canonical ? n : canonical;
}
