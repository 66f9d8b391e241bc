import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { checkSql } from "../src/check/check-sql.js";
import { portableValue, sameResult } from "../src/check/portable-value.js";
import { RULES } from "../src/check/rules/index.js";
import { translateTypes } from "../src/dialects/index.js";
import { connect, type Database } from "../src/index.js";
import { engines } from "./support/engines.js";

// Every rule of docs/portability.md, proven: its construct (`bad`) gives different results on
// SQLite, PostgreSQL and MariaDB (an error counts as a result), and its rewrite (`good`) gives
// the same result everywhere after the portable value normalization. `polysql check` finds the
// construct in `bad` and nothing at all in `good`. Rules about MySQL's native mode run `bad`
// on a `sqlMode: "native"` connection; their rewrite is the portable profile itself.

interface RuleCase {
  rule: string;
  bad: string;
  good: string;
  params?: Record<string, unknown>;
  /** Statements run after, in the same (rolled back) transaction; the last one's rows are the result. */
  after?: string[];
  /** `good` is a portable migration: translated with the engine's types first. */
  goodIsMigration?: boolean;
  /** Run before and after each engine's attempt. */
  cleanup?: string[];
}

const NATIVE_ONLY = new Set(RULES.filter((r) => r.mysqlNative !== undefined).map((r) => r.id));

