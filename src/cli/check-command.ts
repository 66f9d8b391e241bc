import type { CheckEngine } from "../check/index.js";
import { PolysqlError } from "../errors.js";
import { checkFiles, type CheckReport } from "./check-files.js";
import type { CliFlags } from "./cli-args.js";
import { toJson, type CliIo } from "./cli-io.js";
import { EXIT, UsageError } from "./exit-codes.js";

/**
 * `polysql check [files/dirs...]`: reports each construct the engines read differently, with
 * its file, line, column, rule, what each engine does and the fix; exit 1 when anything is
 * found (a malformed query file too). Without inputs it checks the current directory.
 */
export async function checkCommand(inputs: readonly string[], flags: CliFlags, io: CliIo): Promise<number> {
  let report: CheckReport;
  try {
    report = await checkFiles(inputs.length > 0 ? inputs : ["."], {
      cwd: io.cwd,
      engines: flags.engines as CheckEngine[] | undefined,
      mysqlMode: flags.sqlMode,
    });
  } catch (err) {
    // typescript missing: the command cannot run as asked (exit 2), which is not a finding (exit 1).
    if (err instanceof PolysqlError && err.code === "driver_missing") throw new UsageError(err.message);
    throw err;
  }
  const { findings, problems } = report;
  if (flags.json) {
    io.stdout.write(toJson({ ok: findings.length === 0 && problems.length === 0, files: report.files, findings, problems }) + "\n");
  } else {
    for (const p of problems) io.stdout.write(`${p.file}:${p.line} query-file: ${p.message}\n`);
    for (const f of findings) {
      const engines = Object.entries(f.engines).map(([engine, does]) => `${engine}: ${does}`);
      io.stdout.write(`${f.file}:${f.line}:${f.column} ${f.rule}: ${f.text}\n  ${engines.join("\n  ")}\n  fix: ${f.fix}\n`);
    }
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
    io.stdout.write(
      findings.length + problems.length === 0
        ? `ok: ${count(report.files, "file")} checked, nothing found\n`
        : `${count(findings.length, "finding")}${problems.length > 0 ? `, ${count(problems.length, "query-file problem")}` : ""} in ${count(report.files, "file")}\n`,
    );
  }
  return findings.length + problems.length === 0 ? EXIT.ok : EXIT.failure;
}
