import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BigintMode } from "../index.js";
import { parseQueryFile, type QueryDefinition } from "../queries/query-file.js";
import { type DerivedColumn, type DerivedQuery, type DerivedTable, deriveQuery, openDescriber } from "./derive.js";
import { emitModule, emitTables } from "./emit.js";

export interface GenerateOptions {
  /** Databases to derive on; none: work from the committed snapshot (`--check` in CI without a database). */
  readonly urls: readonly string[];
  /** Directory of `*.sql` query files. */
  readonly queries: string;
  /** Directory of the generated modules and the snapshot. */
  readonly out: string;
  /** Compare instead of writing: `stale` lists what differs. */
  readonly check?: boolean;
  readonly bigint?: BigintMode;
  /** The module the generated code imports `Queryable` from (default `"polysql"`). */
  readonly importFrom?: string;
  /** Only tables whose name matches get a row type in tables.ts (default: every table). */
  readonly tables?: RegExp;
}

/** Types that differ between two engines for one column or parameter. */
export interface TypeDifference {
  readonly file: string;
  readonly query: string;
  /** `column count`, `parameter id`, `column 2 name`. */
  readonly what: string;
  readonly engines: readonly [string, string];
  readonly types: readonly [string, string];
  /** Declared acceptable in the query file (`-- differs: count`). */
  readonly declared: boolean;
}

export interface GenerateReport {
  readonly problems: string[];
  readonly differences: TypeDifference[];
  /** Files written (or, with `check`, that would be). */
  readonly changed: string[];
  /** With `check`: why the generated files are stale. */
  readonly stale: string[];
  /** Milliseconds to derive all queries, per engine. */
  readonly timings: Record<string, number>;
  readonly queries: number;
}

/** The committed record of derived types (`<out>/polysql-types.json`). */
interface Snapshot {
  version: 1;
  engines: string[];
  bigint: BigintMode;
  importFrom: string;
  files: Record<string, { hash: string; queries: DerivedQuery[] }>;
  tables: DerivedTable[];
}

export const SNAPSHOT_FILE = "polysql-types.json";
const DIFFERS = /^--\s*differs:(.*)$/gm;
const TYPE = /^--\s*type:\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$/gm;

/**
 * `polysql generate`: derives every query's types on each database given, reports the
 * differences between engines (those not declared with `-- differs: column` make it fail),
 * and writes one TypeScript module per query file, `tables.ts` and the snapshot. With
 * `check`, writes nothing and lists what is stale; without URLs it works from the snapshot.
 */
