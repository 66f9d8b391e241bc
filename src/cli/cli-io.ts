/** Where the CLI writes and what it knows about its environment; tests pass their own. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** JSON with bigint as a string and binary as hex, for `--json` output. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    function (this: unknown, key: string, v: unknown) {
      const raw = (this as Record<string, unknown>)[key];
      if (typeof raw === "bigint") return raw.toString();
      if (Buffer.isBuffer(raw)) return `\\x${raw.toString("hex")}`;
      if (raw instanceof Error) return errorJson(raw);
      return v;
    },
    indent,
  );
}

/** `toJson` on one line (`undefined` as `null`), for values printed side by side. */
export function compactJson(value: unknown): string {
  return toJson(value ?? null, 0);
}

/** An error as JSON: code, reason, message, file, statement index. */
export function errorJson(err: Error): Record<string, unknown> {
  const e = err as Error & Record<string, unknown>;
  const out: Record<string, unknown> = { code: e.code ?? "unknown", message: e.message };
  for (const key of ["reason", "file", "version", "statementIndex", "sql", "engine"]) if (e[key] !== undefined) out[key] = e[key];
  return out;
}
