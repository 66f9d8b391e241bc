import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  migrateDown as down,
  migrate,
  migrationStatus as status,
  registerBackend,
  repairMigrations as repair,
  unregisterBackend,
  type Database,
} from "../src/index.js";
import { backendByName, translateTypes, type BackendDefinition, type PortableType } from "../src/dialects/index.js";
import { engines, open } from "./support/engines.js";
import { migrationDir, resetSchema } from "./support/migration-files.js";

// Regression: migrations once looked the dialect up in the global registry by
// engine name, so re-registering or removing a backend while a database was
// open made migrate run another definition's lock and type SQL (or fail).
// They must use the database's own dialect.

const TABLES = ["mr_items", "mr_extra"];
const ITEMS = "CREATE TABLE mr_items (id SERIAL PRIMARY KEY, body TEXT NOT NULL, at TIMESTAMP, done BOOLEAN);\n";

/** The same backend with no migration lock and every portable type misspelled. */
function impostor(original: BackendDefinition<object>): BackendDefinition<object> {
  const types = Object.fromEntries(Object.keys(original.dialect.types).map((t) => [t, `bogus_${t.toLowerCase()}`])) as Record<PortableType, string>;
  return { ...original, version: "0.0.0-impostor", dialect: { ...original.dialect, migrationLock: undefined, types } };
}

for (const engine of engines()) {
  describe(`migrations use the database's own dialect on ${engine.name}`, () => {
    let db: Database;
    let original: BackendDefinition<object>;

    before(async () => {
      db = await open(engine);
      original = backendByName(engine.name)!;
      assert.ok(original, `the ${engine.name} backend is registered`);
    });
    beforeEach(() => resetSchema(db, ...TABLES));
    after(async () => {
      await resetSchema(db, ...TABLES);
      await db.close();
    });

    /** Runs dry-run, migrate, status, repair and down; checks the schema has the original types throughout. */
    async function migrateAll(): Promise<void> {
      const dir = migrationDir({
        "V001__items.sql": ITEMS,
        "U001__items.sql": "DROP TABLE mr_items;",
        // This engine's own override file must load whatever the registry holds.
        [`V002__extra.${engine.name}.sql`]: "CREATE TABLE mr_extra (id INTEGER PRIMARY KEY);",
        "V002__extra.sql": "SELECT no_such_function();",
        "U002__extra.sql": "DROP TABLE mr_extra;",
      });

      const dry = await migrate(db, { dir, dryRun: true });
      assert.equal(dry.error, undefined);
      assert.deepEqual(dry.steps[0].statements, [translateTypes(original.dialect, ITEMS.trim().replace(/;$/, ""))]);
      assert.equal(dry.steps[1].file, `V002__extra.${engine.name}.sql`);

      const up = await migrate(db, { dir });
      assert.equal(up.error, undefined);
      assert.deepEqual([up.ok, up.engine, up.steps.map((s) => s.version)], [true, engine.name, ["001", "002"]]);
      const types = (await db.columns("mr_items")).map((c) => c.type);
      assert.equal(types.length, 4);
      for (const type of types) assert.doesNotMatch(type, /bogus/i, `column types come from the database's dialect: ${types.join(", ")}`);
      await db.execute("INSERT INTO mr_items (body, at, done) VALUES (:body, :at, :done)", { body: "x", at: new Date(), done: true });
      assert.equal(await db.value("SELECT engine FROM polysql_schema_history WHERE version = '001'"), engine.name);

      const listed = await status(db, { dir });
      assert.deepEqual([listed.engine, listed.problems, listed.migrations.map((m) => m.state)], [engine.name, [], ["applied", "applied"]]);
      assert.deepEqual(await repair(db, { dir }), { removed: [], realigned: [], problems: [] });

      const plan = await down(db, { dir, steps: 2, dryRun: true });
      assert.deepEqual(
        plan.steps.map((s) => s.statements),
        [["DROP TABLE mr_extra"], ["DROP TABLE mr_items"]],
      );
      const undo = await down(db, { dir, steps: 2 });
      assert.equal(undo.error, undefined);
      assert.deepEqual(
        undo.steps.map((s) => s.file),
        ["U002__extra.sql", "U001__items.sql"],
      );
      assert.equal(await db.value("SELECT count(*) FROM polysql_schema_history"), 0);
    }

    it("after the backend is re-registered with another lock and other types", async () => {
      registerBackend(impostor(original));
      try {
        assert.equal(backendByName(engine.name)!.version, "0.0.0-impostor");
        await migrateAll();
      } finally {
        registerBackend(original);
      }
      assert.equal(backendByName(engine.name), original);
    });

    it("after the backend is unregistered", async () => {
      assert.equal(unregisterBackend(engine.name), true);
      try {
        await migrateAll();
      } finally {
        registerBackend(original);
      }
      assert.equal(backendByName(engine.name), original);
    });
  });
}
