import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { connect, type PolysqlError, type Database } from "../src/index.js";
import { mysqlDialect } from "../src/dialects/mysql/mysql-dialect.js";
import { postgresDialect } from "../src/dialects/postgres/postgres-dialect.js";
import { sqliteDialect } from "../src/dialects/sqlite/sqlite-dialect.js";
import { dropTables, engines, open } from "./support/engines.js";

const TYPES = { sqlite: sqliteDialect.types, postgres: postgresDialect.types, mysql: mysqlDialect.types };

interface Player {
  id: number;
  handle: string;
  rating: number;
  active: boolean;
}

for (const engine of engines()) {
  describe(`CRUD, repositories and bulk writes on ${engine.name}`, () => {
    let db: Database;
    const t = TYPES[engine.name];

    before(async () => {
      db = await open(engine, { pool: { max: 3 } });
      await dropTables(db, "cr_players", "cr_bulk", "cr_codes");
      await db.execute(
        `CREATE TABLE cr_players (id ${t.SERIAL}, handle ${t.VARCHAR}(40) NOT NULL UNIQUE, rating ${t.INTEGER} NOT NULL, active ${t.BOOLEAN} NOT NULL)`,
      );
      await db.execute(`CREATE TABLE cr_bulk (n ${t.INTEGER} NOT NULL PRIMARY KEY, label ${t.VARCHAR}(20) NOT NULL, at ${t.TIMESTAMP})`);
      await db.execute(`CREATE TABLE cr_codes (code ${t.VARCHAR}(10) PRIMARY KEY, uses ${t.INTEGER} NOT NULL)`);
    });
    beforeEach(async () => {
      await db.execute("DELETE FROM cr_players");
      await db.execute("DELETE FROM cr_bulk");
      await db.execute("DELETE FROM cr_codes");
    });
    after(async () => {
      await dropTables(db, "cr_players", "cr_bulk", "cr_codes");
      await db.close();
    });

    it("insert returns the generated key; get reads the row back", async () => {
      const a = await db.insert("cr_players", { handle: "ada", rating: 1500, active: true });
      const b = await db.insert("cr_players", { handle: "bob", rating: 1400, active: false });
      assert.equal(typeof a, "number");
      assert.ok((b as number) > (a as number));
      assert.deepEqual(await db.get("cr_players", a), { id: a, handle: "ada", rating: 1500, active: true });
      assert.equal(await db.get("cr_players", 987654), undefined);
      // an explicit, non-generated key comes back as given
      assert.equal(await db.insert("cr_codes", { code: "XMAS", uses: 0 }, { key: "code" }), "XMAS");
    });

    it("insert into a table without the key column still inserts, and gives undefined on every engine", async () => {
      await dropTables(db, "cr_nokey");
      await db.execute(`CREATE TABLE cr_nokey (a ${t.INTEGER} NOT NULL, b ${t.INTEGER} NOT NULL, PRIMARY KEY (a, b))`);
      assert.equal(await db.insert("cr_nokey", { a: 1, b: 2 }), undefined);
      assert.deepEqual(await db.all("SELECT a, b FROM cr_nokey"), [{ a: 1, b: 2 }]);
      await dropTables(db, "cr_nokey");
    });

    it("a statement binding more values than the engine accepts is a clear error before anything is sent", async () => {
      const ids = Array.from({ length: 70_000 }, (_, i) => i);
      await assert.rejects(db.all("SELECT * FROM cr_players WHERE id IN (:ids)", { ids }), (e: PolysqlError) => {
        assert.equal(e.code, "invalid_parameter");
        assert.match(e.message, /70000 values/);
        return true;
      });
    });

    it("update and delete by key and by where object report row counts", async () => {
      const a = await db.insert("cr_players", { handle: "ada", rating: 1500, active: true });
      await db.insert("cr_players", { handle: "bob", rating: 1400, active: true });
      await db.insert("cr_players", { handle: "cy", rating: 1300, active: false });
      assert.equal(await db.update("cr_players", a, { rating: 1600 }), 1);
      assert.equal(await db.update("cr_players", a, { rating: 1600 }), 1, "an unchanged row still counts as matched");
      assert.equal(await db.update("cr_players", { active: true }, { rating: 1000 }), 2);
      assert.equal(await db.update("cr_players", { handle: ["bob", "cy"] }, { active: false }), 2);
      assert.equal(await db.delete("cr_players", { active: false }), 2);
      assert.equal(await db.delete("cr_players", a), 1);
      assert.equal(await db.value("SELECT count(*) FROM cr_players"), 0);
      await assert.rejects(db.update("cr_players", {}, { rating: 1 }), /empty where/);
      await assert.rejects(db.delete("cr_players", {}), /empty where/);
    });

    it("upsert inserts, then updates on conflict, returning the same key", async () => {
      const first = await db.upsert("cr_players", { handle: "ada", rating: 1500, active: true }, { conflict: ["handle"] });
      const second = await db.upsert("cr_players", { handle: "ada", rating: 1700, active: false }, { conflict: ["handle"] });
      assert.equal(second, first);
      assert.deepEqual(await db.all("SELECT handle, rating, active FROM cr_players"), [{ handle: "ada", rating: 1700, active: false }]);
      await db.upsert("cr_codes", { code: "A", uses: 1 }, { conflict: ["code"], key: "code" });
      await db.upsert("cr_codes", { code: "A", uses: 5 }, { conflict: ["code"], key: "code", update: [] });
      assert.equal(await db.value("SELECT uses FROM cr_codes WHERE code = 'A'"), 1, "update: [] keeps the existing row");
    });

    it("repository: create, get, find, count, update, delete; not_found and unique_violation", async () => {
      const players = db.table<Player>("cr_players");
      const ada = await players.create({ handle: "ada", rating: 1500, active: true });
      assert.deepEqual(ada, { id: ada.id, handle: "ada", rating: 1500, active: true });
      assert.deepEqual(await players.get(ada.id), ada);
      assert.deepEqual((await players.update(ada.id, { rating: 1501 })).rating, 1501);
      assert.deepEqual(await players.find({ handle: "ada" }), [{ ...ada, rating: 1501 }]);
      assert.equal(await players.count(), 1);
      assert.equal(await players.count({ active: false }), 0);
      await assert.rejects(players.get(424242), (e: PolysqlError) => e.code === "not_found" && /cr_players/.test(e.message));
      await assert.rejects(players.update(424242, { rating: 1 }), (e: PolysqlError) => e.code === "not_found");
      await assert.rejects(players.create({ handle: "ada", rating: 1, active: true }), (e: PolysqlError) => e.code === "unique_violation");
      assert.equal(await players.delete(ada.id), true);
      assert.equal(await players.delete(ada.id), false);
    });

    it("keyset pagination walks every row exactly once across pages with ties in the order column", async () => {
      const rows = Array.from({ length: 23 }, (_, i) => ({ handle: `p${String(i).padStart(2, "0")}`, rating: 1000 + (i % 4) * 10, active: i % 2 === 0 }));
      await db.insertMany("cr_players", rows);
      const players = db.table<Player>("cr_players");
      for (const orderBy of [[{ column: "rating", direction: "desc" as const }], ["rating", "handle desc"], undefined]) {
        const seen: Player[] = [];
        let after: string | null = null;
        let pages = 0;
        do {
          const page: { items: Player[]; next: string | null } = await players.list({ orderBy, limit: 5, after });
          seen.push(...page.items);
          after = page.next;
          pages++;
        } while (after);
        assert.equal(pages, 5);
        assert.equal(seen.length, 23);
        assert.equal(new Set(seen.map((p) => p.id)).size, 23, "no row repeated or skipped");
      }
      const activeOnly = await players.list({ where: { active: true }, orderBy: "rating desc", limit: 100 });
      assert.equal(activeOnly.items.length, 12);
      assert.equal(activeOnly.next, null);
      await assert.rejects(players.list({ after: "not-a-cursor" }), (e: PolysqlError) => e.code === "invalid_parameter");
    });

    it("hostile identifiers are quoted as names or rejected with a clear error", async () => {
      await assert.rejects(db.insert("x; DROP TABLE cr_players", { a: 1 }), (e: PolysqlError) => e.code === "undefined_table");
      await assert.rejects(db.insert('cr_players"; DROP TABLE cr_players; --', { handle: "x" }), (e: PolysqlError) => e.code === "undefined_table");
      await assert.rejects(db.insert("cr_players`; DROP TABLE cr_players; --", { handle: "x" }), (e: PolysqlError) => e.code === "undefined_table");
      await assert.rejects(db.insert("cr_players", { 'handle" = 1; --': "x" }), (e: PolysqlError) => e.code === "undefined_column");
      await assert.rejects(db.insert("", { a: 1 }), (e: PolysqlError) => e.code === "invalid_parameter" && /empty/.test(e.message));
      await assert.rejects(db.get("a.b.c", 1), (e: PolysqlError) => e.code === "invalid_parameter" && /two parts/.test(e.message));
      await assert.rejects(db.get("x".repeat(2000), 1), (e: PolysqlError) => e.code === "invalid_parameter" && /at most/.test(e.message));
      assert.equal(await db.value("SELECT count(*) FROM cr_players"), 0, "the table survived");
      // a quote character inside a real name is doubled and works
      const weird = engine.name === "mysql" ? "cr_we`ird" : 'cr_we"ird';
      await db.execute(`DROP TABLE IF EXISTS ${engine.name === "mysql" ? "`cr_we``ird`" : '"cr_we""ird"'}`);
      await db.execute(`CREATE TABLE ${engine.name === "mysql" ? "`cr_we``ird`" : '"cr_we""ird"'} (id INTEGER PRIMARY KEY, v INTEGER)`);
      await db.insert(weird, { id: 1, v: 2 });
      assert.deepEqual(await db.get(weird, 1), { id: 1, v: 2 });
      await db.execute(`DROP TABLE ${engine.name === "mysql" ? "`cr_we``ird`" : '"cr_we""ird"'}`);
    });

    it("schema.table names are two quoted parts", async () => {
      const schema = engine.name === "sqlite" ? "main" : engine.name === "postgres" ? "public" : "polysql_test";
      await db.insert(`${schema}.cr_codes`, { code: "S", uses: 3 }, { key: "code" });
      assert.deepEqual(await db.get(`${schema}.cr_codes`, "S", { key: "code" }), { code: "S", uses: 3 });
    });

    it("insertMany of 70,000 rows crosses every parameter limit, with all rows present and in order", async () => {
      const at = new Date("2024-01-02T03:04:05.678Z");
      const rows = Array.from({ length: 70_000 }, (_, n) => ({ n, label: `row ${n}\t"q"\\`, at }));
      const progress: number[] = [];
      const count = await db.insertMany("cr_bulk", rows, { onProgress: (k) => progress.push(k) });
      assert.equal(count, 70_000);
      assert.ok(progress.length >= 2 && progress[progress.length - 1] === 70_000);
      assert.equal(await db.value("SELECT count(*) FROM cr_bulk"), 70_000);
      const sample = await db.all("SELECT n, label, at FROM cr_bulk WHERE n IN (:ns) ORDER BY n", { ns: [0, 32_766, 65_535, 69_999] });
      assert.deepEqual(
        sample,
        [0, 32_766, 65_535, 69_999].map((n) => ({ n, label: `row ${n}\t"q"\\`, at })),
      );
      let expected = 0;
      for await (const row of db.stream<{ n: number }>("SELECT n FROM cr_bulk ORDER BY n")) assert.equal(row.n, expected++);
      assert.equal(expected, 70_000);
    });

    it("a failing row in the middle of a bulk insert leaves nothing behind", async () => {
      const rows = Array.from({ length: 30_000 }, (_, n) => ({ n: n === 20_000 ? 5 : n, label: "x", at: null }));
      await assert.rejects(db.insertMany("cr_bulk", rows, { chunkSize: 1000 }), (e: PolysqlError) => e.code === "unique_violation");
      assert.equal(await db.value("SELECT count(*) FROM cr_bulk"), 0);
    });

    it("rows with differing keys are an error naming the row, before anything is written", async () => {
      await assert.rejects(
        db.insertMany("cr_bulk", [
          { n: 1, label: "a", at: null },
          { n: 2, label: "b" },
        ]),
        (e: PolysqlError) => {
          assert.equal(e.code, "invalid_parameter");
          assert.match(e.message, /row 1/);
          assert.match(e.message, /missing at/);
          return true;
        },
      );
      assert.equal(await db.value("SELECT count(*) FROM cr_bulk"), 0);
      assert.equal(await db.insertMany("cr_bulk", []), 0);
    });

    it("stream() into insertMany() copies rows between two databases", async () => {
      await db.insertMany(
        "cr_bulk",
        Array.from({ length: 5_000 }, (_, n) => ({ n, label: `l${n}`, at: null })),
      );
      const target = await connect("sqlite::memory:");
      await target.execute("CREATE TABLE copy_target (n INTEGER PRIMARY KEY, label TEXT, at TIMESTAMP)");
      const copied = await target.insertMany("copy_target", db.stream("SELECT n, label, at FROM cr_bulk ORDER BY n"));
      assert.equal(copied, 5_000);
      assert.deepEqual(await target.one("SELECT count(*) AS c, sum(n) AS s FROM copy_target"), { c: 5_000, s: (4_999 * 5_000) / 2 });
      await target.close();
      assert.equal(db.metrics().active, 0);
    });

    it("CRUD helpers work inside a transaction and roll back with it", async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          const id = await tx.insert("cr_players", { handle: "tx", rating: 1, active: true });
          await tx.update("cr_players", id, { rating: 2 });
          await tx.insertMany("cr_bulk", [{ n: 1, label: "a", at: null }]);
          throw new Error("undo");
        }),
        /undo/,
      );
      assert.equal(await db.value("SELECT count(*) FROM cr_players"), 0);
      assert.equal(await db.value("SELECT count(*) FROM cr_bulk"), 0);
    });
  });
}
