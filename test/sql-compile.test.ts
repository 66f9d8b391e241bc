import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ParameterError } from "../src/errors.js";
import { mysqlDialect, mysqlNativeDialect } from "../src/dialects/mysql/mysql-dialect.js";
import { postgresDialect } from "../src/dialects/postgres/postgres-dialect.js";
import { sqliteDialect } from "../src/dialects/sqlite/sqlite-dialect.js";
import { compile, quoteIdentifier, scanSql, sql, type SqlQuery, type SqlSyntax } from "../src/sql/index.js";

// The real dialects' syntaxes: the corpus tests exactly what the engines get.
const postgres: SqlSyntax = postgresDialect.syntax;
/** MySQL under the portable session profile (the default): ANSI_QUOTES, NO_BACKSLASH_ESCAPES. */
const mysql: SqlSyntax = mysqlDialect.syntax;
/** MySQL under the server's own sql_mode (`sqlMode: "native"`). */
const mysqlNative: SqlSyntax = mysqlNativeDialect.syntax;
const sqlite: SqlSyntax = sqliteDialect.syntax;
const syntaxes = [postgres, mysql, mysqlNative, sqlite];

type Params = Readonly<Record<string, unknown>> | readonly unknown[] | undefined;
/** [behaviour, syntax, query, params, expected sql, expected values] */
type Case = [string, SqlSyntax, string | SqlQuery, Params, string, unknown[]];

const r = String.raw;
const where = sql`a = ${1}`;

