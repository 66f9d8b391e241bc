import { sameResult } from "../check/index.js";
import { redactUrl } from "../config/redact.js";
import { connect } from "../connect.js";
import type { Database } from "../database.js";
import type { QueryDefinition } from "../queries/query-file.js";
import type { Queryable } from "../queryable.js";

/** One query whose results differ between engines, with every engine's result. */
export interface Difference {
  readonly query: string;
  readonly file: string;
  readonly line: number;
  readonly kind: QueryDefinition["kind"];
  /** Per database, in the order of the URLs: its label and its result as read (or `{ error }`). */
  readonly results: { readonly database: string; readonly result: unknown }[];
}

/** What a differential run found. */
export interface DifferentialReport {
  /** The databases, labelled by engine (and URL when two share an engine). */
  readonly databases: string[];
  /** Queries run on every database. */
  readonly ran: number;
  readonly differences: Difference[];
  /** Queries not run, and why (a parameter without an example value). */
  readonly skipped: { readonly query: string; readonly file: string; readonly line: number; readonly reason: string }[];
}

const ROLLBACK = Symbol("rollback");

/**
 * Runs each query on every database, inside a transaction that is rolled back, with its
 * example parameters, and reports the queries whose results differ after the portable value
 * normalization (`1.98` and `"1.98"` agree, `3` and `"3.5000"` do not). An error is a result.
 */
export async function differentialRun(queries: readonly QueryDefinition[], urls: readonly string[]): Promise<DifferentialReport> {
  const dbs: Database[] = [];
  try {
    for (const url of urls) dbs.push(await connect(url));
    const databases = dbs.map((db, i) => (dbs.filter((d) => d.engine === db.engine).length > 1 ? `${db.engine} (${redactUrl(urls[i])})` : db.engine));
    const report = { databases, ran: 0, differences: [] as Difference[], skipped: [] as DifferentialReport["skipped"][number][] };
    for (const query of queries) {
      const missing = query.parameters.filter((p) => query.params?.[p] === undefined);
      if (missing.length > 0) {
        report.skipped.push({
          query: query.name,
          file: query.file,
          line: query.line,
          reason: `no example value for ${missing.map((p) => `:${p}`).join(", ")} (-- params:)`,
        });
        continue;
      }
      const results: unknown[] = [];
      for (const db of dbs) results.push(await runRolledBack(db, query));
      report.ran++;
      if (results.every((r) => sameResult(r, results[0]))) continue;
      report.differences.push({
        query: query.name,
        file: query.file,
        line: query.line,
        kind: query.kind,
        results: results.map((r, i) => ({ database: databases[i], result: r })),
      });
    }
    return report;
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
  }
}

/** The query's result as its kind reads it, or `{ error: code }`; whatever it wrote is rolled back. */
async function runRolledBack(db: Database, query: QueryDefinition): Promise<unknown> {
  let result: unknown;
  try {
    await db.transaction(async (tx) => {
      result = await read(tx, query);
      throw ROLLBACK;
    });
  } catch (err) {
    if (err !== ROLLBACK) return { error: (err as { code?: string }).code ?? "unknown" };
  }
  return result;
}

function read(q: Queryable, query: QueryDefinition): Promise<unknown> {
  const params = query.params ?? {};
  switch (query.kind) {
    case "one":
      return q.one(query.sql, params);
    case "many":
      return q.all(query.sql, params);
    case "value":
      return q.value(query.sql, params);
    case "exec":
      return q.execute(query.sql, params).then((r) => ({ rowCount: r.rowCount }));
  }
}
