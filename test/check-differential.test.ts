import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../src/cli/run-cli.js";
import { connect, type Database } from "../src/index.js";
import { engines } from "./support/engines.js";

// A differential run: each query of a query file on SQLite, PostgreSQL and MariaDB, rolled
// back, compared after the portable value normalization. Portable queries agree; the planted
// divergences, and only they, are reported.
const QUERIES = `-- name: CountItems :value
SELECT count(*) FROM pd13_items

-- name: FindItem :one
-- params: {"id": 2}
SELECT id, name, price, qty, active FROM pd13_items WHERE id = :id

-- name: ActiveItems :many
SELECT id, name, price FROM pd13_items WHERE active = TRUE ORDER BY id

-- name: TotalPrice :value
SELECT SUM(price) FROM pd13_items

-- name: CheapNames :many
-- params: {"max": 1}
SELECT name FROM pd13_items WHERE price < :max ORDER BY name

-- name: Restock :exec
-- params: {"qty": 100}
UPDATE pd13_items SET qty = :qty WHERE active = TRUE

-- name: HalfQty :many
SELECT id, qty / 2 AS half FROM pd13_items ORDER BY id

-- name: Expensive :many
SELECT id, price > 1 AS expensive FROM pd13_items ORDER BY id

-- name: NamesStartingWithA :many
SELECT id FROM pd13_items WHERE name LIKE 'a%' ORDER BY id

-- name: CountByName :one
SELECT count(*) FROM pd13_items

-- name: NoteOrEmpty :many
SELECT id, IFNULL(note, '') AS note FROM pd13_items ORDER BY id

-- name: Unrunnable :one
SELECT name FROM pd13_items WHERE id = :id
`;
const PLANTED = ["HalfQty", "Expensive", "NamesStartingWithA", "CountByName", "NoteOrEmpty"];

const selected = engines();

describe("polysql check --url: differential runs", { skip: selected.length < 2 ? "needs two engines or more (POLYSQL_ENGINES)" : false }, () => {
  const dbs: Database[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "polysql-diff-"));

  before(async () => {
    writeFileSync(path.join(dir, "items.sql"), QUERIES);
    for (const engine of selected) {
      const db = await connect(engine.url);
      dbs.push(db);
      await db.execute("DROP TABLE IF EXISTS pd13_items");
      const decimal = { sqlite: "DECIMAL_TEXT", postgres: "NUMERIC", mysql: "DECIMAL" }[engine.name];
      await db.execute(
        `CREATE TABLE pd13_items (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, price ${decimal}(10,2) NOT NULL, qty INTEGER NOT NULL, active BOOLEAN NOT NULL, note VARCHAR(40))`,
      );
      for (const [id, name, price, qty, active, note] of [
        [1, "apple", "1.25", 7, true, "fresh"],
        [2, "Avocado", "2.50", 3, true, null],
        [3, "banana", "0.75", 12, false, null],
      ] as const) {
        await db.execute("INSERT INTO pd13_items (id, name, price, qty, active, note) VALUES (:id, :name, :price, :qty, :active, :note)", {
          id,
          name,
          price,
          qty,
          active,
          note,
        });
      }
    }
  });
  after(async () => {
    for (const db of dbs) {
      await db.execute("DROP TABLE IF EXISTS pd13_items");
      await db.close();
    }
  });

  it("reports exactly the queries whose results differ, each engine's result side by side; writes are rolled back", async () => {
    let stdout = "";
    const code = await runCli(["check", "items.sql", "--json", ...selected.flatMap((e) => ["--url", e.url])], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: {},
      cwd: dir,
    });
    assert.equal(code, 1);
    const { differential } = JSON.parse(stdout);
    assert.deepEqual(
      differential.databases,
      selected.map((e) => e.name),
    );
    assert.equal(differential.ran, 11);
    assert.deepEqual(differential.skipped, [{ query: "Unrunnable", file: "items.sql", line: 37, reason: "no example value for :id (-- params:)" }]);
    const differing = differential.differences.map((d: { query: string }) => d.query);
    // With a subset of engines, only the divergences among them.
    const expected = PLANTED.filter((q) => {
      const names = selected.map((e) => e.name);
      if (q === "HalfQty") return names.includes("mysql");
      return names.includes("postgres");
    });
    assert.deepEqual(differing, expected);
    if (selected.length === 3) {
      const half = differential.differences.find((d: { query: string }) => d.query === "HalfQty");
      assert.deepEqual(
        half.results.map((r: { result: { half: unknown }[] }) => r.result[0].half),
        [3, 3, "3.5000"],
      );
      const count = differential.differences.find((d: { query: string }) => d.query === "CountByName");
      assert.deepEqual(
        count.results.map((r: { result: object }) => Object.keys(r.result)),
        [["count(*)"], ["count"], ["count(*)"]],
      );
    }
    for (const db of dbs)
      assert.deepEqual(await db.all("SELECT qty FROM pd13_items ORDER BY id"), [{ qty: 7 }, { qty: 3 }, { qty: 12 }], `${db.engine}: Restock rolled back`);
  });

  it("prints the differing results side by side, and needs two URLs", async () => {
    let stdout = "";
    const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true }, env: {}, cwd: dir };
    await runCli(["check", "items.sql", ...selected.flatMap((e) => ["--url", e.url])], io);
    assert.match(stdout, /^items\.sql:22 HalfQty \(:many\) differs:$|^items\.sql:25 Expensive \(:many\) differs:$/m);
    assert.match(stdout, /queries run on /);
    stdout = "";
    assert.equal(await runCli(["check", "items.sql", "--url", selected[0].url], io), 2);
  });
});
