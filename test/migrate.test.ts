import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  migrateDown as down,
  migrate,
  type MigrationError,
  repairMigrations as repair,
  migrationStatus as status,
  validateMigrations as validate,
  type Database,
} from "../src/index.js";
import { engines, open } from "./support/engines.js";
import { migrationDir, resetSchema, writeMigrations } from "./support/migration-files.js";

const TABLES = ["mg_posts", "mg_users", "mg_split", "mg_fail", "mg_tags"];

const USERS = "CREATE TABLE mg_users (id SERIAL PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE, born DATE, meta JSON);\n";
const POSTS =
  "CREATE TABLE mg_posts (id BIGSERIAL PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES mg_users (id), body TEXT, at TIMESTAMP, ok BOOLEAN NOT NULL DEFAULT FALSE);\n" +
  "INSERT INTO mg_users (name) VALUES ('ada');\n";

/** A corpus of statement shapes per engine: each must run as the intended statements. */
const SPLIT_CORPUS: Record<string, { sql: string; statements: number; notes: string[] }> = {
  postgres: {
    sql: `CREATE TABLE mg_split (id INTEGER PRIMARY KEY, note TEXT);
-- a comment; with a semicolon
/* block; comment /* nested; */ */
INSERT INTO mg_split VALUES (1, 'semi;colon'), (2, E'it\\'s; quoted');
CREATE OR REPLACE FUNCTION mg_split_fn() RETURNS trigger AS $body$
BEGIN
  NEW.note := NEW.note || ';x';
  RETURN NEW;
END;
$body$ LANGUAGE plpgsql;
CREATE TRIGGER mg_split_trg BEFORE INSERT ON mg_split FOR EACH ROW EXECUTE FUNCTION mg_split_fn();
INSERT INTO mg_split VALUES (3, 'a');
`,
    statements: 5,
    notes: ["semi;colon", "it's; quoted", "a;x"],
  },
  // Under the portable session profile (the default): "..." is a name, a backslash is a character.
  mysql: {
    sql: `CREATE TABLE mg_split (id INTEGER PRIMARY KEY, note TEXT);
# hash comment; here
INSERT INTO mg_split ("id", "note") VALUES (1, 'semi;colon'), (2, 'it''s; C:\\');
CREATE TRIGGER mg_split_trg BEFORE INSERT ON mg_split FOR EACH ROW
BEGIN
  IF NEW.id > 2 THEN
    SET NEW.note = CONCAT(NEW.note, ';x');
  END IF;
  CASE WHEN NEW.id = 99 THEN SET NEW.note = 'n;'; ELSE BEGIN END; END CASE;
END;
INSERT INTO mg_split VALUES (3, 'a');
`,
    statements: 4,
    notes: ["semi;colon", "it's; C:\\", "a;x"],
  },
  sqlite: {
    sql: `CREATE TABLE mg_split (id INTEGER PRIMARY KEY, note TEXT);
/* block; comment */
INSERT INTO mg_split VALUES (1, 'semi;colon'), (2, 'it''s; quoted');
CREATE TRIGGER mg_split_trg AFTER INSERT ON mg_split WHEN NEW.id > 2
BEGIN
  UPDATE mg_split SET note = note || ';x' WHERE id = NEW.id; -- inner; comment
  UPDATE mg_split SET note = CASE WHEN note = 'zz' THEN 'y;' ELSE note END WHERE id = NEW.id;
END;
INSERT INTO mg_split VALUES (3, 'a');
`,
    statements: 4,
    notes: ["semi;colon", "it's; quoted", "a;x"],
  },
};

