import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { dropTables, engines, open } from "./support/engines.js";

const run = promisify(execFile);

describe("the demo (npm start) as a smoke test", () => {
  for (const engine of engines()) {
    it(`runs end to end on ${engine.name}, twice in a row`, async () => {
      // Other suites share this database and its history table: start from nothing.
      const db = await open(engine);
      await dropTables(db, "matches", "rounds", "registrations", "tournaments", "game_formats", "venues", "players", "polysql_schema_history");
      await db.close();
      for (let i = 0; i < 2; i++) {
        const { stdout } = await run(process.execPath, ["--import", "tsx", "src/demo/main.ts", "--url", engine.url], { timeout: 120_000 });
        assert.match(stdout, /5 applied/);
        assert.match(stdout, /2000 players/);
        assert.match(stdout, /16 registrations, seq 1\.\.16 with no gaps: true/);
        assert.match(stdout, /duplicate registration .* refused: unique_violation/);
        assert.match(stdout, /settings\.rounds=5/);
        assert.match(stdout, /health: ok=true/);
        assert.match(stdout, /done\./);
        assert.doesNotMatch(stdout, /polysql:polysql@/, "the password is never printed");
      }
    });
  }
});