const cases: Case[] = [
  // PostgreSQL, named
  ["binds named params in order", postgres, "SELECT * FROM t WHERE a = :a AND b = :b", { a: 1, b: "x" }, "SELECT * FROM t WHERE a = $1 AND b = $2", [1, "x"]],
  [":id and :id2 are different names", postgres, "SELECT :id, :id2", { id: 1, id2: 2 }, "SELECT $1, $2", [1, 2]],
  ["a repeated name reuses its $n", postgres, "SELECT :a, :b, :a", { a: 1, b: 2 }, "SELECT $1, $2, $1", [1, 2]],
  ["::casts are not placeholders", postgres, "SELECT x::int, '{}'::jsonb FROM t WHERE y = :y", { y: 3 }, "SELECT x::int, '{}'::jsonb FROM t WHERE y = $1", [3]],
  [
    "a placeholder followed by a cast",
    postgres,
    "SELECT :id::int, :doc::jsonb, :t::text[]",
    { id: "1", doc: "{}", t: "{a}" },
    "SELECT $1::int, $2::jsonb, $3::text[]",
    ["1", "{}", "{a}"],
  ],
  [
    "array slices a[1:2] and a[lo:hi]",
    postgres,
    "SELECT a[1:2], a[lo:hi], a[12:30] FROM t WHERE id = :id",
    { id: 7 },
    "SELECT a[1:2], a[lo:hi], a[12:30] FROM t WHERE id = $1",
    [7],
  ],
  [
    "a colon after ] is not a placeholder",
    postgres,
    "SELECT (a[1])[2]:x FROM t WHERE id = :id",
    { id: 1, x: 0 },
    "SELECT (a[1])[2]:x FROM t WHERE id = $1",
    [1],
  ],
  [
    "JSON operators ?, ?| and ?& survive in named mode",
    postgres,
    "SELECT d ? 'k', d ?| array['a'], d ?& array['b'] FROM t WHERE id = :id",
    { id: 1 },
    "SELECT d ? 'k', d ?| array['a'], d ?& array['b'] FROM t WHERE id = $1",
    [1],
  ],
  [
    "no placeholders inside single-quoted strings",
    postgres,
    "SELECT ':other', 'it''s :x', '12:30:00', '?' WHERE a = :a",
    { a: 1 },
    "SELECT ':other', 'it''s :x', '12:30:00', '?' WHERE a = $1",
    [1],
  ],
  ["a backslash does not escape a quote in standard strings", postgres, r`SELECT 'C:\', :a`, { a: 1 }, r`SELECT 'C:\', $1`, [1]],
  ["E'' strings honour backslash escapes", postgres, r`SELECT E'it\'s :x', :a`, { a: 1 }, r`SELECT E'it\'s :x', $1`, [1]],
  ["lowercase e'' strings too", postgres, r`SELECT e'\' :x', :a`, { a: 1 }, r`SELECT e'\' :x', $1`, [1]],
  ["an E ending an identifier is not a string prefix", postgres, r`SELECT namE'\' , :a`, { a: 1 }, r`SELECT namE'\' , $1`, [1]],
  ["$$ dollar quotes hide :x, ? and ;", postgres, "SELECT $$ :x ; ? $$, :a", { a: 1 }, "SELECT $$ :x ; ? $$, $1", [1]],
  [
    "$tag$ dollar quotes hide $$ and quotes",
    postgres,
    "DO $fn$ it's :x; $$ not the end $fn$; SELECT :a",
    { a: 1 },
    "DO $fn$ it's :x; $$ not the end $fn$; SELECT $1",
    [1],
  ],
  ["$1 is not a dollar quote", postgres, "SELECT $1$ :a $1$", { a: 1 }, "SELECT $1$ $1 $1$", [1]],
  ["$$ after a word character is part of the identifier", postgres, "SELECT a$$ :a, b", { a: 1 }, "SELECT a$$ $1, b", [1]],
  ["-- comments hide :x and ?", postgres, "SELECT :a -- :x ?\n, :b", { a: 1, b: 2 }, "SELECT $1 -- :x ?\n, $2", [1, 2]],
  ["block comments hide :x", postgres, "SELECT /* :x ? */ :a", { a: 1 }, "SELECT /* :x ? */ $1", [1]],
  ["PostgreSQL block comments nest", postgres, "SELECT /* a /* b */ :x still comment */ :a", { a: 1 }, "SELECT /* a /* b */ :x still comment */ $1", [1]],
  [
    "double-quoted identifiers hide :x",
    postgres,
    'SELECT "weird:x", "a""b:y" FROM t WHERE c = :c',
    { c: 1 },
    'SELECT "weird:x", "a""b:y" FROM t WHERE c = $1',
    [1],
  ],
  ["an unterminated string runs to the end", postgres, "SELECT :a, 'oops :b", { a: 1 }, "SELECT $1, 'oops :b", [1]],
  ["an unterminated comment runs to the end", postgres, "SELECT :a /* :b", { a: 1 }, "SELECT $1 /* :b", [1]],
  ["IN (:ids) expands an array", postgres, "SELECT * FROM t WHERE id IN (:ids)", { ids: [1, 2, 3] }, "SELECT * FROM t WHERE id IN ($1, $2, $3)", [1, 2, 3]],
  [
    "not in ( :ids ) expands, lowercase and spaced",
    postgres,
    "SELECT 1 WHERE id not in ( :ids ) AND x = :x",
    { ids: [1, 2], x: 9 },
    "SELECT 1 WHERE id not in ( $1, $2 ) AND x = $3",
    [1, 2, 9],
  ],
  ["in(:ids) without a space expands", postgres, "SELECT 1 WHERE id in(:ids)", { ids: ["a"] }, "SELECT 1 WHERE id in($1)", ["a"]],
  [
    "comments are allowed around an in-list",
    postgres,
    "SELECT 1 WHERE id IN /* c */ ( -- c\n :ids /* c */ )",
    { ids: [1, 2] },
    "SELECT 1 WHERE id IN /* c */ ( -- c\n $1, $2 /* c */ )",
    [1, 2],
  ],
  ["an array outside IN is one value", postgres, "INSERT INTO t (tags) VALUES (:tags)", { tags: ["a", "b"] }, "INSERT INTO t (tags) VALUES ($1)", [["a", "b"]]],
  ["= ANY(:ids) binds one array value", postgres, "SELECT 1 WHERE id = ANY(:ids)", { ids: [1, 2] }, "SELECT 1 WHERE id = ANY($1)", [[1, 2]]],
  ["IN (:a, :b) is not an in-list", postgres, "SELECT 1 WHERE id IN (:a, :b)", { a: [1], b: 2 }, "SELECT 1 WHERE id IN ($1, $2)", [[1], 2]],
  ["a word ending in 'in' is not IN", postgres, "SELECT login(:a), join_in (:b)", { a: [1, 2], b: [3] }, "SELECT login($1), join_in ($2)", [[1, 2], [3]]],
  ["a scalar in an in-list is one value", postgres, "SELECT 1 WHERE id IN (:id)", { id: 5 }, "SELECT 1 WHERE id IN ($1)", [5]],
  [
    "a repeated in-list reuses its numbers",
    postgres,
    "SELECT 1 WHERE id IN (:ids) OR parent IN (:ids)",
    { ids: [1, 2] },
    "SELECT 1 WHERE id IN ($1, $2) OR parent IN ($1, $2)",
    [1, 2],
  ],
  [
    "an in-list name also used as a scalar",
    postgres,
    "SELECT 1 WHERE id IN (:ids) AND tags = :ids",
    { ids: [1, 2] },
    "SELECT 1 WHERE id IN ($1, $2) AND tags = $3",
    [1, 2, [1, 2]],
  ],
  [
    "values that look like SQL stay values",
    postgres,
    "SELECT :a, :b, :c, :d",
    { a: "':other'", b: "$1", c: "?", d: "x'; DROP TABLE t; --" },
    "SELECT $1, $2, $3, $4",
    ["':other'", "$1", "?", "x'; DROP TABLE t; --"],
  ],
  ["null is a value; extra keys are ignored", postgres, "SELECT :a", { a: null, unused: 1 }, "SELECT $1", [null]],
  ["a null-prototype object works", postgres, "SELECT :a", Object.assign(Object.create(null) as object, { a: 1 }), "SELECT $1", [1]],
  ["own keys of a non-plain object work", postgres, "SELECT :own", Object.assign(Object.create({ inherited: 1 }) as object, { own: 2 }), "SELECT $1", [2]],
  ["placeholders at the very start and end of the text", postgres, ":a || :b", { a: "x", b: "y" }, "$1 || $2", ["x", "y"]],
  ["a -- comment ends at CRLF", postgres, "SELECT :a -- :x\r\n, :b", { a: 1, b: 2 }, "SELECT $1 -- :x\r\n, $2", [1, 2]],
  ["no params: text passes through", postgres, "SELECT :a, ?", undefined, "SELECT :a, ?", []],
  // PostgreSQL, positional
  ["? becomes $n", postgres, "SELECT ?, ?", [1, 2], "SELECT $1, $2", [1, 2]],
  ["? in an in-list expands", postgres, "SELECT 1 WHERE id IN (?) AND x = ?", [[1, 2], 3], "SELECT 1 WHERE id IN ($1, $2) AND x = $3", [1, 2, 3]],
  ["positional mode leaves :name alone", postgres, "SELECT ?::int, ':x', :y", [1], "SELECT $1::int, ':x', :y", [1]],
  ["positional ? inside strings and comments is text", postgres, "SELECT '?', ? /* ? */, $$?$$ -- ?", [1], "SELECT '?', $1 /* ? */, $$?$$ -- ?", [1]],
  // MySQL
  ["a repeated name repeats its value", mysql, "SELECT 1 WHERE a = :a AND b = :a", { a: 1 }, "SELECT 1 WHERE a = ? AND b = ?", [1, 1]],
  ["native MySQL: backslash escapes in '' strings", mysqlNative, r`SELECT 'it\'s :x', :a`, { a: 1 }, r`SELECT 'it\'s :x', ?`, [1]],
  ["native MySQL: a backslash hides the closing quote", mysqlNative, r`SELECT 'C:\', :a`, { a: 1 }, r`SELECT 'C:\', :a`, []],
  ["native MySQL: double-quoted strings", mysqlNative, r`SELECT "say \"hi\" :x", "a "" :y", :a`, { a: 1 }, r`SELECT "say \"hi\" :x", "a "" :y", ?`, [1]],
  ["portable MySQL: a backslash is a character", mysql, r`SELECT 'C:\', :a`, { a: 1 }, r`SELECT 'C:\', ?`, [1]],
  [
    "portable MySQL: double quotes are a name that hides :x",
    mysql,
    'SELECT "odd:col", "a""b:c" FROM t WHERE id = :id',
    { id: 1 },
    'SELECT "odd:col", "a""b:c" FROM t WHERE id = ?',
    [1],
  ],
  ["backtick identifiers hide :x", mysql, "SELECT `odd:col`, `a``b:c` FROM t WHERE id = :id", { id: 1 }, "SELECT `odd:col`, `a``b:c` FROM t WHERE id = ?", [1]],
  ["# comments hide :x and ?", mysql, "SELECT :a # :x ?\n, :b", { a: 1, b: 2 }, "SELECT ? # :x ?\n, ?", [1, 2]],
  ["-- comments in MySQL", mysql, "SELECT :a -- :b\n", { a: 1 }, "SELECT ? -- :b\n", [1]],
  ["@a := 1 is an assignment", mysql, "SET @a := 1, @b := :b", { b: 2 }, "SET @a := 1, @b := ?", [2]],
  ["@a:=:x assigns a placeholder", mysql, "SET @a:=:x", { x: 3 }, "SET @a:=?", [3]],
  ["MySQL block comments do not nest", mysql, "SELECT /* a /* b */ :x */ :a", { x: 1, a: 2 }, "SELECT /* a /* b */ ? */ ?", [1, 2]],
  ["$$ is not a quote in MySQL", mysql, "SELECT $$ :a $$", { a: 1 }, "SELECT $$ ? $$", [1]],
  [
    "a repeated in-list repeats its values",
    mysql,
    "SELECT 1 WHERE id IN (:ids) OR p IN (:ids)",
    { ids: [1, 2] },
    "SELECT 1 WHERE id IN (?, ?) OR p IN (?, ?)",
    [1, 2, 1, 2],
  ],
  ["positional MySQL ignores quoted ?", mysql, "SELECT ?, '?', \"?\", `?` # ?", [1], "SELECT ?, '?', \"?\", `?` # ?", [1]],
  ["positional MySQL in-list", mysql, "SELECT 1 WHERE id NOT IN (?)", [["a", "b"]], "SELECT 1 WHERE id NOT IN (?, ?)", ["a", "b"]],
  // SQLite
  ["[bracket] identifiers hide :x and ?", sqlite, "SELECT [a:b], [weird ?] FROM t WHERE x = :x", { x: 1 }, "SELECT [a:b], [weird ?] FROM t WHERE x = ?", [1]],
  ["SQLite backticks and double quotes", sqlite, 'SELECT `c:d`, "e:f" FROM t WHERE x = :x', { x: 1 }, 'SELECT `c:d`, "e:f" FROM t WHERE x = ?', [1]],
  ["SQLite repeats a named value", sqlite, "SELECT :a, :a", { a: 1 }, "SELECT ?, ?", [1, 1]],
  ["SQLite strings have no backslash escapes", sqlite, r`SELECT 'a\', :a`, { a: 1 }, r`SELECT 'a\', ?`, [1]],
  ["SQLite block comments do not nest", sqlite, "SELECT /* /* */ :a */", { a: 1 }, "SELECT /* /* */ ? */", [1]],
  ["SQLite IN(:ids) expands", sqlite, "SELECT 1 WHERE id IN(:ids)", { ids: [1, 2] }, "SELECT 1 WHERE id IN(?, ?)", [1, 2]],
  ["SQLite times in strings", sqlite, "SELECT time(:t) = '12:30:00'", { t: "now" }, "SELECT time(?) = '12:30:00'", ["now"]],
  ["positional SQLite ignores ? in strings and comments", sqlite, "SELECT ?, '?', /* ? */ ? -- ?", [1, 2], "SELECT ?, '?', /* ? */ ? -- ?", [1, 2]],
  // the sql tag
  ["tag: values become $n", postgres, sql`SELECT * FROM t WHERE a = ${1} AND b = ${"x"}`, undefined, "SELECT * FROM t WHERE a = $1 AND b = $2", [1, "x"]],
  ["tag: values become ? on MySQL", mysql, sql`SELECT * FROM t WHERE a = ${1} AND b = ${"x"}`, undefined, "SELECT * FROM t WHERE a = ? AND b = ?", [1, "x"]],
  [
    "tag: ? and :x in the text are untouched",
    postgres,
    sql`SELECT d ?| array['a'], x::int, :notparam FROM t WHERE id = ${5}`,
    undefined,
    "SELECT d ?| array['a'], x::int, :notparam FROM t WHERE id = $1",
    [5],
  ],
  [
    "tag: fragments compose with their values",
    postgres,
    sql`SELECT * FROM t WHERE ${where} AND b = ${2}`,
    undefined,
    "SELECT * FROM t WHERE a = $1 AND b = $2",
    [1, 2],
  ],
  ["tag: fragments nest recursively", mysql, sql`SELECT ${sql`${0} + ${sql`${1} * ${2}`}`}, ${3}`, undefined, "SELECT ? + ? * ?, ?", [0, 1, 2, 3]],
  ["tag: sql.id doubles quote chars", postgres, sql`SELECT * FROM ${sql.id('my"table')}`, undefined, 'SELECT * FROM "my""table"', []],
  ["tag: sql.id uses backticks on native MySQL", mysqlNative, sql`SELECT * FROM ${sql.id("a`b")}`, undefined, "SELECT * FROM `a``b`", []],
  ["tag: sql.id uses double quotes on portable MySQL", mysql, sql`SELECT * FROM ${sql.id("a`b")}`, undefined, 'SELECT * FROM "a`b"', []],
  [
    "tag: sql.id with schema and table",
    sqlite,
    sql`SELECT * FROM ${sql.id(["main", "users"])} WHERE id = ${1}`,
    undefined,
    'SELECT * FROM "main"."users" WHERE id = ?',
    [1],
  ],
  [
    "tag: sql.raw inlines trusted text",
    postgres,
    sql`SELECT * FROM t ORDER BY ${sql.raw("id DESC")} LIMIT ${10}`,
    undefined,
    "SELECT * FROM t ORDER BY id DESC LIMIT $1",
    [10],
  ],
  ["tag: sql.join binds values", postgres, sql`INSERT INTO t VALUES (${sql.join([1, 2, 3])})`, undefined, "INSERT INTO t VALUES ($1, $2, $3)", [1, 2, 3]],
  [
    "tag: sql.join joins fragments",
    postgres,
    sql`SELECT 1 WHERE ${sql.join([sql`a = ${1}`, sql`b = ${2}`], " AND ")}`,
    undefined,
    "SELECT 1 WHERE a = $1 AND b = $2",
    [1, 2],
  ],
  ["tag: sql.join with a fragment separator", mysql, sql`${sql.join(["x", "y"], sql` || ${"-"} || `)}`, undefined, "? || ? || ?", ["x", "-", "y"]],
  [
    "tag: an array inside IN expands",
    postgres,
    sql`SELECT 1 WHERE id IN (${[1, 2]}) AND x NOT in ( ${["a"]} )`,
    undefined,
    "SELECT 1 WHERE id IN ($1, $2) AND x NOT in ( $3 )",
    [1, 2, "a"],
  ],
  [
    "tag: an array elsewhere is one value",
    postgres,
    sql`INSERT INTO t (tags) VALUES (${["a", "b"]})`,
    undefined,
    "INSERT INTO t (tags) VALUES ($1)",
    [["a", "b"]],
  ],
  ["tag: sql.empty adds nothing", sqlite, sql`SELECT 1${sql.empty} WHERE a = ${1}`, undefined, "SELECT 1 WHERE a = ?", [1]],
  [
    "tag: values that look like SQL stay values",
    postgres,
    sql`SELECT ${"'; DROP TABLE t; --"}, ${":x"}, ${"$1"}`,
    undefined,
    "SELECT $1, $2, $3",
    ["'; DROP TABLE t; --", ":x", "$1"],
  ],
];

describe("compile: corpus", () => {
  for (const [behaviour, syntax, query, params, expectedSql, expectedValues] of cases) {
    it(`${syntax.name}: ${behaviour}`, () => {
      const compiled = compile(syntax, query, params);
      assert.equal(compiled.sql, expectedSql);
      assert.deepEqual(compiled.values, expectedValues);
      assert.deepEqual(compile(syntax, query, params), compiled, "compiling twice gives the same result");
    });
  }
  it("has at least 60 cases over all three syntaxes", () => {
    assert.ok(cases.length >= 60);
    for (const syntax of syntaxes) assert.ok(cases.some((c) => c[1] === syntax));
  });
});

/** [behaviour, syntax, query, params, code, message pattern] */
type ErrorCase = [string, SqlSyntax, string | SqlQuery, Params, "missing_parameter" | "invalid_parameter", RegExp];

const errorCases: ErrorCase[] = [
  ["a missing named parameter is an error, never NULL", postgres, "SELECT :a, :b", { a: 1 }, "missing_parameter", /Missing parameter ":b"/],
  ["an undefined value is missing", mysql, "SELECT :a", { a: undefined }, "missing_parameter", /Missing parameter ":a".*undefined/],
  ["an inherited property is missing", sqlite, "SELECT :toString, :constructor", {}, "missing_parameter", /":toString"/],
  [
    "a prototype property of a non-plain object is missing",
    postgres,
    "SELECT :inherited",
    Object.create({ inherited: 1 }) as object,
    "missing_parameter",
    /":inherited"/,
  ],
  ["a missing in-list parameter", postgres, "SELECT 1 WHERE id IN (:ids)", {}, "missing_parameter", /":ids"/],
  ["an empty IN list", postgres, "SELECT 1 WHERE id IN (:ids)", { ids: [] }, "invalid_parameter", /":ids".*empty IN/],
  ["an empty positional IN list", sqlite, "SELECT 1 WHERE id IN (?)", [[]], "invalid_parameter", /#1.*empty IN/],
  ["undefined inside an in-list", mysql, "SELECT 1 WHERE id IN (:ids)", { ids: [1, undefined] }, "missing_parameter", /":ids".*index 1/],
  ["too few positional values", postgres, "SELECT ?, ?", [1], "invalid_parameter", /2 "\?" placeholder.*1 value/],
  ["too many positional values", mysql, "SELECT ? -- ?", [1, 2], "invalid_parameter", /1 "\?" placeholder.*2 value/],
  ["an undefined positional value", sqlite, "SELECT ?, ?", [1, undefined], "missing_parameter", /Missing parameter #2/],
  ["params that are neither object nor array", postgres, "SELECT :a", 5 as unknown as Params, "invalid_parameter", /object/],
  ["a sql`` query with extra params", postgres, sql`SELECT ${1}`, { a: 1 }, "invalid_parameter", /no params/],
  ["tag: an empty IN array", postgres, sql`SELECT 1 WHERE id IN (${[]})`, undefined, "invalid_parameter", /empty IN/],
  ["tag: an undefined value", mysql, sql`SELECT ${undefined}`, undefined, "missing_parameter", /#1.*undefined/],
];

describe("compile: errors", () => {
  for (const [behaviour, syntax, query, params, code, message] of errorCases) {
    it(`${syntax.name}: ${behaviour}`, () => {
      assert.throws(
        () => compile(syntax, query, params),
        (err: unknown) => err instanceof ParameterError && err.code === code && message.test(err.message),
      );
    });
  }
  it("errors carry the SQL text, never the values", () => {
    try {
      compile(postgres, "SELECT :a, :b", { a: "secret" });
      assert.fail("expected an error");
    } catch (err) {
      assert.ok(err instanceof ParameterError);
      assert.equal(err.sql, "SELECT :a, :b");
      assert.ok(!err.message.includes("secret"));
    }
  });
});

describe("identifiers", () => {
  it("quotes and doubles the quote character per syntax", () => {
    assert.equal(quoteIdentifier(postgres, 'a"b'), '"a""b"');
    assert.equal(quoteIdentifier(mysql, 'a"b'), '"a""b"', "the portable MySQL profile has ANSI_QUOTES");
    assert.equal(quoteIdentifier(mysqlNative, "a`b"), "`a``b`");
    assert.equal(quoteIdentifier(sqlite, "a.b"), '"a.b"', "dotted names are not split");
  });
  it("rejects empty names and NUL", () => {
    for (const bad of ["", "a\0b"]) {
      assert.throws(
        () => quoteIdentifier(postgres, bad),
        (e: unknown) => e instanceof ParameterError && e.code === "invalid_parameter",
      );
      assert.throws(
        () => sql.id(bad),
        (e: unknown) => e instanceof ParameterError && e.code === "invalid_parameter",
      );
    }
    assert.throws(() => sql.id([]), ParameterError);
  });
});