const ins = "INSERT INTO pr13_people (id, name, city) ";
const CASES: RuleCase[] = [
  { rule: "integer-division", bad: "SELECT 7 / 2 AS q", good: "SELECT 7 * 1.0 / 2 AS q" },
  { rule: "like-case", bad: "SELECT id FROM pr13_people WHERE name LIKE 'a%'", good: "SELECT id FROM pr13_people WHERE LOWER(name) LIKE 'a%'" },
  { rule: "ilike", bad: "SELECT id FROM pr13_people WHERE name ILIKE 'a%'", good: "SELECT id FROM pr13_people WHERE LOWER(name) LIKE 'a%'" },
  { rule: "pipes-concat", bad: "SELECT 'a' || 'b' AS s", good: "SELECT 'a' || 'b' AS s" },
  { rule: "double-quoted-string", bad: `SELECT id FROM pr13_people WHERE name = "Ada"`, good: "SELECT id FROM pr13_people WHERE name = 'Ada'" },
  { rule: "backslash-escape", bad: String.raw`SELECT 'a\tb' AS s`, good: String.raw`SELECT 'a\tb' AS s` },
  { rule: "escape-string", bad: String.raw`SELECT E'a\tb' AS s`, good: "SELECT :s AS s", params: { s: "a\tb" } },
  { rule: "double-colon-cast", bad: "SELECT '42'::INTEGER AS n", good: "SELECT CAST('42' AS INTEGER) AS n" },
  { rule: "limit-comma", bad: "SELECT id FROM pr13_people ORDER BY id LIMIT 1, 2", good: "SELECT id FROM pr13_people ORDER BY id LIMIT 2 OFFSET 1" },
  {
    rule: "now-function",
    bad: "SELECT CASE WHEN NOW() IS NULL THEN 0 ELSE 1 END AS ok",
    good: "SELECT CASE WHEN CURRENT_TIMESTAMP IS NULL THEN 0 ELSE 1 END AS ok",
  },
  { rule: "ifnull", bad: "SELECT IFNULL(score, 0) AS s FROM pr13_people WHERE id = 2", good: "SELECT COALESCE(score, 0) AS s FROM pr13_people WHERE id = 2" },
  {
    rule: "isnull-function",
    bad: "SELECT ISNULL(score) AS s FROM pr13_people WHERE id = 2",
    good: "SELECT CASE WHEN score IS NULL THEN 1 ELSE 0 END AS s FROM pr13_people WHERE id = 2",
  },
  { rule: "nvl", bad: "SELECT NVL(score, 0) AS s FROM pr13_people WHERE id = 2", good: "SELECT COALESCE(score, 0) AS s FROM pr13_people WHERE id = 2" },
  {
    rule: "group-concat",
    bad: "SELECT GROUP_CONCAT(name) AS names FROM pr13_people WHERE city = 'Rome'",
    good: "SELECT name FROM pr13_people WHERE city = 'Rome' ORDER BY name",
  },
  {
    rule: "string-agg",
    bad: "SELECT STRING_AGG(name, ',') AS names FROM pr13_people WHERE city = 'Rome'",
    good: "SELECT name FROM pr13_people WHERE city = 'Rome' ORDER BY name",
  },
  {
    rule: "returning",
    bad: "UPDATE pr13_people SET score = 91 WHERE id = 1 RETURNING id",
    good: "UPDATE pr13_people SET score = 91 WHERE id = 1",
    after: ["SELECT id, score FROM pr13_people WHERE id = 1"],
  },
  {
    rule: "on-conflict",
    bad: ins + "VALUES (1, 'Ada', 'Lyon') ON CONFLICT (id) DO NOTHING",
    good: ins + "SELECT 1, 'Ada', 'Lyon' FROM (SELECT 1 AS one) AS d WHERE NOT EXISTS (SELECT 1 FROM pr13_people WHERE id = 1)",
    after: ["SELECT city FROM pr13_people WHERE id = 1"],
  },
  {
    rule: "on-duplicate-key",
    bad: ins + "VALUES (1, 'Ada', 'Lyon') ON DUPLICATE KEY UPDATE city = 'Lyon'",
    good: "UPDATE pr13_people SET city = 'Lyon' WHERE id = 1",
    after: ["SELECT city FROM pr13_people WHERE id = 1"],
  },
  {
    rule: "boolean-result",
    bad: "SELECT (score > 80) AS high FROM pr13_people WHERE id = 1",
    good: "SELECT CASE WHEN score > 80 THEN 1 ELSE 0 END AS high FROM pr13_people WHERE id = 1",
  },
  { rule: "boolean-literal", bad: "SELECT TRUE AS t", good: "SELECT 1 AS t" },
  { rule: "date-now", bad: "SELECT DATE('now') AS d", good: "SELECT CURRENT_DATE AS d" },
  {
    rule: "strftime",
    bad: "SELECT strftime('%Y', born) AS y FROM pr13_people WHERE id = 1",
    good: "SELECT id FROM pr13_people WHERE born >= '1990-01-01' AND born < '1991-01-01'",
  },
  {
    rule: "date-format",
    bad: "SELECT DATE_FORMAT(born, '%Y') AS y FROM pr13_people WHERE id = 1",
    good: "SELECT id FROM pr13_people WHERE born >= '1990-01-01' AND born < '1991-01-01'",
  },
  { rule: "random", bad: "SELECT CASE WHEN RANDOM() IS NULL THEN 0 ELSE 1 END AS r", good: "SELECT :r AS r", params: { r: 1 } },
  { rule: "rand", bad: "SELECT CASE WHEN RAND() IS NULL THEN 0 ELSE 1 END AS r", good: "SELECT :r AS r", params: { r: 1 } },
  { rule: "string-plus", bad: "SELECT 'a' + 'b' AS s", good: "SELECT 'a' || 'b' AS s" },
  {
    rule: "auto-increment",
    bad: "CREATE TABLE pr13_ai (id INTEGER PRIMARY KEY AUTO_INCREMENT, v INTEGER)",
    good: "CREATE TABLE pr13_ai (id SERIAL PRIMARY KEY, v INTEGER)",
    goodIsMigration: true,
    after: ["INSERT INTO pr13_ai (v) VALUES (7)", "SELECT id, v FROM pr13_ai"],
    cleanup: ["DROP TABLE IF EXISTS pr13_ai"],
  },
  {
    rule: "sqlite-autoincrement",
    bad: "CREATE TABLE pr13_ai (id INTEGER PRIMARY KEY AUTOINCREMENT, v INTEGER)",
    good: "CREATE TABLE pr13_ai (id SERIAL PRIMARY KEY, v INTEGER)",
    goodIsMigration: true,
    after: ["INSERT INTO pr13_ai (v) VALUES (7)", "SELECT id, v FROM pr13_ai"],
    cleanup: ["DROP TABLE IF EXISTS pr13_ai"],
  },
  {
    rule: "implicit-group-by",
    bad: "SELECT city, name FROM pr13_people GROUP BY city ORDER BY city",
    good: "SELECT city, MIN(name) AS name FROM pr13_people GROUP BY city ORDER BY city",
  },
  {
    rule: "concat-null",
    bad: "SELECT CONCAT(name, ' ', nick) AS s FROM pr13_people WHERE id = 2",
    good: "SELECT name || ' ' || COALESCE(nick, '') AS s FROM pr13_people WHERE id = 2",
  },
  {
    rule: "string-number-comparison",
    bad: "SELECT id FROM pr13_people WHERE '' = 0 ORDER BY id",
    good: "SELECT id FROM pr13_people WHERE '' = '0' ORDER BY id",
  },
  { rule: "identifier-case", bad: "SELECT name AS FirstName FROM pr13_people WHERE id = 1", good: "SELECT name AS first_name FROM pr13_people WHERE id = 1" },
  { rule: "unaliased-expression", bad: "SELECT count(*) FROM pr13_people", good: "SELECT count(*) AS n FROM pr13_people" },
  {
    rule: "nulls-first-last",
    bad: "SELECT id FROM pr13_people ORDER BY score NULLS LAST, id",
    good: "SELECT id FROM pr13_people ORDER BY CASE WHEN score IS NULL THEN 1 ELSE 0 END, score, id",
  },
  {
    rule: "limit-in-subquery",
    bad: "SELECT name FROM pr13_people WHERE id IN (SELECT id FROM pr13_people ORDER BY id LIMIT 2) ORDER BY id",
    good: "SELECT name FROM pr13_people WHERE id IN (SELECT id FROM (SELECT id FROM pr13_people ORDER BY id LIMIT 2) AS firsts) ORDER BY id",
  },
  {
    rule: "delete-limit",
    bad: "DELETE FROM pr13_people WHERE city = 'Paris' LIMIT 1",
    good: "DELETE FROM pr13_people WHERE id IN (SELECT id FROM (SELECT id FROM pr13_people WHERE city = 'Paris' ORDER BY id LIMIT 1) AS d)",
    after: ["SELECT id FROM pr13_people ORDER BY id"],
  },
  {
    rule: "full-outer-join",
    bad: "SELECT a.id FROM pr13_people a FULL OUTER JOIN pr13_people b ON a.id = b.id ORDER BY a.id",
    good: "SELECT a.id AS id FROM pr13_people a LEFT JOIN pr13_people b ON a.id = b.id UNION SELECT b.id AS id FROM pr13_people b LEFT JOIN pr13_people a ON a.id = b.id ORDER BY id",
  },
  {
    rule: "count-distinct-columns",
    bad: "SELECT COUNT(DISTINCT city, name) AS n FROM pr13_people",
    good: "SELECT COUNT(*) AS n FROM (SELECT DISTINCT city, name FROM pr13_people) AS d",
  },
  {
    rule: "if-function",
    bad: "SELECT IF(score > 80, 'high', 'low') AS band FROM pr13_people WHERE id = 1",
    good: "SELECT CASE WHEN score > 80 THEN 'high' ELSE 'low' END AS band FROM pr13_people WHERE id = 1",
  },
  { rule: "regex-match", bad: "SELECT id FROM pr13_people WHERE name REGEXP '^A'", good: "SELECT id FROM pr13_people WHERE LOWER(name) LIKE 'a%'" },
  {
    rule: "insert-ignore",
    bad: "INSERT IGNORE INTO pr13_people (id, name, city) VALUES (1, 'Ada', 'Lyon')",
    good: ins + "SELECT 1, 'Ada', 'Lyon' FROM (SELECT 1 AS one) AS d WHERE NOT EXISTS (SELECT 1 FROM pr13_people WHERE id = 1)",
    after: ["SELECT city FROM pr13_people WHERE id = 1"],
  },
  {
    rule: "replace-into",
    bad: "REPLACE INTO pr13_people (id, name, city) VALUES (1, 'Ada', 'Lyon')",
    good: "UPDATE pr13_people SET city = 'Lyon' WHERE id = 1",
    after: ["SELECT city FROM pr13_people WHERE id = 1"],
  },
  { rule: "backtick-identifier", bad: "SELECT `name` FROM pr13_people WHERE id = 1", good: `SELECT "name" FROM pr13_people WHERE id = 1` },
  { rule: "hash-comment", bad: "SELECT id FROM pr13_people WHERE id = 1 # the first", good: "SELECT id FROM pr13_people WHERE id = 1 -- the first" },
  { rule: "collate", bad: "SELECT name FROM pr13_people ORDER BY name COLLATE NOCASE", good: "SELECT name FROM pr13_people ORDER BY LOWER(name)" },
  { rule: "cast-to-text", bad: "SELECT CAST(42 AS TEXT) AS s", good: "SELECT 42 || '' AS s" },
  { rule: "length-bytes", bad: "SELECT LENGTH('é') AS n", good: "SELECT :n AS n", params: { n: 1 } },
];

