import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { migrateDown as down, migrate, type Database, type PolysqlError } from "../src/index.js";
import { engines, open } from "./support/engines.js";
import { resetSchema } from "./support/migration-files.js";

const DEMO_DIR = fileURLToPath(new URL("../src/demo/migrations/", import.meta.url));
const DEMO_TABLES = ["matches", "rounds", "registrations", "tournaments", "game_formats", "venues", "players"];

for (const engine of engines()) {
  describe(`demo schema migrations on ${engine.name}`, () => {
    let db: Database;
    before(async () => {
      db = await open(engine);
      await resetSchema(db, ...DEMO_TABLES);
    });
    after(async () => {
      await resetSchema(db, ...DEMO_TABLES);
      await db.close();
    });

    it("runs unchanged, enforces the demo's rules, and undoes completely", async () => {
      const up = await migrate(db, { dir: DEMO_DIR });
      assert.equal(up.error, undefined);
      assert.deepEqual(
        up.steps.map((s) => s.version),
        ["001", "002", "003", "004", "005"],
      );

      const now = new Date("2025-01-02T03:04:05.678Z");
      await db.execute("INSERT INTO players (discord_id, display_name, created_at) VALUES (:d, :n, :at)", { d: "1001", n: "Ada", at: now });
      const ada = await db.value("SELECT id FROM players WHERE discord_id = '1001'");
      await assert.rejects(
        db.execute("INSERT INTO players (discord_id, display_name, created_at) VALUES ('1001', 'Imposter', :at)", { at: now }),
        (e: PolysqlError) => e.code === "unique_violation",
      );
      await db.execute("INSERT INTO game_formats (code, name) VALUES ('swiss', 'Swiss')");
      await db.execute(
        "INSERT INTO tournaments (name, format_id, status, settings, starts_at, entry_fee, max_players) VALUES ('Open', 1, 'open', :s, :at, '12.50', 32)",
        {
          s: { rounds: 5, timeLimitMin: 50 },
          at: now,
        },
      );
      const t = await db.one<{ settings: unknown; status: string; starts_at: Date }>("SELECT settings, status, starts_at FROM tournaments");
      assert.deepEqual(t?.settings, { rounds: 5, timeLimitMin: 50 });
      assert.equal(new Date(t!.starts_at).getTime(), now.getTime());
      await db.execute("INSERT INTO registrations (tournament_id, player_id, seq, registered_at) VALUES (1, :p, 1, :at)", { p: ada, at: now });
      await assert.rejects(
        db.execute("INSERT INTO registrations (tournament_id, player_id, seq, registered_at) VALUES (1, :p, 2, :at)", { p: ada, at: now }),
        (e: PolysqlError) => e.code === "unique_violation",
      );
      await assert.rejects(db.execute("UPDATE tournaments SET status = 'bogus'"), (e: PolysqlError) => e.code === "check_violation");

      const undo = await down(db, { dir: DEMO_DIR, steps: 5 });
      assert.equal(undo.error, undefined);
      for (const table of DEMO_TABLES) await assert.rejects(db.value(`SELECT count(*) FROM ${table}`));
      assert.equal((await migrate(db, { dir: DEMO_DIR })).steps.length, 5);
    });
  });
}