describe("caching", () => {
  it("a cached template binds each call's own params", () => {
    const text = "SELECT * FROM t WHERE a = :a AND b IN (:b) -- cache test";
    const one = compile(postgres, text, { a: 1, b: [1, 2] });
    const two = compile(postgres, text, { a: 2, b: [3] });
    const three = compile(postgres, text, { a: 3, b: 4 });
    assert.deepEqual(one, { sql: "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) -- cache test", values: [1, 1, 2] });
    assert.deepEqual(two, { sql: "SELECT * FROM t WHERE a = $1 AND b IN ($2) -- cache test", values: [2, 3] });
    assert.deepEqual(three, { sql: "SELECT * FROM t WHERE a = $1 AND b IN ($2) -- cache test", values: [3, 4] });
  });
  it("mutating a result does not change later results", () => {
    const first = compile(mysql, "SELECT :a, :b", { a: 1, b: 2 });
    first.values.push("junk");
    first.values[0] = "changed";
    assert.deepEqual(compile(mysql, "SELECT :a, :b", { a: 1, b: 2 }).values, [1, 2]);
    const args = [1];
    const positional = compile(sqlite, "SELECT ?", args);
    positional.values[0] = 9;
    assert.deepEqual(args, [1], "the caller's array is not shared");
  });
  it("the same text compiles per syntax", () => {
    const text = "SELECT :a, :a";
    assert.equal(compile(postgres, text, { a: 1 }).sql, "SELECT $1, $1");
    assert.equal(compile(mysql, text, { a: 1 }).sql, "SELECT ?, ?");
  });
  it("one tag call site, different values, arrays and fragments", () => {
    const query = (v: unknown) => sql`SELECT 1 WHERE id IN (${v}) AND x = ${v}`;
    assert.deepEqual(compile(postgres, query(1)), { sql: "SELECT 1 WHERE id IN ($1) AND x = $2", values: [1, 1] });
    assert.deepEqual(compile(postgres, query([1, 2])), { sql: "SELECT 1 WHERE id IN ($1, $2) AND x = $3", values: [1, 2, [1, 2]] });
    assert.deepEqual(compile(mysql, query(sql.raw("7"))), { sql: "SELECT 1 WHERE id IN (7) AND x = 7", values: [] });
    assert.deepEqual(compile(postgres, query(2)), { sql: "SELECT 1 WHERE id IN ($1) AND x = $2", values: [2, 2] });
  });
});

