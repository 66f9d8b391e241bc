import type { HistoryRow } from "./history.js";
import type { Migration } from "./migration-files.js";
import { MigrationError } from "./migration-error.js";
import { compareVersions, versionKey } from "./version.js";

/**
 * Compares the files with the history, before anything runs: a failed
 * migration not yet repaired, an applied file that changed (both checksums
 * named) or is gone, and a pending file that sorts before an applied one
 * (unless `allowOutOfOrder`).
 *
 * @example const problems = validateHistory(migrations, history, { allowOutOfOrder: false });
 */
export function validateHistory(
  migrations: readonly Migration[],
  history: readonly HistoryRow[],
  options: { allowOutOfOrder?: boolean } = {},
): MigrationError[] {
  const problems: MigrationError[] = [];
  const files = new Map(migrations.map((m) => [m.key, m]));
  const applied = new Set<string>();
  let latest: HistoryRow | undefined;
  for (const row of history) {
    const key = versionKey(row.version);
    const migration = files.get(key);
    const details = { file: migration?.up.file ?? row.script, version: row.version };
    if (!row.success) {
      const where = row.failedStatement === undefined ? "" : ` at statement ${row.failedStatement}${row.failedSql ? ` (${preview(row.failedSql)})` : ""}`;
      problems.push(
        new MigrationError(
          "failed",
          `${row.script} failed${where}: ${row.error ?? "unknown error"}. Its earlier statements were committed: fix the schema by hand, then run \`polysql migrate repair\``,
          { ...details, file: row.script },
        ),
      );
      continue;
    }
    applied.add(key);
    if (latest === undefined || compareVersions(row.version, latest.version) > 0) latest = row;
    if (migration === undefined) {
      problems.push(new MigrationError("missing", `${row.script} was applied but the file is missing`, { ...details, file: row.script }));
    } else if (migration.up.checksum !== row.checksum) {
      problems.push(
        new MigrationError(
          "changed",
          `${migration.up.file} changed after it was applied: checksum applied ${row.checksum}, file now ${migration.up.checksum}`,
          details,
        ),
      );
    }
  }
  if (!options.allowOutOfOrder && latest !== undefined) {
    for (const m of migrations) {
      if (!applied.has(m.key) && compareVersions(m.version, latest.version) < 0 && !history.some((r) => versionKey(r.version) === m.key)) {
        problems.push(
          new MigrationError(
            "out_of_order",
            `${m.up.file} is pending but sorts before the applied ${latest.script} (rename it to a later version, or pass allowOutOfOrder / --allow-out-of-order)`,
            { file: m.up.file, version: m.version },
          ),
        );
      }
    }
  }
  return problems;
}

/** The migrations not yet applied, in version order. */
export function pendingMigrations(migrations: readonly Migration[], history: readonly HistoryRow[]): Migration[] {
  const done = new Set(history.map((r) => versionKey(r.version)));
  return migrations.filter((m) => !done.has(m.key));
}

function preview(sql: string): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}
