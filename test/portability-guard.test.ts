import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ConfigError, type Database, migrate, PolysqlError, PortabilityError, sql } from "../src/index.js";
import { dropTables, engines, open } from "./support/engines.js";

/** Collects the PortabilityWarnings emitted while `fn` runs. */
async function warnings(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error) => {
    if (w.name === "PortabilityWarning") seen.push(w.message);
  };
  process.on("warning", listener);
  try {
    await fn();
    // Warnings are emitted on the next tick.
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", listener);
  }
  return seen;
}

for (const engine of engines()) {
  describe(`the portability guard on ${engine.name}`, () => {
    let strict: Database;
    let warn: Database;
    let off: Database;

    before(async () => {
      strict = await open(engine, { portability: "error" });
      warn = await open(engine, { portability: "warn" });
      off = await open(engine);
      await dropTables(off, "pg13_items");
      await off.execute("CREATE TABLE pg13_items (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, qty INTEGER NOT NULL)");
      await off.execute("INSERT INTO pg13_items (id, name, qty) VALUES (1, 'a', 7), (2, 'b', 3)");
    });
    after(async () => {
      await dropTables(off, "pg13_items");
      for (const db of [strict, warn, off]) await db.close();
    });

    it('"error" refuses a non-portable statement before it runs, naming the rule, where, and the fix', async () => {
      const err = await strict.all("SELECT id, qty / 2 AS half FROM pg13_items").catch((e: unknown) => e);
      assert.ok(err instanceof PortabilityError && err instanceof PolysqlError);
      assert.equal(err.code, "portability_error");
      assert.deepEqual(
        err.findings.map((f) => [f.rule, f.line, f.column]),
        [["integer-division", 1, 16]],
      );
      assert.match(err.message, /integer-division at 1:16 \(\/\).*Fix: Make one operand fractional/);
      assert.equal(err.sql, "SELECT id, qty / 2 AS half FROM pg13_items");
      // Cached: refused again, every time.
      await assert.rejects(strict.all("SELECT id, qty / 2 AS half FROM pg13_items"), PortabilityError);
    });

    it("portable statements run; every query method, transactions and sql templates are guarded", async () => {
      assert.equal((await strict.all("SELECT id, qty * 1.0 / 2 AS half FROM pg13_items WHERE id = :id", { id: 1 })).length, 1);
      assert.equal(await strict.value("SELECT count(*) FROM pg13_items"), 2, "value() reads by position: an unaliased count(*) is fine");
      await assert.rejects(
        strict.one("SELECT count(*) FROM pg13_items"),
        (e: unknown) => e instanceof PortabilityError && e.findings[0].rule === "unaliased-expression",
      );
      await assert.rejects(strict.execute("UPDATE pg13_items SET qty = qty WHERE name LIKE 'A%'"), PortabilityError);
      await assert.rejects(strict.query("SELECT IFNULL(qty, 0) AS q FROM pg13_items"), PortabilityError);
      await assert.rejects(
        strict.transaction((tx) => tx.all("SELECT id FROM pg13_items LIMIT 1, 1")),
        PortabilityError,
      );
      await assert.rejects(
        strict.connection((c) => c.all(sql`SELECT id FROM pg13_items WHERE qty > ${1} ORDER BY qty NULLS LAST`)),
        PortabilityError,
      );
      assert.throws(() => strict.stream("SELECT GROUP_CONCAT(name) AS names FROM pg13_items"), PortabilityError);
    });

    it('"warn" warns once per statement text and runs it', async () => {
      const seen = await warnings(async () => {
        for (let i = 0; i < 3; i++) assert.equal((await warn.all("SELECT qty / 2 AS half FROM pg13_items WHERE id = 2")).length, 1);
      });
      assert.equal(seen.length, 1);
      assert.match(seen[0], /^Not portable: integer-division at 1:12/);
    });

    it("polysql's own engine-specific SQL is exempt: introspection, CRUD helpers, migrations", async () => {
      assert.ok((await strict.tables()).includes("pg13_items"));
      assert.equal((await strict.columns("pg13_items")).length, 3);
      await strict.insert("pg13_items", { id: 3, name: "c", qty: 1 });
      assert.equal(await strict.delete("pg13_items", 3), 1);
      // Migrations (history, lock, override files) run unguarded. On SQLite only: the servers' history tables are shared.
      if (engine.name === "sqlite") {
        const dir = mkdtempSync(path.join(tmpdir(), "polysql-guard-"));
        writeFileSync(path.join(dir, "V001__guarded.sql"), "CREATE TABLE pg13_guarded (id SERIAL PRIMARY KEY, n INTEGER);\n");
        writeFileSync(path.join(dir, "V001__guarded.sqlite.sql"), "CREATE TABLE pg13_guarded (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER);\n");
        const result = await migrate(strict, { dir });
        assert.equal(result.error, undefined);
        assert.deepEqual(
          result.steps.map((step) => step.file),
          ["V001__guarded.sqlite.sql"],
        );
      }
    });

    it("refuses an unknown mode", async () => {
      await assert.rejects(
        open(engine, { portability: "strict" as never }),
        (e: unknown) => e instanceof ConfigError && /"portability" must be one of "off", "warn", "error"/.test(e.message),
      );
    });
  });
}