describe("portability rules (static)", () => {
  it("at least 25 rules, each with a unique id, the construct, what each engine does and the fix", () => {
    assert.ok(RULES.length >= 25, `${RULES.length} rules`);
    assert.equal(new Set(RULES.map((r) => r.id)).size, RULES.length);
    for (const rule of RULES) {
      assert.match(rule.id, /^[a-z]+(?:-[a-z]+)*$/);
      for (const text of [rule.construct, rule.fix, rule.does.sqlite, rule.does.postgres, rule.does.mysql]) assert.ok(text.length > 3, rule.id);
    }
  });

  it("every rule is proven by a case below, and every case names a rule", () => {
    assert.deepEqual(CASES.map((c) => c.rule).sort(), RULES.map((r) => r.id).sort());
  });

  it("docs/portability.md lists every rule with its fix", () => {
    const docs = readFileSync(new URL("../docs/portability.md", import.meta.url), "utf8");
    for (const rule of RULES) {
      assert.ok(docs.includes(`<a id="${rule.id}"></a>\`${rule.id}\``), rule.id);
      assert.ok(docs.includes(rule.fix.replaceAll("|", "\\|")), `${rule.id}: the fix in the docs differs from the rule's`);
    }
  });

  it("reads names, strings and comments as names, strings and comments (no false alarms)", () => {
    for (const sql of [
      "SELECT id, name FROM t WHERE note = 'a / b || c LIKE d' -- 7 / 2, IFNULL(x, 1)",
      'SELECT "order", t."Key" AS "Key" FROM t /* NOW() */ WHERE a = :a AND b IN (:ids)',
      "SELECT count(*) AS n, MIN(name) AS first_name FROM t GROUP BY city HAVING count(*) > 1",
      "SELECT t.city, count(*) AS n FROM t GROUP BY city ORDER BY CASE WHEN t.city IS NULL THEN 1 ELSE 0 END, t.city",
      "SELECT price * 1.0 / 2 AS half, CAST(price AS DECIMAL(10,2)) / 3 AS third FROM t",
      "SELECT id FROM t WHERE LOWER(name) NOT LIKE LOWER(:p) AND code LIKE '42-%'",
      "INSERT INTO t (a, \"b\") VALUES (1, 'x'), (2, 'y')",
      "UPDATE t SET active = TRUE, score = score + 1 WHERE id = ?",
      "SELECT CASE WHEN a = b THEN 1 ELSE 0 END AS same, exists_flag FROM t",
    ]) {
      assert.deepEqual(checkSql(sql), [], sql);
    }
  });

  it("column names do not matter to value() and writes: no unaliased-expression or identifier-case there", () => {
    assert.deepEqual(checkSql("SELECT count(*) FROM t", { kind: "value" }), []);
    assert.deepEqual(
      checkSql("SELECT count(*) FROM t").map((f) => f.rule),
      ["unaliased-expression"],
    );
  });

  it("reports line and column, and what each engine checked for does", () => {
    const [finding] = checkSql("SELECT id\nFROM t\nLIMIT 1, 2", { engines: ["sqlite", "postgres"] });
    assert.deepEqual([finding.rule, finding.line, finding.column, finding.text], ["limit-comma", 3, 1, "LIMIT"]);
    assert.deepEqual(Object.keys(finding.engines), ["sqlite", "postgres"]);
    assert.deepEqual(checkSql("SELECT id FROM t LIMIT 1, 2", { engines: ["sqlite", "mysql"] }), [], "SQLite and MySQL agree");
    assert.deepEqual(checkSql("SELECT 'a' || 'b' AS s"), [], "|| is portable under the profile");
    assert.equal(checkSql("SELECT 'a' || 'b' AS s", { mysqlMode: "native" })[0]?.rule, "pipes-concat");
  });

  for (const c of CASES) {
    it(`${c.rule}: found in the construct, nothing found in the rewrite`, () => {
      const bad = checkSql(c.bad, { mysqlMode: NATIVE_ONLY.has(c.rule) ? "native" : "portable" });
      assert.ok(
        bad.some((f) => f.rule === c.rule),
        `${c.rule} not found in: ${c.bad}\n${JSON.stringify(bad)}`,
      );
      // A migration's SERIAL is translated: its file is checked as a migration, not as a query.
      if (!c.goodIsMigration) assert.deepEqual(checkSql(c.good), [], c.good);
    });
  }
});

