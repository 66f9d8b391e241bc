/** One cell as text: NULL, ISO dates, hex bytes, JSON for objects. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString("hex")}`;
  if (typeof value === "object") return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return String(value);
}

/**
 * Renders rows as an aligned text table with a header line.
 *
 * @example formatTable([{ id: 1, name: "Ada" }])
 * // "id | name\n---+-----\n1  | Ada\n"
 */
export function formatTable(rows: readonly Record<string, unknown>[], columns = Object.keys(rows[0] ?? {})): string {
  if (columns.length === 0) return "";
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c]).replace(/\s*\n\s*/g, " ")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join(" | ")
      .trimEnd();
  return [line(columns), widths.map((w) => "-".repeat(w)).join("-+-"), ...cells.map(line)].join("\n") + "\n";
}
