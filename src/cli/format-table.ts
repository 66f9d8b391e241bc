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
  const values = rows.map((r) => columns.map((c) => r[c]));
  return formatGrid(columns, values);
}

/**
 * Renders rows of values under a header, column by column in order (a repeated name is
 * its own column); an empty header renders nothing.
 *
 * @example formatGrid(["a", "a"], [[1, 2]])
 * // "a | a\n--+--\n1 | 2\n"
 */
export function formatGrid(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  if (columns.length === 0) return "";
  const cells = rows.map((r) => columns.map((_, i) => formatCell(r[i]).replace(/\s*\n\s*/g, " ")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join(" | ")
      .trimEnd();
  return [line(columns), widths.map((w) => "-".repeat(w)).join("-+-"), ...cells.map(line)].join("\n") + "\n";
}
