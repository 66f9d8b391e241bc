import type { CheckEngine } from "../check/index.js";
import { PolysqlError } from "../errors.js";
import { checkFiles, type CheckReport } from "./check-files.js";
import { type DifferentialReport, differentialRun } from "./differential-run.js";
import type { CliFlags } from "./cli-args.js";
import { compactJson, toJson, type CliIo } from "./cli-io.js";
import { EXIT, UsageError } from "./exit-codes.js";

/**
 * `polysql check [files/dirs...]`: reports each construct the engines read differently, with
 * its file, line, column, rule, what each engine does and the fix; with `--url A --url B`, also
 * runs the query files' queries on every database and reports results that differ. Exit 1
 * when anything is found (a malformed query file too). Without inputs it checks the current directory.
 */
export async function checkCommand(inputs: readonly string[], flags: CliFlags, io: CliIo): Promise<number> {
  if (flags.urls !== undefined && flags.urls.length < 2) throw new UsageError("A differential run takes two or more --url (one per engine)");
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
  const differential = flags.urls === undefined ? undefined : await differentialRun(report.queries, flags.urls);
  const differences = differential?.differences.length ?? 0;
  const ok = findings.length + problems.length + differences === 0;
  if (flags.json) {
    io.stdout.write(toJson({ ok, files: report.files, findings, problems, ...(differential ? { differential } : {}) }) + "\n");
  } else {
    for (const p of problems) io.stdout.write(`${p.file}:${p.line} query-file: ${p.message}\n`);
    for (const f of findings) {
      const engines = Object.entries(f.engines).map(([engine, does]) => `${engine}: ${does}`);
      io.stdout.write(`${f.file}:${f.line}:${f.column} ${f.rule}: ${f.text}\n  ${engines.join("\n  ")}\n  fix: ${f.fix}\n`);
    }
    if (differential !== undefined) writeDifferential(differential, io);
    const count = (n: number, what: string, plural = `${what}s`) => `${n} ${n === 1 ? what : plural}`;
    const ran = differential === undefined ? "" : `; ${count(differential.ran, "query", "queries")} run on ${differential.databases.join(", ")}`;
    io.stdout.write(
      ok
        ? `ok: ${count(report.files, "file")} checked, nothing found${ran}\n`
        : `${[count(findings.length, "finding"), problems.length > 0 ? count(problems.length, "query-file problem") : "", differential ? count(differences, "difference") : ""].filter(Boolean).join(", ")} in ${count(report.files, "file")}${ran}\n`,
    );
  }
  return ok ? EXIT.ok : EXIT.failure;
}

/** Each differing query with every database's result side by side; skipped queries with the reason. */
function writeDifferential(report: DifferentialReport, io: CliIo): void {
  const width = Math.max(...report.databases.map((d) => d.length));
  for (const d of report.differences) {
    io.stdout.write(`${d.file}:${d.line} ${d.query} (:${d.kind}) differs:\n`);
    for (const { database, result } of d.results) io.stdout.write(`  ${database.padEnd(width)}  ${compactJson(result)}\n`);
  }
  for (const s of report.skipped) io.stdout.write(`${s.file}:${s.line} ${s.query} not run: ${s.reason}\n`);
}
