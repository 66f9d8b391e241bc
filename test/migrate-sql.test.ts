import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitStatements, translateTypes } from "../src/dialects/index.js";
import { checksum } from "../src/migrate/checksum.js";
import { mysqlDialect } from "../src/dialects/mysql/mysql-dialect.js";
import { postgresDialect } from "../src/dialects/postgres/postgres-dialect.js";
import { sqliteDialect } from "../src/dialects/sqlite/sqlite-dialect.js";
import { compareVersions } from "../src/migrate/version.js";

describe("statement splitting", () => {
  it("splits at ; in code only, never in strings, comments or quoted identifiers", () => {
    const text = `CREATE TABLE "a;b" (x TEXT); -- one; two\nINSERT INTO t VALUES ('x;y', 'it''s;'); /* c; d */ SELECT 1;;\n-- only a comment;\n`;
    assert.deepEqual(splitStatements(postgresSyntax(), text), [`CREATE TABLE "a;b" (x TEXT)`, `INSERT INTO t VALUES ('x;y', 'it''s;')`, "SELECT 1"]);
  });

  it("keeps a PostgreSQL dollar-quoted body with ; whole", () => {
    const text = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\nSELECT f();";
    assert.deepEqual(splitStatements(postgresSyntax(), text), [
      "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql",
      "SELECT f()",
    ]);
  });

  it("keeps a SQLite trigger body BEGIN ... END with CASE ... END whole", () => {
    const body = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN x > 1 THEN 1 ELSE 0 END; DELETE FROM b; END";
    assert.deepEqual(splitStatements(sqliteDialect.syntax, `${body};\nSELECT 1;`), [body, "SELECT 1"]);
  });

  it("keeps MySQL procedures with nested BEGIN, IF ... END IF, WHILE ... END WHILE and CASE ... END CASE whole", () => {
    const proc = `CREATE DEFINER=\`root\`@\`%\` PROCEDURE p(IN n INT)
BEGIN
  DECLARE i INT DEFAULT 0;
  WHILE i < n DO
    IF i = 2 THEN SET i = i + 1; END IF;
    CASE i WHEN 5 THEN BEGIN SELECT 'x;'; END; ELSE SET i = i + 1; END CASE;
  END WHILE;
END`;
    assert.deepEqual(splitStatements(mysqlDialect.syntax, `${proc};\n# note; here\nCALL p(3);`), [proc, "CALL p(3)"]);
  });

  it("does not treat a plain BEGIN or a column named end as a block", () => {
    assert.deepEqual(splitStatements(sqliteDialect.syntax, "BEGIN; SELECT t.end FROM t; COMMIT;"), ["BEGIN", "SELECT t.end FROM t", "COMMIT"]);
  });

  it("refuses DELIMITER with a message naming the file", () => {
    assert.throws(() => splitStatements(mysqlDialect.syntax, "DELIMITER $$\nSELECT 1$$", "V001__x.sql"), /V001__x\.sql: DELIMITER/);
  });
});

describe("portable type translation", () => {
  const create =
    "CREATE TABLE IF NOT EXISTS t (id BIGSERIAL PRIMARY KEY, date DATE DEFAULT (CAST('2020-01-01' AS DATE)), body text, price DECIMAL(10, 2), at TIMESTAMP(6), \"json\" JSON, CONSTRAINT u UNIQUE (date))";

  it("rewrites type positions per engine and leaves names, defaults and CAST alone", () => {
    assert.equal(
      translateTypes(mysqlDialect, create),
      "CREATE TABLE IF NOT EXISTS t (id BIGINT AUTO_INCREMENT PRIMARY KEY, date DATE DEFAULT (CAST('2020-01-01' AS DATE)), body LONGTEXT, price DECIMAL(10, 2), at DATETIME(6), \"json\" JSON, CONSTRAINT u UNIQUE (date))",
    );
    assert.equal(
      translateTypes(postgresDialect, create),
      "CREATE TABLE IF NOT EXISTS t (id BIGSERIAL PRIMARY KEY, date DATE DEFAULT (CAST('2020-01-01' AS DATE)), body TEXT, price NUMERIC(10, 2), at TIMESTAMPTZ(6), \"json\" JSONB, CONSTRAINT u UNIQUE (date))",
    );
    assert.match(translateTypes(sqliteDialect, create), /^CREATE TABLE IF NOT EXISTS t \(id INTEGER PRIMARY KEY AUTOINCREMENT, date DATE DEFAULT/);
  });

  it("rewrites ALTER TABLE ... ADD [COLUMN] but not other clauses or statements", () => {
    assert.equal(
      translateTypes(postgresDialect, "ALTER TABLE t ADD COLUMN meta JSON, ADD flag BOOLEAN, ADD CONSTRAINT c CHECK (x > 0)"),
      "ALTER TABLE t ADD COLUMN meta JSONB, ADD flag BOOLEAN, ADD CONSTRAINT c CHECK (x > 0)",
    );
    const insert = "INSERT INTO t (json, text) VALUES ('JSON', 'TEXT')";
    assert.equal(translateTypes(mysqlDialect, insert), insert);
    assert.equal(translateTypes(mysqlDialect, "CREATE TABLE t2 AS SELECT CAST(x AS TEXT) FROM t"), "CREATE TABLE t2 AS SELECT CAST(x AS TEXT) FROM t");
  });

  it("leaves SERIAL without PRIMARY KEY and TIMESTAMP WITH TIME ZONE as written", () => {
    const sql = "CREATE TABLE t (a SERIAL, b TIMESTAMP WITH TIME ZONE)";
    assert.equal(translateTypes(mysqlDialect, sql), sql);
  });
});

describe("checksums and versions", () => {
  it("a CRLF file has the same checksum as its LF form, a BOM is ignored", () => {
    assert.equal(checksum("CREATE TABLE t (x TEXT);\r\nSELECT 1;\r\n"), checksum("CREATE TABLE t (x TEXT);\nSELECT 1;\n"));
    assert.equal(checksum("\uFEFFSELECT 1;"), checksum("SELECT 1;"));
    assert.notEqual(checksum("SELECT 1;"), checksum("SELECT 2;"));
  });

  it("orders versions numerically part by part", () => {
    assert.deepEqual(["10", "2", "1.10", "1.2", "001"].sort(compareVersions), ["001", "1.2", "1.10", "2", "10"]);
  });
});

function postgresSyntax() {
  return postgresDialect.syntax;
}
