import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { differentialRun } from "../src/cli/differential-run.js";
import { loadTypescript } from "../src/cli/load-typescript.js";
import { runCli } from "../src/cli/run-cli.js";
import { sqlInSource } from "../src/cli/ts-sql.js";
import { parseQueryFile, type QueryDefinition } from "../src/queries/query-file.js";
import { parseTemplate } from "../src/sql/template.js";
import { CHECK_SYNTAX } from "../src/check/check-tokens.js";
import { dropTables, engines, open } from "./support/engines.js";

const run = promisify(execFile);

/** Example values for the statements still written in the demo's sources (the others are in its query file). */
const PARAMS: Record<string, Record<string, unknown>> = {
  "SELECT status, settings, next_registration_seq FROM tournaments WHERE id = :id": { id: 1 },
};

/**
 * The demo's statements: its query file (src/demo/queries, with its example parameters) and the
 * SQL `polysql check` finds in its sources, with example parameters from PARAMS.
 */
function demoQueries(): QueryDefinition[] {
  const fromFiles = readdirSync("src/demo/queries")
    .filter((f) => f.endsWith(".sql"))
    .flatMap((f) => {
      const { queries, problems } = parseQueryFile(readFileSync(path.join("src/demo/queries", f), "utf8"), f);
      assert.deepEqual(problems, []);
      return queries;
    });
  const typescript = loadTypescript(process.cwd());
  const fromSources = ["src/demo/main.ts", "src/demo/tournament.ts"].flatMap((file) =>
    sqlInSource(typescript, file, readFileSync(file, "utf8")).map((found, i): QueryDefinition => {
      const params = PARAMS[found.sql];
      assert.ok(params !== undefined, `no example parameters for ${found.sql}`);
      const parameters = [...new Set(parseTemplate(CHECK_SYNTAX, found.sql, "named").slots.map((s) => String(s.key)))];
      return { name: `${file}#${i + 1}`, kind: found.kind ?? "many", sql: found.sql, parameters, params, file, line: 0, offset: 0 };
    }),
  );
  return [...fromFiles, ...fromSources];
}

describe("the demo's SQL is portable", () => {
  it("polysql check finds nothing in the demo's sources, query file and migrations", async () => {
    let stdout = "";
    const code = await runCli(["check", "src/demo"], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: {},
      cwd: process.cwd(),
    });
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^ok: \d+ files checked, nothing found\n$/);
    const queries = demoQueries();
    assert.ok(queries.length >= 7, `${queries.length} statements`);
    assert.deepEqual(
      queries.filter((q) => q.parameters.some((p) => q.params?.[p] === undefined)).map((q) => q.name),
      [],
      "every statement of the demo has example parameters",
    );
  });

  const selected = engines();
  it("a differential run of the demo's statements after the demo ran on each engine finds no difference", {
    skip: selected.length < 2 ? "needs two engines or more" : false,
  }, async () => {
    for (const engine of selected) {
      // Other suites share these tables (test/demo.test.ts): start from nothing, as it does.
      const db = await open(engine);
      await dropTables(db, "matches", "rounds", "registrations", "tournaments", "game_formats", "venues", "players", "polysql_schema_history");
      await db.close();
      await run(process.execPath, ["--import", "tsx", "src/demo/main.ts", "--url", engine.url], { timeout: 120_000 });
    }
    const queries = demoQueries();
    const report = await differentialRun(
      queries,
      selected.map((e) => e.url),
    );
    assert.equal(report.ran, queries.length);
    assert.deepEqual(report.differences, []);
  });
});