for (const engine of engines()) {
  describe(`migrations on ${engine.name}`, () => {
    let db: Database;
    const versions = async () => (await db.all<{ version: string }>("SELECT version FROM polysql_schema_history ORDER BY version")).map((r) => r.version);
    const tableExists = (t: string) =>
      db.value(`SELECT count(*) FROM ${t}`).then(
        () => true,
        () => false,
      );

    before(async () => {
      db = await open(engine);
    });
    beforeEach(() => resetSchema(db, ...TABLES));
    after(async () => {
      await resetSchema(db, ...TABLES);
      await db.close();
    });

    it("applies portable migrations in order, records them, and is idempotent", async () => {
      const dir = migrationDir({
        "V001__users.sql": USERS,
        "V002__posts.sql": POSTS,
        "U002__posts.sql": "DROP TABLE mg_posts;",
        "U001__users.sql": "DROP TABLE mg_users;",
      });
      const first = await migrate(db, { dir });
      assert.equal(first.error, undefined);
      assert.deepEqual(
        first.steps.map((s) => [s.version, s.file]),
        [
          ["001", "V001__users.sql"],
          ["002", "V002__posts.sql"],
        ],
      );
      assert.deepEqual(await versions(), ["001", "002"]);
      await db.execute("INSERT INTO mg_posts (user_id, body, at, ok) VALUES (1, 'hi', :at, :ok)", { at: new Date(), ok: true });
      const again = await migrate(db, { dir });
      assert.deepEqual([again.ok, again.steps.length], [true, 0]);
      const rows = (await status(db, { dir })).migrations;
      assert.deepEqual(
        rows.map((m) => [m.version, m.state, m.undoable]),
        [
          ["001", "applied", true],
          ["002", "applied", true],
        ],
      );
      const row = await db.one<{ engine: string; success: unknown; checksum: string }>(
        "SELECT engine, success, checksum FROM polysql_schema_history WHERE version = '001'",
      );
      assert.equal(row?.engine, engine.name);
      assert.equal(row?.checksum.length, 64);
    });

    it("migrate --to stops at a version, and down reverses up newest first", async () => {
      const dir = migrationDir({
        "V001__users.sql": USERS,
        "U001__users.sql": "DROP TABLE mg_users;",
        "V002__posts.sql": POSTS,
        "U002__posts.sql": "DROP TABLE mg_posts;\nDELETE FROM mg_users;",
      });
      assert.deepEqual(
        (await migrate(db, { dir, to: "1" })).steps.map((s) => s.version),
        ["001"],
      );
      assert.equal(await tableExists("mg_posts"), false);
      await migrate(db, { dir });
      const undo = await down(db, { dir, steps: 2 });
      assert.equal(undo.error, undefined);
      assert.deepEqual(
        undo.steps.map((s) => [s.file, s.direction]),
        [
          ["U002__posts.sql", "down"],
          ["U001__users.sql", "down"],
        ],
      );
      assert.deepEqual([await tableExists("mg_users"), await tableExists("mg_posts")], [false, false]);
      assert.deepEqual(await versions(), []);
      assert.deepEqual((await migrate(db, { dir })).steps.length, 2);
    });

    it("down without an undo file reports it by name and changes nothing", async () => {
      const dir = migrationDir({ "V001__users.sql": USERS });
      await migrate(db, { dir });
      const result = await down(db, { dir });
      assert.equal(result.ok, false);
      assert.match(result.error!.message, /V001__users\.sql has no undo file/);
      assert.deepEqual(await versions(), ["001"]);
    });

    it("the splitter corpus (comments, strings, dollar quotes, trigger bodies with ;) runs as the intended statements", async () => {
      const corpus = SPLIT_CORPUS[engine.name];
      const dir = migrationDir({ [`V001__split.${engine.name}.sql`]: corpus.sql, "V001__split.sql": "SELECT no_such_function();" });
      const dry = await migrate(db, { dir, dryRun: true });
      assert.equal(dry.steps[0].file, `V001__split.${engine.name}.sql`);
      assert.equal(dry.steps[0].statements!.length, corpus.statements);
      const result = await migrate(db, { dir });
      assert.equal(result.error, undefined);
      const notes = (await db.all<{ note: string }>("SELECT note FROM mg_split ORDER BY id")).map((r) => r.note);
      assert.deepEqual(notes, corpus.notes);
    });

    it("a CRLF checkout of an applied file is not drift", async () => {
      const dir = migrationDir({ "V001__users.sql": USERS });
      await migrate(db, { dir });
      writeMigrations(dir, { "V001__users.sql": USERS.replace(/\n/g, "\r\n") });
      assert.deepEqual((await validate(db, { dir })).problems, []);
    });

    it("detects a changed file, naming it and both checksums", async () => {
      const dir = migrationDir({ "V001__users.sql": USERS, "V002__posts.sql": POSTS });
      await migrate(db, { dir, to: "001" });
      writeMigrations(dir, { "V001__users.sql": USERS + "-- edited\n" });
      const result = await migrate(db, { dir });
      assert.equal(result.ok, false);
      const err = result.error as MigrationError;
      assert.equal(err.reason, "changed");
      assert.match(err.message, /V001__users\.sql changed after it was applied: checksum applied [0-9a-f]{64}, file now [0-9a-f]{64}/);
      assert.equal(await tableExists("mg_posts"), false, "nothing ran after a failed validation");
      assert.deepEqual((await repair(db, { dir })).realigned, ["001"]);
      assert.equal((await migrate(db, { dir })).ok, true);
    });

    it("detects a deleted file, naming it", async () => {
      const dir = migrationDir({ "V001__users.sql": USERS, "V002__posts.sql": POSTS });
      await migrate(db, { dir });
      rmSync(path.join(dir, "V002__posts.sql"));
      const { ok, problems } = await validate(db, { dir });
      assert.equal(ok, false);
      assert.deepEqual(
        problems.map((p) => [p.reason, p.file]),
        [["missing", "V002__posts.sql"]],
      );
      assert.match(problems[0].message, /V002__posts\.sql was applied but the file is missing/);
    });

    it("refuses an out-of-order file unless allowOutOfOrder", async () => {
      const dir = migrationDir({ "V001__users.sql": USERS, "V003__tags.sql": "CREATE TABLE mg_tags (name VARCHAR(20) PRIMARY KEY);" });
      await migrate(db, { dir });
      writeMigrations(dir, { "V002__posts.sql": POSTS });
      const refused = await migrate(db, { dir });
      assert.equal((refused.error as MigrationError).reason, "out_of_order");
      assert.match(refused.error!.message, /V002__posts\.sql is pending but sorts before the applied V003__tags\.sql/);
      const allowed = await migrate(db, { dir, allowOutOfOrder: true });
      assert.deepEqual(
        allowed.steps.map((s) => s.version),
        ["002"],
      );
    });

    it("dry run returns the translated SQL and changes nothing", async () => {
      const dir = migrationDir({ "V001__users.sql": USERS });
      const result = await migrate(db, { dir, dryRun: true });
      assert.equal(result.ok, true);
      const expected = { sqlite: "INTEGER PRIMARY KEY AUTOINCREMENT", postgres: "SERIAL PRIMARY KEY", mysql: "INTEGER AUTO_INCREMENT PRIMARY KEY" }[
        engine.name
      ];
      assert.ok(result.steps[0].statements![0].includes(`id ${expected}`), result.steps[0].statements![0]);
      assert.equal(await tableExists("mg_users"), false);
      assert.equal(await tableExists("polysql_schema_history"), false);
    });

    if (engine.name !== "mysql") {
      it("a migration whose second statement fails leaves schema and history unchanged (transactional DDL)", async () => {
        const dir = migrationDir({ "V001__fail.sql": "CREATE TABLE mg_fail (id INTEGER);\nINSERT INTO mg_no_such_table VALUES (1);\n" });
        const result = await migrate(db, { dir });
        const err = result.error as MigrationError;
        assert.equal(err.reason, "statement_failed");
        assert.equal(err.statementIndex, 2);
        assert.match(err.message, /V001__fail\.sql failed at statement 2 of 2/);
        assert.equal(await tableExists("mg_fail"), false);
        assert.deepEqual(await versions(), []);
      });
    }

    it("a failure outside a transaction is recorded with its statement and blocks until repair", async () => {
      // MariaDB commits DDL implicitly; elsewhere the no-transaction header gives the same situation.
      const header = engine.name === "mysql" ? "" : "-- polysql:no-transaction\n";
      const dir = migrationDir({ "V001__fail.sql": `${header}CREATE TABLE mg_fail (id INTEGER);\nINSERT INTO mg_fail VALUES (1, 2);\n` });
      const result = await migrate(db, { dir });
      assert.equal((result.error as MigrationError).statementIndex, 2);
      assert.equal(await tableExists("mg_fail"), true, "the first statement was committed");
      const row = await db.one<{ failed_statement: number; failed_sql: string }>("SELECT failed_statement, failed_sql FROM polysql_schema_history");
      assert.deepEqual([Number(row?.failed_statement), row?.failed_sql], [2, "INSERT INTO mg_fail VALUES (1, 2)"]);
      const blocked = await migrate(db, { dir });
      assert.equal((blocked.error as MigrationError).reason, "failed");
      assert.match(blocked.error!.message, /V001__fail\.sql failed at statement 2 \(INSERT INTO mg_fail VALUES \(1, 2\)\).*migrate repair/);
      // The operator fixes the schema and the file, then repairs.
      await db.execute("DROP TABLE mg_fail");
      writeMigrations(dir, { "V001__fail.sql": `${header}CREATE TABLE mg_fail (id INTEGER);\nINSERT INTO mg_fail VALUES (1);\n` });
      assert.deepEqual((await repair(db, { dir })).removed, ["001"]);
      assert.equal((await migrate(db, { dir })).ok, true);
      assert.equal(await db.value("SELECT count(*) FROM mg_fail"), 1);
    });

    it("rejects badly named files and unknown options", async () => {
      const bad = await migrate(db, { dir: migrationDir({ "V1_users.sql": USERS }) });
      assert.equal((bad.error as MigrationError).reason, "bad_file");
      assert.match(bad.error!.message, /V1_users\.sql: expected a name like/);
      await assert.rejects(migrate(db, { dir: "x", dryrun: true } as never), /Unknown migration option "dryrun"/);
    });
  });
}