describe("properties", () => {
  it("no parameter value is ever spliced into the SQL text", () => {
    const marker = "'; DROP TABLE canary; --";
    for (const syntax of syntaxes) {
      const text = "SELECT :a, ':a', :b -- :a\n WHERE x IN (:c)";
      const compiled = compile(syntax, text, { a: marker, b: [marker], c: [marker, marker] });
      assert.ok(!compiled.sql.includes("canary"));
      assert.equal(compiled.values.filter((v) => v === marker).length, 3);
    }
  });
  it("the number of output placeholders equals the number of values (question style)", () => {
    for (const [, syntax, query, params] of cases) {
      if (syntax.placeholders !== "question" || params === undefined || typeof query !== "string") continue;
      const compiled = compile(syntax, query, params);
      const before = countCodeQuestionMarks(syntax, query);
      const extra = Array.isArray(params) ? 0 : before; // named mode leaves literal ? alone
      assert.equal(countCodeQuestionMarks(syntax, compiled.sql) - extra, compiled.values.length, query);
    }
  });
  it("scanSql spans are contiguous and cover the text", () => {
    for (const [, syntax, query] of cases) {
      if (typeof query !== "string") continue;
      const spans = scanSql(syntax, query);
      let at = 0;
      for (const span of spans) {
        assert.equal(span.start, at);
        assert.ok(span.end > span.start);
        at = span.end;
      }
      assert.equal(at, query.length);
    }
  });
  it("scanSql finds statement separators only in code (for a splitter)", () => {
    const text = "CREATE FUNCTION f() AS $$ a; b $$; SELECT ';' /* ; */; -- ;\nSELECT 1";
    const semicolons = scanSql(postgres, text)
      .filter((span) => span.kind === "code")
      .flatMap((span) => [...text.slice(span.start, span.end).matchAll(/;/g)].map((m) => span.start + (m.index ?? 0)));
    assert.deepEqual(semicolons, [text.indexOf("$$;") + 2, text.indexOf("*/;") + 2]);
  });
});

function countCodeQuestionMarks(syntax: SqlSyntax, text: string): number {
  return scanSql(syntax, text)
    .filter((span) => span.kind === "code")
    .reduce((n, span) => n + (text.slice(span.start, span.end).match(/\?/g)?.length ?? 0), 0);
}
