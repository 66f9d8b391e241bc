import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, ConfigError, type Database } from "../src/index.js";
import { splitStatements } from "../src/dialects/index.js";
import { runConformance } from "../src/conformance/index.js";
import { assertConforms } from "./support/conformance.js";
import { dropTables, engines, open, type Engine } from "./support/engines.js";

// The statements of issue 13's table, as a new user would write them. Under the portable
// session profile (MySQL/MariaDB's default) each one means the same on every engine; the
// three that cannot agree (7 / 2, LIKE's case, a comparison's type) are portability rules
// (docs/portability.md, test/portability-rules.test.ts) and are pinned here as still differing.
const r = String.raw;

for (const engine of engines()) {
  describe(`the portable SQL profile on ${engine.name}`, () => {
    let db: Database;

    before(async () => {
      db = await open(engine);
      await dropTables(db, "pp13_t");
      // docs/migrations.md recommends quoting a keyword column: "key".
      await db.execute(`CREATE TABLE pp13_t (id INTEGER PRIMARY KEY, "key" VARCHAR(10))`);
      await db.execute(`INSERT INTO pp13_t (id, "key") VALUES (1, 'k1')`);
    });
    after(async () => {
      await dropTables(db, "pp13_t");
      await db.close();
    });

    it(`a double-quoted name is an identifier: SELECT "key" FROM t is the column`, async () => {
      assert.deepEqual(await db.all(`SELECT "key" FROM pp13_t`), [{ key: "k1" }]);
      assert.equal(await db.value(`SELECT "key" FROM pp13_t WHERE "id" = :id`, { id: 1 }), "k1");
    });

    it("|| concatenates", async () => {
      assert.equal(await db.value(`SELECT 'a' || 'b'`), "ab");
      assert.equal(await db.value(`SELECT 'x' || "key" || :s FROM pp13_t`, { s: "!" }), "xk1!");
    });

    it("a backslash in a string literal is an ordinary character", async () => {
      assert.equal(await db.value(r`SELECT 'a \ b'`), r`a \ b`);
      assert.equal(await db.value(r`SELECT 'C:\' || :p`, { p: "x" }), r`C:\x`, "the backslash does not hide the closing quote, so :p is a parameter");
      assert.equal(await db.value(r`SELECT 'it''s \n'`), r`it's \n`);
    });

    it("the lexer reads text as the engine does: placeholders inside double-quoted names and after a backslash", async () => {
      assert.deepEqual(await db.all(r`SELECT 'C:\' AS "p:x", :x AS "x?"`, { x: "one" }), [{ "p:x": "C:\\", "x?": "one" }]);
      assert.deepEqual(await db.all(r`SELECT 'C:\' AS "p?", ? AS "x"`, ["two"]), [{ "p?": "C:\\", x: "two" }]);
    });

    it("CRUD helpers quote names the way the session reads them", async () => {
      await db.insert("pp13_t", { id: 2, key: "k2" });
      await db.update("pp13_t", { key: "k2" }, { key: "k2b" });
      assert.deepEqual(await db.get("pp13_t", 2), { id: 2, key: "k2b" });
      assert.equal(await db.delete("pp13_t", { key: ["k2b"] }), 1);
    });

    it("a migration script's statements split and run as written (the splitter reads the session's syntax)", async () => {
      const script = r`UPDATE pp13_t SET "key" = 'a;\' WHERE id = 1; UPDATE pp13_t SET "key" = "key" || ';b' WHERE id = 1`;
      const statements = splitStatements(db.dialect.syntax, script);
      assert.equal(statements.length, 2);
      for (const statement of statements) await db.execute(statement);
      assert.equal(await db.value(`SELECT "key" FROM pp13_t WHERE id = 1`), r`a;\;b`);
      await db.execute(`UPDATE pp13_t SET "key" = 'k1' WHERE id = 1`);
    });

    it("what the profile cannot change still differs: 7 / 2, LIKE's case, a comparison's type", async () => {
      const expected = {
        sqlite: [3, 1, 1],
        postgres: [3, false, true],
        mysql: ["3.5000", 1, 1],
      }[engine.name];
      assert.deepEqual([await db.value("SELECT 7 / 2"), await db.value("SELECT 'Ada' LIKE 'ada'"), await db.value("SELECT (1 = 1)")], expected);
    });
  });
}

const mysql = engines().find((e) => e.name === "mysql");

