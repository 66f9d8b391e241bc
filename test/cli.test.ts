import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { repairMigrations as repair, type Database, MigrationError } from "../src/index.js";
import { engines, open } from "./support/engines.js";
import { migrationDir, resetSchema } from "./support/migration-files.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** tsx as a URL, so the CLI also starts from a directory outside the repository. */
const TSX = import.meta.resolve("tsx");
const TABLES = ["cli_users", "cli_posts", "cli_slow", "cli_rc"];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI as a separate process, as a user would run it. */
function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", TSX, path.join(ROOT, "src/cli/main.ts"), ...args], {
    cwd: env.CWD ?? ROOT,
    env: { ...process.env, DATABASE_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

const cli = (args: string[], env?: Record<string, string>) => startCli(args, env).done;

const MIGRATIONS = {
  "V001__users.sql": "CREATE TABLE cli_users (id SERIAL PRIMARY KEY, name VARCHAR(40) NOT NULL, settings JSON);\n",
  "U001__users.sql": "DROP TABLE cli_users;\n",
  "V002__posts.sql":
    "CREATE TABLE cli_posts (id SERIAL PRIMARY KEY, user_id INTEGER REFERENCES cli_users (id), body TEXT);\nINSERT INTO cli_users (name) VALUES ('ada');\n",
  "U002__posts.sql": "DROP TABLE cli_posts;\nDELETE FROM cli_users;\n",
  "V003__more.sql": "ALTER TABLE cli_users ADD COLUMN born DATE;\n",
  "U003__more.sql": "ALTER TABLE cli_users DROP COLUMN born;\n",
};

for (const engine of engines()) {
  describe(`polysql CLI on ${engine.name}`, () => {
    let db: Database;
    const history = async () => db.all<{ version: string }>("SELECT version FROM polysql_schema_history ORDER BY version");

    before(async () => {
      db = await open(engine, engine.name === "sqlite" ? { sqlite: { busyTimeoutMs: 0 } } : {});
    });
    beforeEach(() => resetSchema(db, "cli_posts", ...TABLES));
    after(async () => {
      await resetSchema(db, "cli_posts", ...TABLES);
      await db.close();
    });

    it("five migrators started at once on an empty database apply each migration exactly once and all exit 0", async () => {
      const dir = migrationDir(MIGRATIONS);
      const runs = await Promise.all([1, 2, 3, 4, 5].map(() => cli(["migrate", "up", "--dir", dir, "--url", engine.url])));
      for (const r of runs) assert.equal(r.code, 0, r.stderr);
      const applied = runs.flatMap((r) =>
        r.stdout
          .split("\n")
          .filter((l) => l.startsWith("up\t"))
          .map((l) => l.split("\t")[1]),
      );
      assert.deepEqual(applied.sort(), ["001", "002", "003"]);
      assert.deepEqual(
        (await history()).map((r) => r.version),
        ["001", "002", "003"],
      );
      assert.equal(await db.value("SELECT count(*) FROM cli_users"), 1);
    });

    it("kill -9 of a migrator holding the lock does not block the next run", { timeout: 180_000 }, async () => {
      // V002 waits on a gate the test holds (PostgreSQL an advisory lock, MariaDB GET_LOCK; SQLite counts
      // to a number in cli_slow, huge until the test lowers it), so the migrator holds the migration lock
      // for as long as the test needs, however slowly a loaded machine starts processes. Deadlines are safety nets.
      const gate = `cli_gate_${process.pid}`;
      const gated: Record<string, string> = {
        postgres: `SELECT pg_advisory_xact_lock_shared(hashtext('${gate}'));`,
        mysql: `SELECT GET_LOCK('${gate}', 120);`,
        sqlite: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < (SELECT n FROM cli_slow)) SELECT count(*) FROM c;",
      };
      let openGate: () => Promise<void>;
      if (engine.name === "sqlite") {
        await db.execute("CREATE TABLE cli_slow (n INTEGER NOT NULL)");
        await db.execute("INSERT INTO cli_slow (n) VALUES (2000000000)");
        openGate = async () => void (await db.execute("UPDATE cli_slow SET n = 1"));
      } else {
        const lockSql = engine.name === "postgres" ? `SELECT pg_advisory_lock(hashtext('${gate}'))` : `SELECT GET_LOCK('${gate}', 10)`;
        const unlockSql = engine.name === "postgres" ? `SELECT pg_advisory_unlock(hashtext('${gate}'))` : `SELECT RELEASE_LOCK('${gate}')`;
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let held!: () => void;
        const holding = new Promise<void>((r) => (held = r));
        const holder = db.connection(async (conn) => {
          await conn.value(lockSql);
          held();
          await released;
          await conn.value(unlockSql);
        });
        await Promise.race([holding, holder]);
        openGate = async () => {
          release();
          await holder;
        };
      }
      const dir = migrationDir({ "V001__users.sql": MIGRATIONS["V001__users.sql"], "V002__slow.sql": gated[engine.name] });
      const { child, done } = startCli(["migrate", "up", "--dir", dir, "--url", engine.url]);
      try {
        const probe = migrationDir({});
        const lockHeld = async () => {
          const r = await repair(db, { dir: probe, lockTimeoutMs: 0 }).catch((e: unknown) => e);
          return r instanceof MigrationError && r.reason === "lock_timeout";
        };
        const deadline = Date.now() + 90_000;
        while (!(await lockHeld())) {
          if (Date.now() > deadline || child.exitCode !== null) {
            child.kill("SIGKILL");
            const r = await done;
            assert.fail(`the migrator never took the lock: ${r.code} ${r.stdout} ${r.stderr}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        const noWait = engine.name === "sqlite" ? `${engine.url}?busy_timeout=0` : engine.url;
        const blocked = await cli(["migrate", "up", "--dir", dir, "--url", noWait, "--lock-timeout", "0"]);
        assert.equal(blocked.code, 4, blocked.stderr);
        assert.match(blocked.stderr, /Another migrator held the migration lock/);
        assert.equal(child.exitCode, null, "the migrator was still running (held at the gate)");
      } finally {
        child.kill("SIGKILL");
      }
      assert.equal((await done).signal, "SIGKILL");
      // The killed migrator's server session may still wait at the gate: opening it lets that session
      // run into its dead socket and end, which frees the migration lock (the next run waits for that).
      await openGate();
      const next = await cli(["migrate", "up", "--dir", dir, "--url", engine.url, "--lock-timeout", "60000"]);
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual(
        (await history()).map((r) => r.version),
        ["001", "002"],
      );
    });

    it("status, validate, down and dry-run as a user runs them, with documented exit codes", async () => {
      const dir = migrationDir(MIGRATIONS);
      const dry = await cli(["migrate", "up", "--dry-run", "--dir", dir, "--url", engine.url]);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, new RegExp(`-- V001__users.sql \\(${engine.name}, up\\)`));
      assert.ok(dry.stdout.includes({ sqlite: "JSON_TEXT", postgres: "JSONB", mysql: "settings JSON" }[engine.name]!), dry.stdout);
      assert.deepEqual(await readHistoryOrNothing(db), "no history table");

      assert.equal((await cli(["migrate", "up", "--to", "002", "--dir", dir, "--url", engine.url])).code, 0);
      const st = await cli(["migrate", "status", "--json", "--dir", dir, "--url", engine.url]);
      assert.deepEqual(
        JSON.parse(st.stdout).migrations.map((m: { state: string }) => m.state),
        ["applied", "applied", "pending"],
      );
      const table = await cli(["migrate", "status", "--dir", dir, "--url", engine.url]);
      assert.match(table.stdout, /^version \| description \| state/);

      const downRun = await cli(["migrate", "down", "--steps", "2", "--dir", dir, "--url", engine.url]);
      assert.equal(downRun.code, 0, downRun.stderr);
      assert.deepEqual(await history(), []);

      const { writeFileSync } = await import("node:fs");
      assert.equal((await cli(["migrate", "up", "--dir", dir, "--url", engine.url])).code, 0);
      writeFileSync(path.join(dir, "V002__posts.sql"), "SELECT 1;\n");
      const drift = await cli(["migrate", "validate", "--dir", dir, "--url", engine.url]);
      assert.equal(drift.code, 3);
      assert.match(drift.stderr, /V002__posts\.sql changed after it was applied/);
      assert.equal((await cli(["migrate", "up", "--dir", dir, "--url", engine.url])).code, 3);
    });

    it("health, query and a password never printed", async () => {
      const health = await cli(["health", "--json", "--url", engine.url]);
      assert.equal(health.code, 0, health.stderr);
      assert.equal(JSON.parse(health.stdout).ok, true);
      const query = await cli(["query", "SELECT 1 AS one, 'a' AS two", "--url", engine.url]);
      assert.match(query.stdout, /one \| two\n-+-\+-+\n1 +\| a/);
      const json = await cli(["query", "SELECT 2 AS n", "--json"], { DATABASE_URL: engine.url });
      const parsed = JSON.parse(json.stdout);
      assert.deepEqual([parsed.columns.map((c: { name: string }) => c.name), parsed.rows], [["n"], [[2]]]);
      if (engine.name !== "sqlite") {
        const bad = engine.url.replace(/:polysql@/, ":wrong-secret@");
        const failed = await cli(["migrate", "status", "--url", bad, "--dir", migrationDir({})]);
        assert.equal(failed.code, 1);
        assert.ok(!(failed.stdout + failed.stderr).includes("wrong-secret"), failed.stderr);
      }
    });

    it("query prints every column in select-list order, duplicate and integer-like names included; --json gives { columns, rows }", async () => {
      const sql = `SELECT 1 AS a, 'x' AS a, 7 AS "7", 2 + 2 AS b`;
      const table = await cli(["query", sql, "--url", engine.url]);
      assert.equal(table.code, 0, table.stderr);
      assert.equal(table.stdout, "a | a | 7 | b\n--+---+---+--\n1 | x | 7 | 4\n(1 row)\n");
      const json = await cli(["query", sql, "--json", "--url", engine.url]);
      const out = JSON.parse(json.stdout) as { columns: { name: string; type?: string }[]; rows: unknown[][] };
      assert.deepEqual(Object.keys(out), ["columns", "rows"]);
      assert.deepEqual(
        out.columns.map((c) => c.name),
        ["a", "a", "7", "b"],
      );
      assert.deepEqual(out.rows, [[1, "x", 7, 4]]);
      const empty = await cli(["query", "SELECT 1 AS a, 2 AS b WHERE 1 = 0", "--url", engine.url]);
      assert.equal(empty.stdout, "a | b\n--+--\n(0 rows)\n");
      assert.equal((await cli(["query", "CREATE TABLE cli_rc (id INTEGER)", "--url", engine.url])).stdout, "(0 rows affected)\n");
      assert.equal((await cli(["query", "INSERT INTO cli_rc (id) VALUES (1), (2)", "--url", engine.url])).stdout, "(2 rows affected)\n");
      assert.equal((await cli(["query", "DROP TABLE cli_rc", "--url", engine.url])).code, 0);
    });
  });
}

async function readHistoryOrNothing(db: Database): Promise<unknown> {
  return db.all("SELECT * FROM polysql_schema_history").catch(() => "no history table");
}

describe("polysql CLI without a database", () => {
  it("usage errors exit 2 and name the accepted options", async () => {
    const r = await cli(["migrate", "up", "--steps", "2"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"migrate up" does not accept --steps/);
    assert.equal((await cli(["frobnicate"])).code, 2);
    assert.equal((await cli(["migrate", "down", "--steps", "zero"])).code, 2);
  });

  it("help, backends, and new create the next V/U pair", async () => {
    const help = await cli(["--help"]);
    assert.match(help.stdout, /Exit codes: 0 ok, 1 failure, 2 usage error/);
    const backends = await cli(["backends", "--json"]);
    assert.deepEqual(
      JSON.parse(backends.stdout)
        .map((b: { name: string }) => b.name)
        .sort(),
      ["mysql", "postgres", "sqlite"],
    );
    const dir = mkdtempSync(path.join(tmpdir(), "polysql-new-"));
    assert.equal((await cli(["migrate", "new", "Create users", "--dir", dir])).code, 0);
    assert.equal((await cli(["migrate", "new", "add posts", "--dir", dir])).code, 0);
    assert.deepEqual(readdirSync(dir).sort(), ["U001__create_users.sql", "U002__add_posts.sql", "V001__create_users.sql", "V002__add_posts.sql"]);
  });

  it("reads polysql.config.json when there is no --url or DATABASE_URL", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "polysql-config-"));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path.join(cwd, "polysql.config.json"), JSON.stringify({ url: `sqlite:${path.join(cwd, "app.db")}`, migrations: "db/migrations" }));
    const created = await cli(["migrate", "new", "first"], { CWD: cwd });
    assert.match(created.stdout, /db\/migrations\/V001__first\.sql/);
    const up = await cli(["migrate", "up", "--json"], { CWD: cwd });
    assert.equal(up.code, 0, up.stderr);
    assert.equal(JSON.parse(up.stdout).engine, "sqlite");
    writeFileSync(path.join(cwd, "polysql.config.json"), JSON.stringify({ uri: "x" }));
    const bad = await cli(["migrate", "status"], { CWD: cwd });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown key "uri"/);
  });
});