export async function generate(options: GenerateOptions): Promise<GenerateReport> {
  const bigint = options.bigint ?? "number";
  const importFrom = options.importFrom ?? "polysql";
  const problems: string[] = [];
  const stale: string[] = [];
  const timings: Record<string, number> = {};
  const files = readdirSync(options.queries)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const parsed = files.map((file) => {
    const text = readFileSync(path.join(options.queries, file), "utf8");
    const result = parseQueryFile(text, path.join(options.queries, file));
    for (const p of result.problems) problems.push(`${p.file}:${p.line}: ${p.message}`);
    return { file, text, hash: sha256(text), queries: result.queries };
  });
  const snapshotPath = path.join(options.out, SNAPSHOT_FILE);
  const previous = existsSync(snapshotPath) ? (JSON.parse(readFileSync(snapshotPath, "utf8")) as Snapshot) : undefined;
  let snapshot: Snapshot;
  const differences: TypeDifference[] = [];
  if (options.urls.length === 0) {
    if (previous === undefined) throw new Error(`No --url and no snapshot ${snapshotPath}: run polysql generate --url URL once and commit its output`);
    snapshot = previous;
    for (const f of parsed) {
      const recorded = snapshot.files[f.file];
      if (recorded === undefined) stale.push(`${f.file}: not in the snapshot (a new query file): run polysql generate --url URL`);
      else if (recorded.hash !== f.hash) stale.push(`${f.file}: changed since the snapshot: run polysql generate --url URL`);
    }
    for (const f of Object.keys(snapshot.files)) if (!files.includes(f)) stale.push(`${f}: in the snapshot but no longer a query file`);
  } else {
    const perEngine: { engine: string; files: Map<string, DerivedQuery[]>; tables: DerivedTable[] }[] = [];
    for (const url of options.urls) {
      const describer = await openDescriber(url, bigint);
      try {
        const started = performance.now();
        const derived = new Map<string, DerivedQuery[]>();
        for (const f of parsed) {
          const list: DerivedQuery[] = [];
          for (const q of f.queries) {
            try {
              list.push(withDeclaredTypes(await deriveQuery(describer, q, bigint), declaredTypes(f.text, q)));
            } catch (err) {
              problems.push(`${q.file}:${q.line}: ${q.name} on ${describer.engine}: ${(err as Error).message}`);
            }
          }
          derived.set(f.file, list);
        }
        timings[describer.engine] = Math.round(performance.now() - started);
        perEngine.push({ engine: describer.engine, files: derived, tables: describer.tables() });
      } finally {
        await describer.close();
      }
    }
    const first = perEngine[0];
    const merged: Snapshot["files"] = {};
    for (const f of parsed) {
      const declaredByQuery = new Map(f.queries.map((q) => [q.name, declaredDifferences(f.text, q)]));
      const queries = first.files.get(f.file) ?? [];
      merged[f.file] = {
        hash: f.hash,
        queries: queries.map((base) => {
          let result = base;
          for (const other of perEngine.slice(1)) {
            const theirs = other.files.get(f.file)?.find((q) => q.name === base.name);
            if (theirs === undefined) continue;
            const found = compare(f.file, base, theirs, [first.engine, other.engine], declaredByQuery.get(base.name) ?? new Set());
            differences.push(...found);
            result = mergeDeclared(result, theirs, declaredByQuery.get(base.name) ?? new Set());
          }
          return result;
        }),
      };
    }
    snapshot = {
      version: 1,
      engines: perEngine.map((e) => e.engine),
      bigint,
      importFrom,
      files: merged,
      tables: first.tables.filter((t) => options.tables?.test(t.name) ?? true),
    };
  }
  const outputs = new Map<string, string>();
  for (const [file, entry] of Object.entries(snapshot.files)) {
    outputs.set(file.replace(/\.sql$/, ".ts"), emitModule(path.posix.join(path.basename(options.queries), file), entry.queries, snapshot.importFrom));
  }
  outputs.set("tables.ts", emitTables(snapshot.tables));
  outputs.set(SNAPSHOT_FILE, `${JSON.stringify(snapshot, null, 2)}\n`);
  const changed: string[] = [];
  for (const [name, text] of outputs) {
    const target = path.join(options.out, name);
    const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
    if (current === text) continue;
    changed.push(target);
    if (options.check) stale.push(`${target}: ${current === undefined ? "missing" : "differs from what the queries and the schema give now"}`);
  }
  if (!options.check && problems.length === 0) {
    mkdirSync(options.out, { recursive: true });
    for (const target of changed) writeFileSync(target, outputs.get(path.basename(target))!);
  }
  const queries = parsed.reduce((n, f) => n + f.queries.length, 0);
  return { problems, differences, changed, stale, timings, queries };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Columns and parameters a query declares may differ between engines: `-- differs: count, active` between its header and its SQL. */
function declaredDifferences(text: string, query: QueryDefinition): Set<string> {
  const names = new Set<string>();
  for (const m of queryHeader(text, query).matchAll(DIFFERS)) for (const n of m[1].split(",")) if (n.trim() !== "") names.add(n.trim());
  return names;
}

/** Column types a query declares: `-- type: settings = { rounds: number }` (for JSON, whose parsed value is otherwise `unknown`). */
function declaredTypes(text: string, query: QueryDefinition): Map<string, string> {
  const types = new Map<string, string>();
  for (const m of queryHeader(text, query).matchAll(TYPE)) types.set(m[1], m[2]);
  return types;
}

/** The declared types in place of the derived ones; nullability stays the engine's. */
function withDeclaredTypes(query: DerivedQuery, types: Map<string, string>): DerivedQuery {
  if (types.size === 0) return query;
  return { ...query, columns: query.columns.map((c) => (types.has(c.name) ? { ...c, ts: types.get(c.name)! } : c)) };
}

/** The lines between a query's `-- name:` header and its SQL. */
function queryHeader(text: string, query: QueryDefinition): string {
  const lineStart = text
    .split("\n")
    .slice(0, query.line - 1)
    .join("\n").length;
  return text.slice(lineStart, query.offset);
}

function shown(c: { ts: string; nullable: boolean }): string {
  return c.nullable ? `${c.ts} | null` : c.ts;
}

function compare(file: string, a: DerivedQuery, b: DerivedQuery, engines: [string, string], declared: Set<string>): TypeDifference[] {
  const out: TypeDifference[] = [];
  const add = (what: string, name: string, x: string, y: string) =>
    out.push({ file, query: a.name, what, engines, types: [x, y], declared: declared.has(name) });
  const count = Math.max(a.columns.length, b.columns.length);
  for (let i = 0; i < count; i++) {
    const x = a.columns[i];
    const y = b.columns[i];
    if (x === undefined || y === undefined) add(`column ${i + 1}`, "", x?.name ?? "(none)", y?.name ?? "(none)");
    else if (x.name !== y.name) add(`column ${i + 1} name`, x.name, x.name, y.name);
    else if (shown(x) !== shown(y)) add(`column ${x.name}`, x.name, shown(x), shown(y));
  }
  for (const p of a.params) {
    const q = b.params.find((r) => r.name === p.name);
    // An engine that cannot tell a parameter's type (unknown) does not contradict one that can.
    if (q !== undefined && q.ts !== "unknown" && p.ts !== "unknown" && shown(p) !== shown(q)) add(`parameter ${p.name}`, p.name, shown(p), shown(q));
  }
  return out;
}

function union(a: string, b: string): string {
  const parts = [...new Set([...a.split(" | "), ...b.split(" | ")])];
  return parts.includes("unknown") ? "unknown" : parts.join(" | ");
}

/** The types both engines allow: a declared column's types joined, and a parameter known on one engine only taken from it. */
function mergeDeclared(a: DerivedQuery, b: DerivedQuery, declared: Set<string>): DerivedQuery {
  const columns = a.columns.map((x, i): DerivedColumn => {
    const y = b.columns[i];
    if (y === undefined || y.name !== x.name || !declared.has(x.name)) return x;
    return { ...x, ts: union(x.ts, y.ts), nullable: x.nullable || y.nullable };
  });
  const params = a.params.map((p) => {
    const q = b.params.find((r) => r.name === p.name);
    if (q === undefined) return p;
    if (p.ts === "unknown") return { ...q, nullable: p.nullable || q.nullable };
    if (declared.has(p.name) && q.ts !== "unknown") return { ...p, ts: union(p.ts, q.ts), nullable: p.nullable || q.nullable };
    return p;
  });
  return { ...a, columns, params };
}