describe("the MySQL session profile option", { skip: mysql === undefined ? "MySQL/MariaDB not selected" : false }, () => {
  const engine = mysql as Engine;
  const nativeUrl = () => `${engine.url}${engine.url.includes("?") ? "&" : "?"}sql_mode=native`;

  it("is on by default: the session's sql_mode has ANSI_QUOTES, PIPES_AS_CONCAT and NO_BACKSLASH_ESCAPES, after a session reset too", async () => {
    const db = await open(engine, { pool: { max: 1 } });
    try {
      const modes = async () => String(await db.value("SELECT @@SESSION.sql_mode")).split(",");
      for (const mode of ["ANSI_QUOTES", "PIPES_AS_CONCAT", "NO_BACKSLASH_ESCAPES", "IGNORE_SPACE"]) assert.ok((await modes()).includes(mode), mode);
      // connection() marks the session dirty: it is reset (COM_RESET_CONNECTION) before the next borrower.
      await db.connection((conn) => conn.execute("SET SESSION sql_mode = ''"));
      for (const mode of ["ANSI_QUOTES", "PIPES_AS_CONCAT", "NO_BACKSLASH_ESCAPES", "IGNORE_SPACE"])
        assert.ok((await modes()).includes(mode), `${mode} after reset`);
      assert.equal(db.dialect.syntax.identifierQuote, '"');
    } finally {
      await db.close();
    }
  });

  for (const [how, connectTo] of [
    ["the URL's ?sql_mode=native", () => connect(nativeUrl())],
    ['connect({ mysql: { sqlMode: "native" } })', () => connect({ url: engine.url, mysql: { sqlMode: "native" } })],
  ] as const) {
    it(`${how} keeps the server's own sql_mode, and the lexer and CRUD quoting follow it`, async () => {
      const db = await connectTo();
      try {
        assert.ok(!String(await db.value("SELECT @@SESSION.sql_mode")).includes("ANSI_QUOTES"));
        assert.equal(await db.value(`SELECT 'a' || 'b'`), 0, "|| is a logical OR");
        assert.equal(await db.value(r`SELECT 'a \ b'`), "a  b", "a backslash escapes");
        assert.equal(await db.value(`SELECT "key:x"`), "key:x", `"..." is a string, and :x inside it is no parameter`);
        assert.equal(await db.value(r`SELECT 'it\'s :x', :a`, { a: 1 }), "it's :x");
        assert.equal(db.dialect.syntax.identifierQuote, "`");
        assert.equal(db.dialect.name, "mysql", "engine override files (.mysql.sql) still apply");
        await dropTables(db, "pp13_native");
        await db.execute("CREATE TABLE pp13_native (id INTEGER PRIMARY KEY, `key` VARCHAR(10))");
        await db.insert("pp13_native", { id: 1, key: "k" });
        assert.deepEqual(await db.get("pp13_native", 1), { id: 1, key: "k" });
        await dropTables(db, "pp13_native");
      } finally {
        await db.close();
      }
    });
  }

  it("JSON functions keep working, and a JSON literal keeps its backslashes as written", async () => {
    const db = await open(engine);
    const native = await connect(nativeUrl());
    try {
      const literal = r`SELECT JSON_VALUE('{"a": "q\"x"}', '$.a')`;
      assert.equal(await db.value(literal), 'q"x', "the literal is valid JSON text under the profile");
      assert.notEqual(await native.value(literal).catch(() => "an error"), 'q"x', "natively the backslash was eaten: not the same JSON");
      assert.equal(await db.value("SELECT JSON_VALUE(:doc, '$.a')", { doc: { a: r`b\"c` } }), r`b\"c`);
      assert.deepEqual(await db.value(`SELECT JSON_OBJECT('k', 'v' || '!')`), { k: "v!" });
      assert.equal(await db.value("SELECT JSON_EXTRACT(:doc, '$.n')", { doc: { n: 2 } }), 2);
    } finally {
      await native.close();
      await db.close();
    }
  });

  it("the native mode passes the conformance kit too (the default profile passes it in conformance.test.ts)", async () => {
    assertConforms(await runConformance({ url: nativeUrl() }));
  });

  it("refuses an unknown mode, naming the option and the accepted values", async () => {
    await assert.rejects(
      connect({ url: engine.url, mysql: { sqlMode: "ansi" } }),
      (e: unknown) => e instanceof ConfigError && /sqlMode.*portable, native/.test(e.message),
    );
    await assert.rejects(connect(`${engine.url}?sql_mode=strict`), (e: unknown) => e instanceof ConfigError && /sqlMode.*portable, native/.test(e.message));
  });

  it("cannot be chosen by an options function (the dialect is fixed at connect())", async () => {
    const db = await connect({ url: engine.url, mysql: () => ({ sqlMode: "native" }) }).catch((e: unknown) => e);
    assert.ok(db instanceof ConfigError, String(db));
    assert.match((db as Error).message, /options function.*URL or the options object/);
  });
});
