import { loadDriver } from "../kit/load-driver.js";

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
 * Sends every batch through one `COPY table (columns) FROM STDIN` in text
 * format, honouring the socket's backpressure. Returns the server's row count.
 */
export async function copyRows(
  client: { query(stream: object): unknown },
  table: string,
  columns: readonly string[],
  batches: AsyncIterable<readonly unknown[][]>,
): Promise<number> {
  const { from } = loadDriver<{ from: CopyFrom }>("pg-copy-streams", "postgres");
  const stream = client.query(from(`COPY ${table} (${columns.join(", ")}) FROM STDIN`)) as CopyStream;
  let failure: unknown;
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", () => resolve());
    stream.on("error", (err) => ((failure = err), reject(err)));
  });
  done.catch(() => undefined);
  let count = 0;
  try {
    for await (const rows of batches) {
      let buffer = "";
      for (const row of rows) {
        for (let i = 0; i < row.length; i++) buffer += (i === 0 ? "" : "\t") + copyText(row[i]);
        buffer += "\n";
        if (buffer.length >= 65_536) {
          if (!stream.write(buffer)) await drained(stream, () => failure);
          buffer = "";
        }
      }
      if (buffer !== "" && !stream.write(buffer)) await drained(stream, () => failure);
      count += rows.length;
      if (failure) break;
    }
  } catch (err) {
    // A bad row (or the caller's iterable) failed: abort the COPY so the server rolls it back.
    (stream as unknown as { destroy(e: unknown): void }).destroy(err);
    await done.catch(() => undefined);
    throw err;
  }
  stream.end();
  await done;
  return stream.rowCount ?? count;
}

function drained(stream: CopyStream, failed: () => unknown): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (failed()) return reject(failed());
    stream.once("drain", () => resolve());
    stream.once("error", reject);
  });
}
