import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { CHECK_ENGINES, type CheckEngine, checkSql, type Finding } from "../check/index.js";
import { lineColumn } from "../check/check-sql.js";
import { MIGRATION_FILE_NAME } from "../migrate/migration-files.js";
import { parseQueryFile, type QueryDefinition, type QueryFileProblem } from "../queries/query-file.js";
import { loadTypescript, type TypeScriptApi } from "./load-typescript.js";
import { UsageError } from "./exit-codes.js";
import { sqlInSource } from "./ts-sql.js";

/** A finding in a file (path relative to the working directory). */
export interface FileFinding extends Finding {
  readonly file: string;
}

/** What `polysql check` found in its inputs. */
export interface CheckReport {
  /** Files read. */
  readonly files: number;
  readonly findings: FileFinding[];
  /** Malformed query files. */
  readonly problems: QueryFileProblem[];
  /** The queries of the query files (for differential runs). */
  readonly queries: QueryDefinition[];
}

/** What `polysql check` checks for. */
export interface CheckFilesOptions {
  readonly cwd: string;
  readonly engines?: readonly CheckEngine[];
  readonly mysqlMode?: "portable" | "native";
}

const SOURCE = /\.(?:ts|mts|cts|tsx|js|mjs|cjs|jsx)$/;
const SKIPPED_DIRS = new Set(["node_modules", "dist", "build", "coverage", ".git"]);
const QUERY_HEADER = /^[ \t]*--\s*name:/m;

/**
 * Checks `.sql` files (query files, migrations, scripts) and the SQL of polysql calls in
 * TypeScript/JavaScript sources; directories are walked (not `node_modules`, `dist`,
 * declaration files). An engine override migration (`V001__x.mysql.sql`) runs on its engine
 * only: it is not checked, and its portable file is checked against the other engines.
 */
export async function checkFiles(inputs: readonly string[], options: CheckFilesOptions): Promise<CheckReport> {
  const engines = options.engines ?? CHECK_ENGINES;
  const files = (await Promise.all(inputs.map((input) => walk(path.resolve(options.cwd, input))))).flat();
  const unique = [...new Set(files)].sort();
  const report = { files: 0, findings: [] as FileFinding[], problems: [] as QueryFileProblem[], queries: [] as QueryDefinition[] };
  let typescript: TypeScriptApi | undefined;
  for (const file of unique) {
    const name = path.relative(options.cwd, file) || file;
    const text = await readFile(file, "utf8");
    report.files++;
    const add = (findings: Finding[]) => report.findings.push(...findings.map((f) => ({ file: name, ...f })));
    if (SOURCE.test(file)) {
      typescript ??= loadTypescript(options.cwd);
      const position = lineColumn(text);
      for (const found of sqlInSource(typescript, file, text)) {
        add(checkSql(found.sql, { engines, mysqlMode: options.mysqlMode, kind: found.kind, position: (offset) => position(found.offsetInFile(offset)) }));
      }
      continue;
    }
    const migration = MIGRATION_FILE_NAME.exec(path.basename(file));
    if (migration !== null) {
      if (migration[4] !== undefined) continue;
      const overridden = new Set(
        unique
          .map((f) => MIGRATION_FILE_NAME.exec(path.basename(f)))
          .filter((m) => m?.[4] !== undefined && sameMigration(m, migration))
          .map((m) => m![4]),
      );
      add(checkSql(text, { engines: engines.filter((e) => !overridden.has(e)), mysqlMode: options.mysqlMode, kind: "exec" }));
      continue;
    }
    if (QUERY_HEADER.test(text)) {
      const { queries, problems } = parseQueryFile(text, name);
      report.problems.push(...problems);
      report.queries.push(...queries);
      const position = lineColumn(text);
      for (const query of queries) {
        add(checkSql(query.sql, { engines, mysqlMode: options.mysqlMode, kind: query.kind, position: (offset) => position(query.offset + offset) }));
      }
      continue;
    }
    add(checkSql(text, { engines, mysqlMode: options.mysqlMode }));
  }
  return report;
}

/** The same migration script (kind, version and description), e.g. `V001__x.sql` and `V001__x.mysql.sql`. */
function sameMigration(a: RegExpExecArray, b: RegExpExecArray): boolean {
  return a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** The `.sql` and source files under a path (the path itself when it is a file). */
async function walk(target: string): Promise<string[]> {
  const info = await stat(target).catch(() => {
    throw new UsageError(`polysql check: no such file or directory: ${target}`);
  });
  if (info.isFile()) {
    if (target.endsWith(".sql") || SOURCE.test(target)) return [target];
    throw new UsageError(`polysql check reads .sql files and TypeScript/JavaScript sources, not ${target}`);
  }
  const out: string[] = [];
  for (const entry of await readdir(target, { withFileTypes: true })) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith(".")) out.push(...(await walk(full)));
    } else if (entry.isFile() && (entry.name.endsWith(".sql") || (SOURCE.test(entry.name) && !/\.d\.[mc]?ts$/.test(entry.name)))) out.push(full);
  }
  return out;
}
