/**
 * The documentation's code examples compile against the working tree, and the runnable
 * ones run, so the docs cannot drift from the code.
 *
 * Which blocks: every ```ts / ```typescript fence in README.md, ARCHITECTURE.md (when it
 * exists), docs/*.md and plugins/pglite/README.md. Each block becomes a module in a temporary
 * directory (one folder per markdown file) and all of them are type-checked in one
 * TypeScript program (strict), where
 *   "polysql"             resolves to src/index.ts,
 *   "polysql/backend"     to src/dialects/index.ts,
 *   "polysql/conformance" to src/conformance/index.ts,
 *   "polysql-pglite"      to plugins/pglite/src/index.ts.
 * A failure names the markdown file and line: `docs/plugins.md:87:5 TS2304 Cannot find name 'x'`.
 *
 * Fragments: a block may use `db`, `User`, `Player`, `rows`, `url`, `log`, ... without declaring
 * them; those names are declared (as globals, with real types) in test/support/docs-preamble.ts.
 * Add a name there when a new fragment needs one.
 *
 * Directives: HTML comments (invisible when rendered) on the lines just above a block's fence:
 *   <!-- compile: skip <reason> -->   not compiled (signatures, pseudo-code); the reason is required.
 *   <!-- compile: run -->             also run, with tsx, in a fresh temporary working directory whose
 *                                     `sqlite:./app.db` has the tables users, events and players, and
 *                                     whose ./migrations holds one migration (RUN_FIXTURE). It must exit 0.
 *   <!-- compile: file <name>.ts -->  the block's file name, so other blocks of the same markdown file
 *                                     can `import ... from "./<name>.js"`.
 * The same rules are in docs/contributing.md.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { connect } from "../src/index.js";
import { collectBlocks, type DocBlock } from "./support/docs-blocks.js";
import { DOCS_PREAMBLE, RUN_FIXTURE } from "./support/docs-preamble.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ENTRY_POINTS: Record<string, string> = {
  polysql: "src/index.ts",
  "polysql/backend": "src/dialects/index.ts",
  "polysql/conformance": "src/conformance/index.ts",
  "polysql-pglite": "plugins/pglite/src/index.ts",
};
const run = promisify(execFile);

const blocks = collectBlocks(ROOT);
const compiled = blocks.filter((b) => b.skip === undefined);
const work = mkdtempSync(path.join(tmpdir(), "polysql-docs-"));
const tsconfig = path.join(work, "tsconfig.json");
const fileOf = new Map<string, DocBlock>(); // absolute block file -> block

/** Writes the blocks, the preamble, a package.json (ESM, so top-level await works) and the tsconfig with the paths mapping. */
function writeProject(): void {
  writeFileSync(path.join(work, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(path.join(work, "docs-preamble.d.ts"), DOCS_PREAMBLE);
  const compilerOptions = {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    noEmit: true,
    types: ["node"],
    typeRoots: [path.join(ROOT, "node_modules/@types")],
    paths: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, file]) => [name, [path.join(ROOT, file)]])),
  };
  writeFileSync(tsconfig, JSON.stringify({ compilerOptions, include: ["**/*.ts"] }, null, 2));
  for (const block of compiled) {
    const folder = path.join(work, block.doc.replace(/[^\w]+/g, "_"));
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, block.file ?? `block-${block.line}.ts`);
    // `export {}` keeps every block a module, so its names never collide with another block's or the preamble's.
    writeFileSync(file, `${block.code}\nexport {};\n`);
    fileOf.set(file, block);
  }
}

/** `README.md:34:7 TS2304 Cannot find name 'User'.` for a block; the path and line for anything else. */
function describeDiagnostic(d: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
  if (!d.file || d.start === undefined) return `TS${d.code} ${message}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const block = fileOf.get(path.resolve(d.file.fileName));
  if (block) return `${block.doc}:${block.line + line}:${character + 1} TS${d.code} ${message}`;
  return `${path.relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1} TS${d.code} ${message}`;
}

function typeCheck(): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(describeDiagnostic(d)) },
  );
  assert.ok(parsed, "the generated tsconfig.json parses");
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const diagnostics = [...parsed.errors, ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const sf of program.getSourceFiles()) {
    // The blocks and the preamble only: errors inside src/ are tsc's business, not the docs'.
    if (!path.resolve(sf.fileName).startsWith(work + path.sep)) continue;
    diagnostics.push(...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf));
  }
  return diagnostics.map(describeDiagnostic);
}

/** A fresh working directory with RUN_FIXTURE's database and migrations. */
async function runDirectory(): Promise<string> {
  const dir = mkdtempSync(path.join(work, "run-"));
  const db = await connect(`sqlite:${path.join(dir, RUN_FIXTURE.database)}`);
  try {
    for (const statement of RUN_FIXTURE.schema) await db.execute(statement);
  } finally {
    await db.close();
  }
  mkdirSync(path.join(dir, "migrations"));
  for (const [name, text] of Object.entries(RUN_FIXTURE.migrations)) writeFileSync(path.join(dir, "migrations", name), text);
  return dir;
}

const sqliteSelected = (process.env.POLYSQL_ENGINES ?? "sqlite").split(",").some((e) => ["sqlite", "sqlite3"].includes(e.trim().toLowerCase()));

describe("documentation examples", () => {
  writeProject();
  after(() => rmSync(work, { recursive: true, force: true }));

  it("finds the TypeScript blocks of the docs, with well-formed directives", () => {
    assert.ok(
      blocks.some((b) => b.doc === "README.md"),
      "README.md has TypeScript blocks",
    );
    const problems = blocks.flatMap((b) => b.problems.map((p) => `${b.doc}:${b.line - 1}: ${p}`));
    assert.deepEqual(problems, [], problems.join("\n"));
    const names = compiled.filter((b) => b.file).map((b) => `${b.doc}/${b.file}`);
    assert.equal(new Set(names).size, names.length, `two blocks of one file claim the same file name: ${names.join(", ")}`);
    assert.ok(
      blocks.some((b) => b.doc === "README.md" && b.run),
      "at least the README's first usage example runs",
    );
  });

  it("every block type-checks against the working tree (one program, strict)", () => {
    const diagnostics = typeCheck();
    assert.deepEqual(diagnostics, [], `${diagnostics.length} problem(s) in the docs' TypeScript blocks:\n${diagnostics.join("\n")}`);
  });

  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  for (const block of compiled.filter((b) => b.run)) {
    it(`${block.doc}:${block.line} runs on embedded SQLite`, { skip: sqliteSelected ? false : "POLYSQL_ENGINES does not include sqlite" }, async () => {
      const file = [...fileOf].find(([, b]) => b === block)![0];
      const cwd = await runDirectory();
      const env: NodeJS.ProcessEnv = { ...process.env, TSX_TSCONFIG_PATH: tsconfig };
      delete env.DATABASE_URL; // the examples fall back to sqlite:./app.db
      try {
        await run(process.execPath, ["--import", tsx, file], { cwd, env, timeout: 120_000 });
      } catch (err) {
        const e = err as { code?: number; signal?: string; stdout?: string; stderr?: string };
        assert.fail(`${block.doc}:${block.line} exited with ${e.signal ?? e.code}\n--- stdout\n${e.stdout ?? ""}\n--- stderr\n${e.stderr ?? ""}`);
      }
    });
  }
});
