import type { Database } from "../database.js";
import { backends } from "../dialects/registry.js";
import { toJson, type CliIo } from "./cli-io.js";
import { EXIT } from "./exit-codes.js";
import { formatGrid, formatTable } from "./format-table.js";

/** `polysql health`: exit 0 when the database answers, 1 otherwise. */
export async function healthCommand(db: Database, json: boolean, io: CliIo): Promise<number> {
  const report = await db.health();
  if (json) io.stdout.write(toJson(report) + "\n");
  else if (report.ok) io.stdout.write(`ok: ${report.engine} ${report.serverVersion ?? ""} in ${report.latencyMs} ms\n`);
  else io.stdout.write(`not ok: ${report.engine}: ${report.error?.code}: ${report.error?.message}\n`);
  return report.ok ? EXIT.ok : EXIT.failure;
}

/**
 * `polysql query "<sql>"`: prints every column in select-list order (a repeated name too) and
 * the rows as a table, or `{ columns, rows }` as JSON; a statement without a result set prints
 * the rows it affected.
 */
export async function queryCommand(db: Database, sql: string, json: boolean, io: CliIo): Promise<number> {
  const { columns, rows, rowCount } = await db.query(sql);
  const count = (n: number) => `${n} row${n === 1 ? "" : "s"}`;
  const header = columns.map((c) => c.name);
  if (json) io.stdout.write(toJson({ columns, rows }) + "\n");
  else if (columns.length === 0) io.stdout.write(`(${count(rowCount)} affected)\n`);
  else io.stdout.write(`${formatGrid(header, rows)}(${count(rows.length)})\n`);
  return EXIT.ok;
}

/** `polysql backends`: name, schemes, version, capabilities declared true, and whether the driver is installed. */
export function backendsCommand(json: boolean, io: CliIo): number {
  const list = backends();
  if (json) io.stdout.write(toJson(list) + "\n");
  else {
    const rows = list.map((b) => ({
      name: b.name,
      schemes: b.schemes.join(", "),
      version: b.version,
      capabilities: Object.keys(b.capabilities)
        .filter((c) => b.capabilities[c])
        .join(", "),
      installed: b.installed
        ? "yes"
        : `no (npm install ${b.drivers
            .filter((d) => !d.installed)
            .map((d) => d.package)
            .join(" ")})`,
    }));
    io.stdout.write(formatTable(rows));
  }
  return EXIT.ok;
}
