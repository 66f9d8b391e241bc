import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { loadTypescript } from "../src/cli/load-typescript.js";
import { runCli } from "../src/cli/run-cli.js";

/** Runs `polysql <args>` in-process in `cwd`; returns the exit code and what it printed. */
async function polysql(cwd: string, ...args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd,
  });
  return { code, stdout, stderr };
}

/** A project directory with the given files. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "polysql-check-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const APP = `import { connect, sql } from "polysql";
const db = await connect(process.env.DATABASE_URL ?? "sqlite:./app.db");
const FIND = "SELECT id, name AS FirstName FROM users WHERE id = :id";
await db.one(FIND, { id: 1 });
const n = await db.value("SELECT count(*) FROM users");
const rows = await db.all(\`SELECT name, IFNULL(nick, '') AS nick
  FROM users LIMIT 5, 10\`);
await db.all(sql\`SELECT \${sql.id("name")} FROM users WHERE score / \${2} > 1\`);
await Promise.all([db.close()]);
new Map().get("SELECT 7 / 2");
`;

const QUERIES = `-- name: Top :many
-- params: {"min": 1}
SELECT name, score > :min FROM users;

-- name: Count :value
SELECT count(*) FROM users
`;

describe("polysql check", () => {
  it("reports file, line, column, rule, what each engine does and the fix, for .sql files and TypeScript sources; exit 1", async () => {
    const dir = project({
      "src/app.ts": APP,
      "queries/users.sql": QUERIES,
      "migrations/V001__t.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY AUTO_INCREMENT, n INTEGER);\n",
      "migrations/V002__agg.sql": "CREATE VIEW agg AS SELECT GROUP_CONCAT(name) AS names FROM t;\n",
      "migrations/V002__agg.sqlite.sql": "CREATE VIEW agg AS SELECT GROUP_CONCAT(name) AS names FROM t;\n",
      "migrations/V002__agg.mysql.sql": "CREATE VIEW agg AS SELECT GROUP_CONCAT(name) AS names FROM t;\n",
      "node_modules/x/index.js": 'db.all("SELECT 7 / 2")',
    });
    const { code, stdout } = await polysql(dir, "check", "--json");
    assert.equal(code, 1);
    const report = JSON.parse(stdout);
    assert.equal(report.ok, false);
    assert.equal(report.files, 6, "node_modules is not walked");
    assert.deepEqual(
      report.findings.map((f: { file: string; line: number; column: number; rule: string }) => `${f.file}:${f.line}:${f.column} ${f.rule}`),
      [
        "migrations/V001__t.sql:1:40 auto-increment",
        // Overridden for sqlite and mysql: checked against PostgreSQL alone, which has no GROUP_CONCAT.
        "migrations/V002__agg.sql:1:27 group-concat",
        "queries/users.sql:3:14 unaliased-expression",
        "queries/users.sql:3:20 boolean-result",
        "src/app.ts:3:34 identifier-case",
        "src/app.ts:6:41 ifnull",
        "src/app.ts:7:14 limit-comma",
        "src/app.ts:8:66 integer-division",
      ],
    );
    const limit = report.findings.find((f: { rule: string }) => f.rule === "limit-comma");
    assert.deepEqual(Object.keys(limit.engines), ["sqlite", "postgres", "mysql"]);
    assert.equal(limit.fix, "`LIMIT count OFFSET offset`.");
    assert.deepEqual(report.findings.find((f: { rule: string }) => f.rule === "group-concat").engines, { postgres: "an error (no such function)" });

    const text = await polysql(dir, "check", "queries");
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      /^queries\/users\.sql:3:20 boolean-result: >\n {2}sqlite: `1` or `0`\n {2}postgres: `true` or `false`\n {2}mysql: `1` or `0`\n {2}fix: `CASE WHEN/m,
    );
    assert.match(text.stdout, /2 findings in 1 file\n$/);
  });

  it("exits 0 when the SQL is portable", async () => {
    const dir = project({
      "queries/ok.sql": "-- name: Find :one\nSELECT id, name FROM users WHERE LOWER(name) LIKE LOWER(:p) LIMIT 10 OFFSET 0\n",
      "app.js": 'db.value("SELECT count(*) FROM users"); db.all("SELECT id FROM users WHERE id IN (:ids)", { ids });',
    });
    const { code, stdout } = await polysql(dir, "check");
    assert.equal(code, 0);
    assert.equal(stdout, "ok: 2 files checked, nothing found\n");
  });

  it("--engines keeps the engines the SQL must agree on; --sql-mode native adds the rules of MySQL's native mode", async () => {
    const dir = project({ "a.sql": "SELECT id FROM t ORDER BY id LIMIT 1, 2;\nSELECT 'a' || 'b' AS s;\n" });
    assert.equal((await polysql(dir, "check", "--engines", "sqlite,mysql")).code, 0, "SQLite and MySQL both read LIMIT 1, 2");
    const native = await polysql(dir, "check", "--engines", "sqlite,mysql", "--sql-mode", "native", "--json");
    assert.deepEqual(
      JSON.parse(native.stdout).findings.map((f: { rule: string }) => f.rule),
      ["pipes-concat"],
    );
    const bad = await polysql(dir, "check", "--engines", "oracle");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--engines takes a comma list of sqlite, postgres, mysql/);
  });

  it("reports malformed query files with their line, and a missing path as a usage error", async () => {
    const dir = project({ "queries/bad.sql": "-- name: Odd :all\nSELECT 1 AS one\n" });
    const { code, stdout } = await polysql(dir, "check");
    assert.equal(code, 1);
    assert.match(stdout, /^queries\/bad\.sql:1 query-file: query Odd: kind ":all" is not one of :one, :many, :value, :exec$/m);
    const missing = await polysql(dir, "check", "nowhere");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or directory: .*nowhere/);
  });

  it("typescript is loaded only for sources, and its absence is an install hint", async () => {
    assert.throws(() => loadTypescript(tmpdir(), "typescript-not-installed"), /npm install --save-dev typescript-not-installed/);
    assert.equal(typeof loadTypescript(tmpdir()).createSourceFile, "function");
  });

  it("other commands take one --url", async () => {
    const { code, stderr } = await polysql(tmpdir(), "health", "--url", "sqlite::memory:", "--url", "sqlite::memory:");
    assert.equal(code, 2);
    assert.match(stderr, /"health" takes one --url/);
  });
});
