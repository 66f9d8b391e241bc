import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseQueryFile } from "../src/queries/query-file.js";

const FILE = `-- Players: lookups and counts.

-- name: FindPlayer :one
-- params: {"id": 1}
SELECT id, handle FROM players WHERE id = :id;

-- name: ListPlayers :many
-- The strongest first.
SELECT id, handle, rating
FROM players
WHERE rating >= :min AND note <> '-- name: NotAQuery :one; nor ;'
ORDER BY rating DESC
;

-- name: CountPlayers :value
SELECT count(*) FROM players

-- name: RenamePlayer :exec
-- params: {"id": 1, "handle": "ada"}
UPDATE players SET handle = :handle WHERE id = :id AND handle <> :handle;
`;

describe("query files", () => {
  it("parses each query's name, kind, SQL (from its first code to its last), parameters, example params and line", () => {
    const { queries, problems } = parseQueryFile(FILE, "queries/players.sql");
    assert.deepEqual(problems, []);
    assert.deepEqual(
      queries.map((q) => [q.name, q.kind, q.line, q.parameters, q.params]),
      [
        ["FindPlayer", "one", 3, ["id"], { id: 1 }],
        ["ListPlayers", "many", 7, ["min"], undefined],
        ["CountPlayers", "value", 15, [], undefined],
        ["RenamePlayer", "exec", 18, ["handle", "id"], { id: 1, handle: "ada" }],
      ],
    );
    assert.equal(queries[0].sql, "SELECT id, handle FROM players WHERE id = :id");
    assert.equal(
      queries[1].sql,
      "SELECT id, handle, rating\nFROM players\nWHERE rating >= :min AND note <> '-- name: NotAQuery :one; nor ;'\nORDER BY rating DESC",
    );
    assert.equal(queries[2].sql, "SELECT count(*) FROM players");
    assert.equal(FILE.slice(queries[3].offset, queries[3].offset + 6), "UPDATE", "offset points into the file (for line and column of findings)");
  });

  it("reports every malformed part with its line, and keeps the good queries", () => {
    const text = [
      "SELECT 1;", // 1: SQL before the first header
      "-- name: Good :one", // 2
      "SELECT 1 AS one", // 3
      "-- name: bad-name :one", // 4
      "SELECT 1", // 5
      "-- name: NoKind", // 6
      "SELECT 1", // 7
      "-- name: Odd :all", // 8
      "SELECT 1", // 9
      "-- name: Good :many", // 10: twice
      "SELECT 2", // 11
      "-- name: Empty :exec", // 12
      "-- name: Two :exec", // 13
      "DELETE FROM a; DELETE FROM b", // 14
      "-- name: BadParams :one", // 15
      "-- params: {id: 1}", // 16
      "SELECT :id AS id", // 17
      "-- name: ArrayParams :one", // 18
      "-- params: [1]", // 19
      "SELECT :id AS id", // 20
      "-- name: Unused :one", // 21
      '-- params: {"id": 1, "other": 2}', // 22
      "SELECT :id AS id", // 23
      "-- name: Positional :one", // 24
      "SELECT ? AS id", // 25
    ].join("\n");
    const { queries, problems } = parseQueryFile(text, "q.sql");
    assert.deepEqual(
      problems.map((p) => [p.line, p.message]),
      [
        [1, "SQL before the first `-- name:` line"],
        [4, 'query name "bad-name" is not an identifier (letters, digits, _)'],
        [6, 'query NoKind: kind "" is not one of :one, :many, :value, :exec'],
        [8, 'query Odd: kind ":all" is not one of :one, :many, :value, :exec'],
        [10, "query Good is defined twice"],
        [12, "query Empty has no SQL"],
        [13, "query Two holds more than one statement (one statement per query)"],
        [16, "query BadParams: -- params: is not valid JSON: {id: 1}"],
        [19, 'query ArrayParams: -- params: must be a JSON object, such as {"id": 1}'],
        [22, 'query Unused: example parameter "other" is not used (:other)'],
        [24, "query Positional: use :name parameters, not ?"],
      ],
    );
    assert.deepEqual(
      queries.map((q) => q.name),
      ["Good", "BadParams", "ArrayParams", "Unused", "Positional"],
    );
  });

  it("a file without any header is one problem; an empty or comment-only file is none", () => {
    assert.deepEqual(
      parseQueryFile("SELECT 1", "x.sql").problems.map((p) => p.line),
      [1],
    );
    assert.deepEqual(parseQueryFile("", "x.sql"), { queries: [], problems: [] });
    assert.deepEqual(parseQueryFile("-- just notes\n/* more */\n", "x.sql"), { queries: [], problems: [] });
  });

  it("headers are comments at the start of a line only, never text inside strings or dollar bodies", () => {
    const text = "-- name: F :one\nSELECT $$\n-- name: G :one\n$$ AS body, 'x -- name: H :one' AS s";
    const { queries, problems } = parseQueryFile(text, "x.sql");
    assert.deepEqual(problems, []);
    assert.deepEqual(
      queries.map((q) => q.name),
      ["F"],
    );
  });
});
