import { PolysqlError } from "../errors.js";
import type { Finding } from "./check-sql.js";

/** A statement was refused by `connect({ portability: "error" })`: the findings say why and how to fix it. */
export class PortabilityError extends PolysqlError {
  constructor(
    sql: string,
    readonly findings: readonly Finding[],
  ) {
    super("portability_error", `Not portable: ${describeFindings(findings)}`, { sql });
  }
}

/** The findings in one line: rule, position, text, what each engine does, the fix. */
export function describeFindings(findings: readonly Finding[]): string {
  return findings
    .map(
      (f) =>
        `${f.rule} at ${f.line}:${f.column} (${f.text}): ${Object.entries(f.engines)
          .map(([engine, does]) => `${engine}: ${does}`)
          .join("; ")}. Fix: ${f.fix}`,
    )
    .join(" | ");
}
