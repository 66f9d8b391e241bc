import path from "node:path";
import { generate } from "../generate/index.js";
import type { CliFlags } from "./cli-args.js";
import { toJson, type CliIo } from "./cli-io.js";
import { EXIT } from "./exit-codes.js";

/**
 * `polysql generate [--url URL ...] [--queries DIR] [--out DIR] [--check]`: typed functions
 * from query files, their types asked of each database given (docs/typed-sql.md). Exit 1 on
 * a malformed query file, a query an engine rejects, an undeclared difference between
 * engines, or (with --check) stale generated files. Without --url it works from the snapshot.
 */
export async function generateCommand(flags: CliFlags, io: CliIo): Promise<number> {
  const report = await generate({
    urls: flags.urls ?? [],
    queries: path.resolve(io.cwd, flags.queries ?? "queries"),
    out: path.resolve(io.cwd, flags.out ?? path.join("src", "queries")),
    check: flags.check,
    bigint: flags.bigint,
    importFrom: flags.importFrom,
    tables: flags.tables === undefined ? undefined : new RegExp(flags.tables),
  });
  const undeclared = report.differences.filter((d) => !d.declared);
  const ok = report.problems.length === 0 && undeclared.length === 0 && (!flags.check || report.stale.length === 0);
  if (flags.json) {
    io.stdout.write(`${toJson({ ok, ...report })}\n`);
    return ok ? EXIT.ok : EXIT.failure;
  }
  for (const p of report.problems) io.stdout.write(`${p}\n`);
  for (const d of report.differences) {
    const [a, b] = d.engines;
    io.stdout.write(`${d.file} ${d.query}: ${d.what} is ${d.types[0]} on ${a} and ${d.types[1]} on ${b}${d.declared ? " (declared)" : ""}\n`);
  }
  if (flags.check) for (const s of report.stale) io.stdout.write(`stale: ${s}\n`);
  const timing = Object.entries(report.timings)
    .map(([engine, ms]) => `${engine} ${ms} ms`)
    .join(", ");
  const action = flags.check ? (report.stale.length === 0 ? "up to date" : `${report.stale.length} stale`) : `${report.changed.length} files written`;
  io.stdout.write(
    `${report.queries} queries; ${action}${timing === "" ? " (from the snapshot)" : `; derived in ${timing}`}; ${undeclared.length} undeclared differences\n`,
  );
  return ok ? EXIT.ok : EXIT.failure;
}
