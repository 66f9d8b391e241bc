// polysql generate (issue 18): types asked of each engine, the nullability cases of
// docs/typed-sql.md, type tests over the generated module, differences across engines,
// --check (changed query, changed column type, offline from the snapshot), and timing.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { runCli } from "../src/cli/run-cli.js";
import { type DerivedQuery, generate, SNAPSHOT_FILE } from "../src/generate/index.js";
import { type Engine, engines, open } from "./support/engines.js";

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "typed-sql");
const QUERIES = path.join(FIXTURE, "queries");
const GENERATED = path.join(FIXTURE, "generated");
const IMPORT_FROM = "../../../../src/index.js";
const TABLES = /^ts18_/;
/** The differences the corpus declares (`-- differs:`), as generate reports them against SQLite. */
const DECLARED = ["TotalPoints column total", "HasRating column rated"];

async function loadSchema(engine: Engine, balanceType = "DECIMAL(10,2)"): Promise<void> {
  const db = await open(engine);
  try {
    await db.execute("DROP TABLE IF EXISTS ts18_players");
    await db.execute("DROP TABLE IF EXISTS ts18_teams");
    for (const statement of readFileSync(path.join(FIXTURE, "schema.sql"), "utf8").split(";")) {
      if (statement.trim() === "") continue;
      let sql = statement.replace("balance DECIMAL(10,2)", `balance ${balanceType}`);
      if (engine.name === "postgres") sql = sql.replace("BLOB", "BYTEA");
      await db.execute(sql);
    }
  } finally {
    await db.close();
  }
}

function capture(cwd = FIXTURE) {
  let out = "";
  const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) }, env: {}, cwd };
  return { io, output: () => out };
}

function snapshotOf(dir: string): { engines: string[]; files: Record<string, { queries: DerivedQuery[] }> } {
  return JSON.parse(readFileSync(path.join(dir, SNAPSHOT_FILE), "utf8"));
}

let previous: ts.Program | undefined;
/** Parsed files shared by the checks (src/, lib and @types files do not change between them). */
const sourceFiles = new Map<string, ts.SourceFile | undefined>();

/** Compiles test/fixtures/typed-sql/usage.ts; `replace` rewrites the generated module's text first. */
function typeCheck(replace?: (text: string) => string): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ["node"],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError, create) => {
    if (replace !== undefined && path.resolve(file) === path.join(GENERATED, "players.ts"))
      return ts.createSourceFile(file, replace(readFileSync(file, "utf8")), language);
    let source = sourceFiles.get(file);
    if (source === undefined) sourceFiles.set(file, (source = getSourceFile(file, language, onError, create)));
    return source;
  };
  // The unchanged files (src/, @types/node) are reused from the previous program: each check then costs seconds, not tens.
  const program = ts.createProgram([path.join(FIXTURE, "usage.ts")], options, host, previous);
  previous = program;
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? path.basename(d.file.fileName) : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
}

test("type tests: the generated module compiles, and every @ts-expect-error line is an error", () => {
  assert.deepEqual(typeCheck(), []);
});

test("type tests fail when a generated type is wrong (nullable made non-null, a parameter type changed)", () => {
  const nonNull = typeCheck((text) => text.replace("  rating: number | null;\n  joined_on", "  rating: number;\n  joined_on"));
  assert.ok(
    nonNull.some((d) => d.includes("Unused '@ts-expect-error' directive")),
    nonNull.join("\n"),
  );
  const param = typeCheck((text) =>
    text.replace("export type FindPlayerParams = {\n  id: number;", "export type FindPlayerParams = {\n  id: number | string;"),
  );
  assert.ok(
    param.some((d) => d.includes("Unused '@ts-expect-error' directive")),
    param.join("\n"),
  );
});