const selected = engines();
const all = selected.length === 3;

describe("portability rules on SQLite, PostgreSQL and MariaDB", { skip: all ? false : "needs all three engines (POLYSQL_ENGINES)" }, () => {
  const dbs = {} as Record<"sqlite" | "postgres" | "mysql" | "mysqlNative", Database>;

  before(async () => {
    for (const engine of selected) dbs[engine.name] = await connect(engine.url);
    const mysqlUrl = selected.find((e) => e.name === "mysql")!.url;
    dbs.mysqlNative = await connect(`${mysqlUrl}${mysqlUrl.includes("?") ? "&" : "?"}sql_mode=native`);
    for (const db of [dbs.sqlite, dbs.postgres, dbs.mysql]) {
      await db.execute("DROP TABLE IF EXISTS pr13_people");
      await db.execute(
        "CREATE TABLE pr13_people (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, city VARCHAR(40) NOT NULL, score INTEGER, born DATE, nick VARCHAR(20))",
      );
      await db.execute(
        "INSERT INTO pr13_people (id, name, city, score, born, nick) VALUES (1, 'Ada', 'Paris', 90, '1990-12-10', 'ada'), (2, 'bob', 'Berlin', NULL, '2000-01-15', NULL), (3, 'Carla', 'Paris', 75, '2000-06-30', NULL), (4, 'Dan', 'Rome', NULL, '1985-03-02', NULL)",
      );
    }
  });
  after(async () => {
    for (const db of [dbs.sqlite, dbs.postgres, dbs.mysql]) await db?.execute("DROP TABLE IF EXISTS pr13_people");
    for (const db of Object.values(dbs)) await db.close();
  });

  const ROLLBACK = new Error("rollback");
  /** Runs one attempt in a transaction that is rolled back: its rows, or the error's code. */
  async function attempt(db: Database, sql: string, c: RuleCase, migration: boolean): Promise<unknown> {
    for (const statement of c.cleanup ?? []) await db.execute(statement);
    let result: unknown;
    try {
      await db.transaction(async (tx) => {
        result = await tx.all(migration ? translateTypes(db.dialect, sql) : sql, c.params);
        for (const statement of c.after ?? []) result = await tx.all(statement);
        throw ROLLBACK;
      });
    } catch (err) {
      if (err !== ROLLBACK) result = { error: (err as { code?: string }).code };
    } finally {
      for (const statement of c.cleanup ?? []) await db.execute(statement);
    }
    return result;
  }

  for (const c of CASES) {
    it(`${c.rule}: the engines differ, the rewrite agrees`, async () => {
      const native = NATIVE_ONLY.has(c.rule);
      const bad = {
        sqlite: await attempt(dbs.sqlite, c.bad, c, false),
        postgres: await attempt(dbs.postgres, c.bad, c, false),
        mysql: await attempt(native ? dbs.mysqlNative : dbs.mysql, c.bad, c, false),
      };
      const shown = JSON.stringify(portableValue(bad));
      assert.ok(!(sameResult(bad.sqlite, bad.postgres) && sameResult(bad.postgres, bad.mysql)), `${c.rule}: the construct agrees everywhere: ${shown}`);
      const good = [dbs.sqlite, dbs.postgres, dbs.mysql];
      const results = [];
      for (const db of good) results.push(await attempt(db, c.good, c, c.goodIsMigration ?? false));
      for (const r of results) assert.ok(!(r as { error?: string })?.error, `${c.rule}: the rewrite failed: ${JSON.stringify(results)}`);
      assert.ok(
        sameResult(results[0], results[1]) && sameResult(results[1], results[2]),
        `${c.rule}: the rewrite differs: ${JSON.stringify(portableValue(results))}`,
      );
    });
  }
});
