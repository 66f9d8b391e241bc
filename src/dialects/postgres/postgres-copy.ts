import { loadDriver } from "../../load-driver.js";

/** The subset of `pg-copy-streams` used here. */
interface CopyStream extends NodeJS.WritableStream {
  rowCount?: number;
  on(event: "finish" | "error" | "drain", cb: (err?: unknown) => void): this;
}
type CopyFrom = (sql: string) => object;

/** One value in COPY text format: `\N` for NULL, backslash escapes, `\\x..` hex for bytes. */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  switch (typeof value) {
    case "string":
      return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : value;
    case "number":
    case "bigint":
      return String(value);
    case "boolean":
      return value ? "t" : "f";
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString("hex")}`;
  return copyText(String(value));
}

const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * Sends rows with `COPY table (columns) FROM STDIN` in text format, honouring
 * the socket's backpressure. Returns the row count the server reports.
 */
export async function copyRows(
  client: { query(stream: object): unknown },
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
): Promise<number> {
  const { from } = loadDriver<{ from: CopyFrom }>("pg-copy-streams", "postgres");
  const stream = client.query(from(`COPY ${table} (${columns.join(", ")}) FROM STDIN`)) as CopyStream;
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", () => resolve());
    stream.on("error", reject);
  });
  let buffer = "";
  for (const row of rows) {
    let line = "";
    for (let i = 0; i < row.length; i++) line += (i === 0 ? "" : "\t") + copyText(row[i]);
    buffer += line + "\n";
    if (buffer.length >= 65_536) {
      const ok = stream.write(buffer);
      buffer = "";
      if (!ok) await new Promise<void>((resolve) => stream.once("drain", () => resolve()));
    }
  }
  stream.end(buffer);
  await done;
  return stream.rowCount ?? rows.length;
}
