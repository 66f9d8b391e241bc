import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { connect, migrate, PolysqlError, redactUrl, type Database } from "../src/index.js";
import { engines, type Engine } from "./support/engines.js";
import { migrationDir } from "./support/migration-files.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TSX = import.meta.resolve("tsx");

/** Known passwords: the right one of the test user, and a wrong one. Neither may ever be printed. */
const SECRET = "Pw-7QzX-credentials-4471";
const WRONG = "Wrong-9KtV-credentials-1187";

/** Every text a user could see of an error: message, stack, JSON, and the inspected cause chain. */
function texts(err: unknown): string {
  const parts = [String(err), inspect(err, { depth: 10 }), JSON.stringify(err)];
  for (let e = err as { message?: unknown; stack?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    parts.push(String(e.message), String(e.stack), JSON.stringify(e));
  }
  return parts.join("\n");
}

function assertClean(text: string, where: string): void {
  for (const secret of [SECRET, WRONG]) assert.ok(!text.includes(secret), `${where} shows a password:\n${text}`);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

/** Runs the CLI as a user would; resolves with its exit code and output. */
function cli(args: string[], cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", TSX, path.join(ROOT, "src/cli/main.ts"), ...args], {
    cwd,
    env: { ...process.env, DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** The engine's URL as another user (no password: undefined). */
function asUser(engine: Engine, user: string, password?: string, database?: string): string {
  const url = new URL(engine.url);
  url.username = user;
  url.password = password ?? "";
  if (database !== undefined) url.pathname = `/${database}`;
  return url.toString();
}

/** Creates (or recreates) a login user on a network engine, with the given password. */
async function createUser(admin: Database, engine: Engine, user: string, password: string, grants = true): Promise<void> {
  await dropUser(admin, engine, user);
  if (engine.name === "postgres") {
    await admin.execute(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
  } else {
    await admin.execute(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    if (grants) await admin.execute(`GRANT SELECT ON \`${new URL(engine.url).pathname.slice(1)}\`.* TO '${user}'@'%'`);
  }
}

async function dropUser(admin: Database, engine: Engine, user: string): Promise<void> {
  if (engine.name === "postgres") {
    if (await admin.value("SELECT 1 FROM pg_roles WHERE rolname = :user", { user })) {
      await admin.execute(`DROP OWNED BY ${user} CASCADE`);
      await admin.execute(`DROP ROLE ${user}`);
    }
  } else {
    await admin.execute(`DROP USER IF EXISTS '${user}'@'%'`);
  }
}

const PASSWORD_CHANGE: Record<string, (user: string, password: string) => string> = {
  postgres: (user, password) => `ALTER ROLE ${user} PASSWORD '${password}'`,
  mysql: (user, password) => `ALTER USER '${user}'@'%' IDENTIFIED BY '${password}'`,
};

for (const engine of engines().filter((e) => e.name !== "sqlite")) {
  const name = engine.name as "postgres" | "mysql";

  describe(`credentials on ${engine.name}`, () => {
    let admin: Database;
    const user = "polysql_cred";
    before(async () => {
      admin = await connect(engine.url);
      await createUser(admin, engine, user, SECRET);
    });
    after(async () => {
      await dropUser(admin, engine, user);
      await admin.close();
    });

    it("a wrong password, in the URL or from a password function, is in no error text", async () => {
      const fromUrl = await rejection(connect(asUser(engine, user, WRONG)));
      assert.ok(fromUrl instanceof PolysqlError && fromUrl.code === "connection_failure", String(fromUrl));
      assertClean(texts(fromUrl), "the error of a wrong password in the URL");
      const fromFunction = await rejection(connect({ url: asUser(engine, user), [name]: { password: async () => WRONG } }));
      assert.ok(fromFunction instanceof PolysqlError && fromFunction.code === "connection_failure", String(fromFunction));
      assertClean(texts(fromFunction), "the error of a wrong password from a function");
    });

    it("the right password is in no statement error, health() or metrics()", async () => {
      const db = await connect({ url: asUser(engine, user, SECRET), pool: { min: 0, max: 2 } });
      try {
        assertClean(texts(await rejection(db.all("SELEC bogus FROM nowhere"))), "a syntax error");
        assertClean(texts(await rejection(db.all("SELECT * FROM no_such_table_cred"))), "a missing-table error");
        assertClean(JSON.stringify(await db.health()), "health()");
        assertClean(JSON.stringify(db.metrics()), "metrics()");
      } finally {
        await db.close();
      }
    });

    it("health() reporting a failed new connection does not show the password the function returned", async () => {
      let calls = 0;
      const db = await connect({ url: asUser(engine, user), pool: { min: 0, max: 2 }, [name]: { password: async () => (++calls === 1 ? SECRET : WRONG) } });
      try {
        // The one good connection is held, so health() must open a second one, with the wrong password.
        const report = await db.connection(() => db.health());
        assert.equal(report.ok, false);
        assert.equal(report.error?.code, "connection_failure");
        assertClean(JSON.stringify(report), "health()");
        assertClean(JSON.stringify(db.metrics()), "metrics()");
      } finally {
        await db.close();
      }
    });

    it("CLI output of health and query (failing or not) never shows the password", async () => {
      const runs = await Promise.all([
        cli(["health", "--url", asUser(engine, user, WRONG)]),
        cli(["health", "--json", "--url", asUser(engine, user, WRONG)]),
        cli(["migrate", "status", "--url", asUser(engine, user, WRONG), "--dir", migrationDir({})]),
        cli(["query", "SELEC bogus", "--url", asUser(engine, user, SECRET)]),
        cli(["query", "SELEC bogus", "--json", "--url", asUser(engine, user, SECRET)]),
        cli(["query", "SELECT 1 AS one", "--url", asUser(engine, user, SECRET)]),
        cli(["health", "--json", "--url", asUser(engine, user, SECRET)]),
      ]);
      assert.deepEqual(
        runs.map((r) => r.code),
        [1, 1, 1, 1, 1, 0, 0],
        runs.map((r) => r.stderr).join("\n"),
      );
      for (const r of runs) assertClean(r.stdout + r.stderr, "CLI output");
      assert.match(runs[0].stdout + runs[0].stderr, /connection_failure|Could not connect/);
    });

    it("rotating passwords: a password function is called for every new connection; old connections keep working", async () => {
      const rotor = "polysql_rotor";
      await createUser(admin, engine, rotor, "rotor-v1");
      let current = "rotor-v1";
      let calls = 0;
      const db = await connect({ url: asUser(engine, rotor), pool: { min: 0, max: 2 }, [name]: { password: async () => (calls++, current) } });
      try {
        assert.equal(calls, 1);
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        let heldReady!: () => void;
        const ready = new Promise<void>((r) => (heldReady = r));
        const old = db.connection(async (conn) => {
          heldReady();
          await gate;
          return conn.value("SELECT 1");
        });
        await ready;
        await admin.execute(PASSWORD_CHANGE[name](rotor, "rotor-v2"));
        // The server really changed it: the old password no longer opens a connection.
        await assert.rejects(connect(asUser(engine, rotor, "rotor-v1")), (err: unknown) => err instanceof PolysqlError && err.code === "connection_failure");
        current = "rotor-v2";
        assert.equal(Number(await db.value("SELECT 2")), 2); // a second connection, opened with rotor-v2
        assert.equal(calls, 2);
        release();
        assert.equal(Number(await old), 1); // the connection opened with rotor-v1 still works
        assert.equal(db.metrics().total, 2);
      } finally {
        await db.close();
        await dropUser(admin, engine, rotor);
      }
    });

    it("the whole backend options object may be a function, called per connection and checked like static options", async () => {
      let calls = 0;
      const db = await connect({ url: asUser(engine, user), pool: { min: 0, max: 2 }, [name]: async () => (calls++, { password: SECRET }) });
      try {
        // Two transactions inside at once need two connections: each waits for the other to be inside
        // (an event, not a sleep, so a loaded machine cannot serialise them); the deadline is only a safety net.
        let inside = 0;
        let bothInside!: () => void;
        const together = new Promise<void>((resolve) => (bothInside = resolve));
        const meet = async () => {
          if (++inside === 2) bothInside();
          await together;
        };
        const safetyNet = setTimeout(() => bothInside(), 60_000);
        try {
          await Promise.all([db.transaction(meet), db.transaction(meet)]);
        } finally {
          clearTimeout(safetyNet);
        }
        assert.equal(inside, 2);
        assert.equal(db.metrics().total, 2);
        assert.equal(calls, 2);
      } finally {
        await db.close();
      }
      await assert.rejects(
        connect({ url: asUser(engine, user), [name]: async () => ({ pasword: SECRET }) }),
        (err: unknown) =>
          err instanceof PolysqlError && err.code === "config_error" && /Unknown \w+ option "pasword" from the options function/.test(err.message),
      );
      const failing = await rejection(
        connect({ url: asUser(engine, user), [name]: { password: async () => Promise.reject(new Error("token service down")) } }),
      );
      assert.ok(failing instanceof PolysqlError && failing.code === "connection_failure");
      assert.match((failing as Error).message, /password function failed: token service down/);
    });

    it("least privilege: the migrator runs as the owner (--url), the application as a user who can only read and write data", async () => {
      const ownerUrl = asUser(engine, "polysql_owner", "owner-pw", name === "mysql" ? "polysql_lp" : undefined);
      const appUrl = asUser(engine, "polysql_app", "app-pw", name === "mysql" ? "polysql_lp" : undefined);
      await setUpLeastPrivilege(admin, engine);
      try {
        const dir = migrationDir({ "V001__items.sql": "CREATE TABLE lp_items (id SERIAL PRIMARY KEY, name VARCHAR(40) NOT NULL);\n" });
        const up = await cli(["migrate", "up", "--dir", dir, "--url", ownerUrl]);
        assert.equal(up.code, 0, up.stderr);

        const app = await connect(appUrl);
        try {
          const id = await app.insert("lp_items", { name: "first" });
          await app.update("lp_items", id, { name: "renamed" });
          assert.deepEqual(await app.all("SELECT name FROM lp_items"), [{ name: "renamed" }]);
          await app.delete("lp_items", id);
          for (const ddl of ["CREATE TABLE lp_sneaky (id INTEGER)", "DROP TABLE lp_items", "ALTER TABLE lp_items ADD COLUMN x INTEGER"]) {
            const err = await rejection(app.execute(ddl));
            assert.ok(err instanceof PolysqlError, String(err));
            assert.match(err.message, /permission denied|must be owner|command denied/i, `${ddl}: ${err.message}`);
            assert.equal(err.code, "permission_denied", ddl);
          }
          const asApp = await migrate(app, { dir: migrationDir({ "V001__other.sql": "CREATE TABLE lp_other (id INTEGER);\n" }) });
          assert.equal(asApp.ok, false, "the application account cannot run migrations");
        } finally {
          await app.close();
        }
      } finally {
        await tearDownLeastPrivilege(admin, engine);
      }
    });
  });
}

/**
 * PostgreSQL: a schema owned by the migrator's role, which both roles use; the
 * application role gets data rights on whatever the owner creates there (default privileges).
 * MariaDB: a database the owner has every right on, and the application only SELECT/INSERT/UPDATE/DELETE.
 */
async function setUpLeastPrivilege(admin: Database, engine: Engine): Promise<void> {
  await tearDownLeastPrivilege(admin, engine);
  await createUser(admin, engine, "polysql_owner", "owner-pw", false);
  await createUser(admin, engine, "polysql_app", "app-pw", false);
  if (engine.name === "postgres") {
    for (const sql of [
      "CREATE SCHEMA polysql_lp AUTHORIZATION polysql_owner",
      "ALTER ROLE polysql_owner SET search_path = polysql_lp",
      "ALTER ROLE polysql_app SET search_path = polysql_lp",
      "GRANT USAGE ON SCHEMA polysql_lp TO polysql_app",
      "ALTER DEFAULT PRIVILEGES FOR ROLE polysql_owner IN SCHEMA polysql_lp GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO polysql_app",
      "ALTER DEFAULT PRIVILEGES FOR ROLE polysql_owner IN SCHEMA polysql_lp GRANT USAGE, SELECT ON SEQUENCES TO polysql_app",
    ])
      await admin.execute(sql);
  } else {
    for (const sql of [
      "CREATE DATABASE polysql_lp",
      "GRANT ALL PRIVILEGES ON polysql_lp.* TO 'polysql_owner'@'%'",
      "GRANT SELECT, INSERT, UPDATE, DELETE ON polysql_lp.* TO 'polysql_app'@'%'",
    ])
      await admin.execute(sql);
  }
}

async function tearDownLeastPrivilege(admin: Database, engine: Engine): Promise<void> {
  if (engine.name === "postgres") await admin.execute("DROP SCHEMA IF EXISTS polysql_lp CASCADE");
  else await admin.execute("DROP DATABASE IF EXISTS polysql_lp");
  await dropUser(admin, engine, "polysql_app");
  await dropUser(admin, engine, "polysql_owner");
}

describe("SQLite: no users, so file modes and ?mode= guard the data", { skip: !engines().some((e) => e.name === "sqlite") && "sqlite not selected" }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "polysql-sqlite-modes-"));

  it("a new database file is created readable by its owner only (0600), and so are its WAL files", async () => {
    const file = path.join(dir, "new.db");
    const db = await connect(`sqlite:${file}`);
    try {
      await db.execute("CREATE TABLE t (x INTEGER)");
      await db.execute("INSERT INTO t (x) VALUES (1)");
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        assert.ok(existsSync(f), `${f} exists`);
        assert.equal((statSync(f).mode & 0o777).toString(8), "600", f);
      }
    } finally {
      await db.close();
    }
  });

  it("an existing file keeps its mode (polysql changes no permissions it did not create)", async () => {
    const file = path.join(dir, "shared.db");
    writeFileSync(file, "");
    chmodSync(file, 0o640);
    const db = await connect(`sqlite:${file}`);
    await db.close();
    assert.equal((statSync(file).mode & 0o777).toString(8), "640");
  });

  it("?mode=ro reads, and refuses every write with SQLite's read-only error", async () => {
    const file = path.join(dir, "ro.db");
    const rw = await connect(`sqlite:${file}`);
    await rw.execute("CREATE TABLE t (x INTEGER)");
    await rw.execute("INSERT INTO t (x) VALUES (1)");
    await rw.close();
    const ro = await connect(`sqlite:${file}?mode=ro`);
    try {
      assert.equal(await ro.value("SELECT count(*) FROM t"), 1);
      for (const sql of ["INSERT INTO t (x) VALUES (2)", "CREATE TABLE u (x INTEGER)", "DELETE FROM t"]) {
        const err = await rejection(ro.execute(sql));
        assert.ok(err instanceof PolysqlError, String(err));
        assert.match(err.message, /attempt to write a readonly database/);
        assert.equal(err.code, "permission_denied");
      }
      assert.equal(await ro.value("SELECT count(*) FROM t"), 1);
    } finally {
      await ro.close();
    }
  });

  it("?mode=rw and ?mode=ro refuse a missing file, and do not create it", async () => {
    for (const mode of ["rw", "ro"]) {
      const file = path.join(dir, `missing-${mode}.db`);
      const err = await rejection(connect(`sqlite:${file}?mode=${mode}`));
      assert.ok(err instanceof PolysqlError && err.code === "connection_failure", String(err));
      assert.match(err.message, new RegExp(`does not exist \\(mode=${mode} opens an existing file only; mode=rwc creates it\\)`));
      assert.equal(existsSync(file), false);
    }
    const file = path.join(dir, "existing.db");
    await (await connect(`sqlite:${file}`)).close();
    const db = await connect(`sqlite:${file}?mode=rw`);
    await db.execute("CREATE TABLE t (x INTEGER)");
    await db.close();
  });

  it("there is no password to set: the option is refused", async () => {
    await assert.rejects(connect({ url: `sqlite:${path.join(dir, "pw.db")}`, sqlite: { password: "x" } }), /Unknown sqlite option "password"/);
  });
});

describe("passwords in URLs and config files", () => {
  it("redactUrl hides the password in user info (even with @ or /) and in password= parameters", () => {
    assert.equal(redactUrl(`postgres://app:${SECRET}@db.internal:5432/app`), "postgres://app:***@db.internal:5432/app");
    assert.equal(redactUrl("postgres://app:p@ss/w0rd@db/app?sslmode=require"), "postgres://app:***@db/app?sslmode=require");
    assert.equal(redactUrl(`mysql://db/app?user=app&password=${SECRET}&ssl-mode=REQUIRED`), "mysql://db/app?user=app&password=***&ssl-mode=REQUIRED");
    assert.equal(redactUrl(`postgres://db/app?sslpassword=${SECRET}`), "postgres://db/app?sslpassword=***");
    assert.equal(redactUrl("postgres://app@db:5432/app"), "postgres://app@db:5432/app");
    assert.equal(redactUrl("sqlite:./app.db?mode=ro"), "sqlite:./app.db?mode=ro");
  });

  it("a malformed URL's error does not carry the password (Node's URL error would, as its input)", async () => {
    for (const url of [`postgres://app:${SECRET}@db:notaport/app`, `mysql://app:${SECRET}@db:notaport/app`]) {
      const err = await rejection(connect(url));
      assert.ok(err instanceof PolysqlError && err.code === "config_error", String(err));
      assertClean(texts(err), "a malformed URL's error");
    }
  });

  it("the CLI warns when polysql.config.json holds a password and group or others can read it, without printing it", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "polysql-config-pw-"));
    const config = path.join(cwd, "polysql.config.json");
    writeFileSync(config, JSON.stringify({ url: `postgres://app:${SECRET}@127.0.0.1:1/app` }));
    chmodSync(config, 0o644);
    const exposed = await cli(["migrate", "new", "first"], cwd);
    assert.equal(exposed.code, 0, exposed.stderr);
    assert.match(
      exposed.stderr,
      /warning: polysql\.config\.json holds a password and is readable by group or others \(mode 0644\): run "chmod 600 polysql\.config\.json"/,
    );
    assertClean(exposed.stdout + exposed.stderr, "CLI output");
    chmodSync(config, 0o600);
    const owned = await cli(["migrate", "new", "second"], cwd);
    assert.equal(owned.code, 0, owned.stderr);
    assert.doesNotMatch(owned.stderr, /warning/);
    writeFileSync(config, JSON.stringify({ url: `sqlite:${path.join(cwd, "app.db")}` }));
    chmodSync(config, 0o644);
    assert.doesNotMatch((await cli(["migrate", "new", "third"], cwd)).stderr, /warning/, "no password, no warning");
  });
});
