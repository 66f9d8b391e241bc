import type { Dialect } from "../dialects/contract/index.js";
import { PolysqlError } from "../errors.js";
import type { Queryable } from "../queryable.js";
import { translateTypes } from "../sql/translate-types.js";
import { versionKey } from "./version.js";

/** The history table's name. */
export const HISTORY_TABLE = "polysql_schema_history";

/** One row of `polysql_schema_history`. */
export interface HistoryRow {
  version: string;
  description: string;
  /** The file that ran, e.g. `V001__create_users.sql`. */
  script: string;
  checksum: string;
  appliedAt: Date;
  durationMs: number;
  success: boolean;
  engine: string;
  /** For a failure outside a transaction: the failing statement's 1-based index, its text and the error. */
  failedStatement?: number;
  failedSql?: string;
  error?: string;
}

const CREATE = `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (
  version VARCHAR(50) NOT NULL PRIMARY KEY,
  description VARCHAR(200) NOT NULL,
  script VARCHAR(255) NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  applied_at TIMESTAMP NOT NULL,
  duration_ms INTEGER NOT NULL,
  success BOOLEAN NOT NULL,
  engine VARCHAR(30) NOT NULL,
  failed_statement INTEGER,
  failed_sql TEXT,
  error TEXT
)`;

/** Creates the history table if it is missing (under the migration lock). */
export async function ensureHistory(q: Queryable, dialect: Dialect): Promise<void> {
  await q.execute(translateTypes(dialect, CREATE));
}

/** Reads the history; an absent table reads as empty. */
export async function readHistory(q: Queryable): Promise<HistoryRow[]> {
  let rows: Record<string, unknown>[];
  try {
    rows = await q.all(
      `SELECT version, description, script, checksum, applied_at, duration_ms, success, engine, failed_statement, failed_sql, error FROM ${HISTORY_TABLE}`,
    );
  } catch (err) {
    if (err instanceof PolysqlError && err.code === "undefined_table") return [];
    throw err;
  }
  return rows.map((r) => ({
    version: String(r.version),
    description: String(r.description),
    script: String(r.script),
    checksum: String(r.checksum),
    appliedAt: r.applied_at instanceof Date ? r.applied_at : new Date(String(r.applied_at)),
    durationMs: Number(r.duration_ms),
    success: r.success === true || Number(r.success) === 1,
    engine: String(r.engine),
    ...(r.failed_statement == null ? {} : { failedStatement: Number(r.failed_statement) }),
    ...(r.failed_sql == null ? {} : { failedSql: String(r.failed_sql) }),
    ...(r.error == null ? {} : { error: String(r.error) }),
  }));
}

/** Records a run of a migration (success, or a failure outside a transaction). */
export async function insertHistory(q: Queryable, row: HistoryRow): Promise<void> {
  await q.execute(
    `INSERT INTO ${HISTORY_TABLE} (version, description, script, checksum, applied_at, duration_ms, success, engine, failed_statement, failed_sql, error)
     VALUES (:version, :description, :script, :checksum, :appliedAt, :durationMs, :success, :engine, :failedStatement, :failedSql, :error)`,
    {
      ...row,
      durationMs: Math.round(row.durationMs),
      failedStatement: row.failedStatement ?? null,
      failedSql: row.failedSql ?? null,
      error: row.error ?? null,
    },
  );
}

/** Deletes the row of one version (written as stored). */
export async function deleteHistory(q: Queryable, version: string): Promise<void> {
  await q.execute(`DELETE FROM ${HISTORY_TABLE} WHERE version = :version`, { version });
}

/** Realigns a row with the file on disk (used by `repair`). */
export async function realignHistory(q: Queryable, version: string, fields: { checksum: string; script: string; description: string }): Promise<void> {
  await q.execute(`UPDATE ${HISTORY_TABLE} SET checksum = :checksum, script = :script, description = :description WHERE version = :version`, {
    ...fields,
    version,
  });
}

/** History rows keyed by canonical version. */
export function historyByKey(rows: readonly HistoryRow[]): Map<string, HistoryRow> {
  return new Map(rows.map((r) => [versionKey(r.version), r]));
}
