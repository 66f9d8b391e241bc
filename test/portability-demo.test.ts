import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { differentialRun } from "../src/cli/differential-run.js";
import { loadTypescript } from "../src/cli/load-typescript.js";
import { runCli } from "../src/cli/run-cli.js";
import { sqlInSource } from "../src/cli/ts-sql.js";
import type { QueryDefinition } from "../src/queries/query-file.js";
import { parseTemplate } from "../src/sql/template.js";
import { CHECK_SYNTAX } from "../src/check/check-tokens.js";
import { dropTables, engines, open } from "./support/engines.js";

const run = promisify(execFile);

/** Example values for the demo's parameters, by statement. */
const PARAMS: Record<string, Record<string, unknown>> = {
  "SELECT id, discord_id FROM players ORDER BY id LIMIT :n": { n: 16 },
  "SELECT seq FROM registrations WHERE tournament_id = :t ORDER BY seq": { t: 1 },
  "SELECT status, settings, next_registration_seq FROM tournaments WHERE id = :id": { id: 1 },
  "SELECT id FROM game_formats WHERE code = :c": { c: "swiss-bo3" },
  "SELECT id FROM venues WHERE name = :n": { n: "Meeple Hall" },
  "UPDATE tournaments SET next_registration_seq = next_registration_seq + 1 WHERE id = :t AND status = 'open'": { t: 1 },
  "SELECT next_registration_seq FROM tournaments WHERE id = :t": { t: 1 },
};

/** The demo's statements, as `polysql check` finds them in its sources, with example parameters. */
function demoQueries(): QueryDefinition[] {
  const typescript = loadTypescript(process.cwd());
  return ["src/demo/main.ts", "src/demo/tournament.ts"].flatMap((file) =>
    sqlInSource(typescript, file, readFileSync(file, "utf8")).map((found, i) => {
      const params = PARAMS[found.sql];
      assert.ok(params !== undefined, `no example parameters for ${found.sql}`);
      const parameters = [...new Set(parseTemplate(CHECK_SYNTAX, found.sql, "named").slots.map((s) => String(s.key)))];
      return { name: `${file}#${i + 1}`, kind: found.kind ?? "many", sql: found.sql, parameters, params, file, line: 0, offset: 0 };
    }),
  );
}

describe("the demo's SQL is portable", () => {
  it("polysql check finds nothing in the demo's sources and migrations", async () => {
    let stdout = "";
    const code = await runCli(["check", "src/demo"], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: {},
      cwd: process.cwd(),
    });
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^ok: \d+ files checked, nothing found\n$/);
    assert.equal(demoQueries().length, Object.keys(PARAMS).length, "every statement of the demo has example parameters");
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
    const report = await differentialRun(
      demoQueries(),
      selected.map((e) => e.url),
    );
    assert.equal(report.ran, Object.keys(PARAMS).length);
    assert.deepEqual(report.differences, []);
  });
});