test("generate --check without a database: up to date from the committed snapshot; a changed query is stale", async () => {
  const ok = capture();
  assert.equal(await runCli(["generate", "--check", "--queries", QUERIES, "--out", GENERATED], ok.io), 0, ok.output());
  assert.match(ok.output(), /19 queries; up to date \(from the snapshot\)/);
  const queries = mkdtempSync(path.join(tmpdir(), "polysql-gen-q-"));
  cpSync(QUERIES, queries, { recursive: true });
  const file = path.join(queries, "players.sql");
  writeFileSync(file, readFileSync(file, "utf8").replace("SELECT count(*) AS n FROM ts18_players", "SELECT count(*) AS n FROM ts18_teams"));
  const stale = capture();
  assert.equal(await runCli(["generate", "--check", "--queries", queries, "--out", GENERATED], stale.io), 1);
  assert.match(stale.output(), /stale: players\.sql: changed since the snapshot/);
});

for (const engine of engines()) {
  test(`${engine.name}: generate derives the committed types, except the declared differences`, async () => {
    await loadSchema(engine);
    const out = mkdtempSync(path.join(tmpdir(), "polysql-gen-"));
    const report = await generate({ urls: [engine.url], queries: QUERIES, out, tables: TABLES, importFrom: IMPORT_FROM });
    assert.deepEqual(report.problems, []);
    assert.equal(report.queries, 19);
    const mine = snapshotOf(out).files["players.sql"].queries;
    const committed = snapshotOf(GENERATED).files["players.sql"].queries;
    assert.equal(mine.length, committed.length);
    for (const [i, q] of mine.entries()) {
      const c = committed[i];
      assert.equal(q.name, c.name);
      assert.equal(q.sql, c.sql);
      assert.deepEqual(q.params, c.params, `${q.name} parameters on ${engine.name}`);
      for (const [k, column] of q.columns.entries()) {
        const expected = c.columns[k];
        assert.equal(column.name, expected.name, `${q.name} column ${k + 1} on ${engine.name}`);
        assert.equal(column.nullable, expected.nullable, `${q.name}.${column.name} nullability on ${engine.name}`);
        if (DECLARED.includes(`${q.name} column ${column.name}`))
          assert.ok(expected.ts.split(" | ").includes(column.ts), `${q.name}.${column.name}: ${column.ts}`);
        else assert.equal(column.ts, expected.ts, `${q.name}.${column.name} type on ${engine.name} (engine type ${column.engineType})`);
      }
    }
    const tables = readFileSync(path.join(out, "tables.ts"), "utf8");
    assert.match(tables, /export interface Ts18PlayersTable \{\n {2}id: number;\n {2}name: string;\n {2}team_id: number \| null;/);
  });

  test(`${engine.name}: generate --check catches a changed column type`, async () => {
    await loadSchema(engine);
    const out = mkdtempSync(path.join(tmpdir(), "polysql-gen-"));
    const args = ["generate", "--url", engine.url, "--queries", QUERIES, "--out", out, "--tables", "^ts18_", "--import-from", IMPORT_FROM];
    const first = capture();
    assert.equal(await runCli(args, first.io), 0, first.output());
    const fresh = capture();
    assert.equal(await runCli([...args, "--check"], fresh.io), 0, fresh.output());
    await loadSchema(engine, "INTEGER");
    const stale = capture();
    assert.equal(await runCli([...args, "--check"], stale.io), 1, stale.output());
    assert.match(stale.output(), /stale: .*players\.ts: differs/);
    assert.match(stale.output(), /stale: .*tables\.ts: differs/);
    assert.doesNotMatch(stale.output(), /on postgres|on mysql|on sqlite/); // no query failed: only types changed
    await loadSchema(engine);
  });

  test(`${engine.name}: timing of generate for 100 queries`, async () => {
    await loadSchema(engine);
    const corpus = readFileSync(path.join(QUERIES, "players.sql"), "utf8");
    const blocks = corpus.split(/(?=^-- name: )/m).filter((b) => b.startsWith("-- name:"));
    const queries = mkdtempSync(path.join(tmpdir(), "polysql-gen-100-"));
    const text = Array.from({ length: 100 }, (_, i) => blocks[i % blocks.length].replace(/^-- name: (\w+)/, `-- name: $1${i}`)).join("\n");
    writeFileSync(path.join(queries, "hundred.sql"), text);
    const out = mkdtempSync(path.join(tmpdir(), "polysql-gen-"));
    const started = performance.now();
    const report = await generate({ urls: [engine.url], queries, out, tables: TABLES });
    const total = Math.round(performance.now() - started);
    assert.deepEqual(report.problems, []);
    assert.equal(report.queries, 100);
    console.log(`# generate, 100 queries on ${engine.name}: ${report.timings[engine.name]} ms deriving, ${total} ms in all (connect, catalog, write)`);
    assert.ok(total < 30_000);
  });
}

const all = engines();
if (["sqlite", "postgres", "mysql"].every((name) => all.some((e) => e.name === name))) {
  test("all three engines: the committed files are what they give today, with exactly the declared differences", async () => {
    for (const engine of all) await loadSchema(engine);
    const report = await generate({ urls: all.map((e) => e.url), queries: QUERIES, out: GENERATED, check: true, tables: TABLES, importFrom: IMPORT_FROM });
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.stale, []);
    const found = [...new Set(report.differences.map((d) => `${d.query} ${d.what}`))].sort();
    assert.deepEqual(found, [...DECLARED].sort());
    assert.ok(report.differences.every((d) => d.declared));
    assert.deepEqual(
      report.differences.map((d) => `${d.query} ${d.what}: ${d.engines.join("/")} ${d.types.join(" vs ")}`),
      [
        "TotalPoints column total: sqlite/postgres number | null vs string | null",
        "TotalPoints column total: sqlite/mysql number | null vs string | null",
        "HasRating column rated: sqlite/postgres number vs boolean",
      ],
    );
  });

  test("all three engines: an undeclared difference is reported with both types and exits 1", async () => {
    for (const engine of all) await loadSchema(engine);
    const queries = mkdtempSync(path.join(tmpdir(), "polysql-gen-q-"));
    cpSync(QUERIES, queries, { recursive: true });
    const file = path.join(queries, "players.sql");
    writeFileSync(file, readFileSync(file, "utf8").replace("-- differs: rated\n", ""));
    const out = mkdtempSync(path.join(tmpdir(), "polysql-gen-"));
    const run = capture();
    const urls = all.flatMap((e) => ["--url", e.url]);
    assert.equal(await runCli(["generate", ...urls, "--queries", queries, "--out", out], run.io), 1);
    assert.match(run.output(), /players\.sql HasRating: column rated is number on sqlite and boolean on postgres\n/);
    assert.match(run.output(), /1 undeclared differences/);
  });
}

test("the demo's queries: src/demo/generated is up to date with src/demo/queries (offline, from the snapshot)", async () => {
  const root = path.resolve(FIXTURE, "..", "..", "..");
  const run = capture(root);
  assert.equal(await runCli(["generate", "--check", "--queries", "src/demo/queries", "--out", "src/demo/generated"], run.io), 0, run.output());
  assert.match(run.output(), /6 queries; up to date/);
});

test("generate: usage errors exit 2; no --url and no snapshot says what to do", async () => {
  const bad = capture();
  assert.equal(await runCli(["generate", "--bigint", "huge"], bad.io), 2);
  assert.match(bad.output(), /--bigint must be number, bigint or string/);
  const positional = capture();
  assert.equal(await runCli(["generate", "queries"], positional.io), 2);
  const empty = mkdtempSync(path.join(tmpdir(), "polysql-gen-"));
  const none = capture();
  assert.equal(await runCli(["generate", "--check", "--queries", QUERIES, "--out", empty], none.io), 1);
  assert.match(none.output(), /No --url and no snapshot .*: run polysql generate --url URL once and commit its output/);
});
