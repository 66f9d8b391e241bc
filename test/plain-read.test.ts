import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mysqlDialect, mysqlNativeDialect } from "../src/dialects/mysql/mysql-dialect.js";
import { gtidReached } from "../src/dialects/mysql/mysql-replication.js";
import { postgresDialect } from "../src/dialects/postgres/postgres-dialect.js";
import { lsnReached } from "../src/dialects/postgres/postgres-replication.js";
import { sqliteDialect } from "../src/dialects/sqlite/sqlite-dialect.js";
import { isPlainRead } from "../src/sql/plain-read.js";

// What the replica router may send to a replica (src/sql/plain-read.ts), judged by each
// engine's lexer, and the replication positions it compares (WAL LSN, MariaDB GTID).

const reads = [
  "SELECT * FROM t WHERE id = $1",
  "  select 1",
  "(SELECT a FROM t) UNION (SELECT a FROM u)",
  "WITH x AS (SELECT 1 AS n) SELECT n FROM x",
  "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r",
  "VALUES (1), (2)",
  "TABLE t",
  "SHOW server_version",
  "EXPLAIN SELECT * FROM t",
  "SELECT 'INSERT INTO t' AS s, \"update\" FROM t -- DELETE FROM t",
  "SELECT /* FOR UPDATE */ 1;",
];
const writes = [
  "INSERT INTO t (a) VALUES (1)",
  "UPDATE t SET a = 1",
  "DELETE FROM t",
  "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
  "WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT a FROM u",
  "EXPLAIN ANALYZE SELECT * FROM t",
  "EXPLAIN (ANALYZE, BUFFERS) DELETE FROM t",
  "SELECT * FROM t FOR UPDATE",
  "SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED",
  "SELECT * FROM t FOR SHARE",
  "SELECT * FROM t FOR KEY SHARE",
  "SELECT a INTO newtable FROM t",
  "SELECT nextval('s')",
  "SELECT setval('s', 10)",
  "SELECT 1; DELETE FROM t",
  "CREATE TABLE t (a INT)",
  "CALL p()",
  "LOCK TABLE t",
  "",
  "-- only a comment",
];

describe("isPlainRead", () => {
  it("PostgreSQL: reads that a standby may answer, and everything else", () => {
    for (const sql of reads) assert.equal(isPlainRead(postgresDialect.syntax, sql), true, sql);
    for (const sql of writes) assert.equal(isPlainRead(postgresDialect.syntax, sql), false, sql);
    assert.equal(isPlainRead(postgresDialect.syntax, "SELECT $$ DELETE FROM t $$"), true, "a dollar-quoted string is not code");
    assert.equal(isPlainRead(postgresDialect.syntax, "SELECT E'\\' DELETE FROM t'"), true, "an E'' string with an escaped quote");
  });

  it("MySQL/MariaDB: the same, as each profile lexes it", () => {
    for (const dialect of [mysqlDialect, mysqlNativeDialect]) {
      for (const sql of reads) assert.equal(isPlainRead(dialect.syntax, sql.replace('"update"', "`update`")), true, sql);
      for (const sql of writes) assert.equal(isPlainRead(dialect.syntax, sql), false, sql);
      assert.equal(isPlainRead(dialect.syntax, "SELECT * FROM t LOCK IN SHARE MODE"), false);
      assert.equal(isPlainRead(dialect.syntax, "SELECT a INTO @x FROM t"), false);
      assert.equal(isPlainRead(dialect.syntax, "SELECT a FROM t INTO OUTFILE '/tmp/x'"), false);
      assert.equal(isPlainRead(dialect.syntax, "DESCRIBE t"), true);
      assert.equal(isPlainRead(dialect.syntax, "REPLACE INTO t VALUES (1)"), false);
    }
    // Native mode: "..." is a string and a backslash escapes: the DELETE is inside the string.
    assert.equal(isPlainRead(mysqlNativeDialect.syntax, 'SELECT "a\\" DELETE FROM t"'), true);
    assert.equal(isPlainRead(mysqlNativeDialect.syntax, "SELECT 1 # DELETE FROM t"), true);
  });

  it("SQLite lexes its own quotes", () => {
    assert.equal(isPlainRead(sqliteDialect.syntax, "SELECT [delete] FROM t"), true);
    assert.equal(isPlainRead(sqliteDialect.syntax, "INSERT OR REPLACE INTO t VALUES (1)"), false);
  });
});

describe("replication positions", () => {
  it("WAL LSNs compare as 64-bit numbers; a position just past a page header counts as reached from the page start", () => {
    assert.equal(lsnReached("0/16B3748", "0/16B3748"), true);
    assert.equal(lsnReached("0/16B3749", "0/16B3748"), true);
    assert.equal(lsnReached("0/16B3747", "0/16B3748"), false);
    assert.equal(lsnReached("1/0", "0/FFFFFFFF"), true);
    assert.equal(lsnReached("0/FFFFFFFF", "1/0"), false);
    assert.equal(lsnReached("0/4000000", "0/4000018"), true, "24-byte short page header");
    assert.equal(lsnReached("0/3000000", "0/3000028"), true, "40-byte long page header");
    assert.equal(lsnReached("0/3FFFFF8", "0/4000018"), false, "still before the page");
    assert.equal(lsnReached("", "0/1"), false);
  });

  it("GTID positions: every domain of the wanted position reached, whatever the server id", () => {
    assert.equal(gtidReached("0-1-13", "0-1-13"), true);
    assert.equal(gtidReached("0-2-14", "0-1-13"), true, "a later sequence from another server");
    assert.equal(gtidReached("0-1-12", "0-1-13"), false);
    assert.equal(gtidReached("0-1-20,1-1-5", "0-1-13,1-1-5"), true);
    assert.equal(gtidReached("0-1-20", "0-1-13,1-1-5"), false, "a domain the replica has not seen");
    assert.equal(gtidReached("", ""), true);
    assert.equal(gtidReached("0-1-1", ""), true);
    assert.equal(gtidReached("garbage", "0-1-1"), false);
  });
});
