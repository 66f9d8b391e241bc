#!/usr/bin/env node
/**
 * The polysql demo: a small tournament organizer. Portable migrations create
 * the schema, a bulk insert seeds it, a registration flow runs in transactions
 * (a duplicate registration is caught as `unique_violation`), a paginated
 * standings query reads it back, and the pool's metrics and health close the run.
 *
 *   npm start                                  # embedded SQLite file ./polysql-demo.db
 *   npm start -- --url postgres://user:pass@host/db
 *   npm start -- --url mysql://user:pass@host/db
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { connect, migrate, migrateDown, PolysqlError, redactUrl, type Database } from "../index.js";
import { firstPlayers, registrationSeqs } from "./generated/tournament.js";
import { register, seed, standings } from "./tournament.js";

const { values: args } = parseArgs({ options: { url: { type: "string" }, help: { type: "boolean", short: "h" } } });
if (args.help) {
  console.log("usage: npm start [-- --url <sqlite:path | postgres://... | mysql://...>]");
  process.exit(0);
}
const url = args.url ?? process.env.DATABASE_URL ?? "sqlite:./polysql-demo.db";
// The .sql files stay in src/ (tsc does not copy them): from dist/demo/ that is ../../src/demo/migrations.
const dir = fileURLToPath(new URL("../../src/demo/migrations", import.meta.url));

function step(title: string): void {
  console.log(`\n== ${title}`);
}

async function run(db: Database): Promise<void> {
  step(`connected to ${db.engine} at ${redactUrl(url)}`);

  // Start from a clean schema every run: undo every applied migration, then apply them all.
  const undone = await migrateDown(db, { dir, steps: 1_000 });
  if (!undone.ok) throw undone.error ?? undone.problems[0];
  const applied = await migrate(db, { dir });
  if (!applied.ok) throw applied.error ?? applied.problems[0];
  step(`migrations: ${undone.steps.length} undone, ${applied.steps.length} applied`);
  for (const s of applied.steps) console.log(`  V${s.version} ${s.description} (${s.durationMs.toFixed(1)} ms)`);

  step("seeding with insertMany (one transaction, chunked to the engine's limits)");
  const seeded = await seed(db, 2_000);
  console.log(`  ${seeded.players} players, ${seeded.formats} formats, ${seeded.venues} venues, tournament #${seeded.tournamentId}`);

  step("registration flow: each in a transaction with a per-tournament sequence number");
  const players = await firstPlayers(db, { n: 16 });
  await Promise.all(players.map((p) => register(db, seeded.tournamentId, p.id)));
  const seqs = await registrationSeqs(db, { tournamentId: seeded.tournamentId });
  console.log(`  ${seqs.length} registrations, seq ${seqs[0]?.seq}..${seqs[seqs.length - 1]?.seq} with no gaps: ${seqs.every((r, i) => r.seq === i + 1)}`);
  try {
    await register(db, seeded.tournamentId, players[0].id);
  } catch (err) {
    if (!(err instanceof PolysqlError) || err.code !== "unique_violation") throw err;
    console.log(`  duplicate registration of ${players[0].discord_id} refused: ${err.code} on ${err.constraint ?? err.table}, rolled back`);
  }
  const tournament = await db.one<{ status: string; settings: { rounds: number }; next_registration_seq: number }>(
    "SELECT status, settings, next_registration_seq FROM tournaments WHERE id = :id",
    { id: seeded.tournamentId },
  );
  console.log(`  tournament status=${tournament?.status}, settings.rounds=${tournament?.settings.rounds}, next seq=${tournament?.next_registration_seq}`);

  step("standings, keyset-paginated (ties in rating broken by id)");
  const pages = await standings(db, 5, 2);
  pages.forEach((page, i) => {
    console.log(`  page ${i + 1}:`);
    for (const p of page) console.log(`    ${String(p.rating).padStart(5)}  ${p.display_name}`);
  });

  step("pool metrics and health");
  const { acquired, created, total, idle, acquireWaitMs, circuit } = db.metrics();
  console.log(
    `  pool: total=${total} idle=${idle} acquired=${acquired} created=${created} wait p50=${acquireWaitMs.p50}ms p99=${acquireWaitMs.p99}ms circuit=${circuit}`,
  );
  const health = await db.health();
  console.log(`  health: ok=${health.ok} ${health.engine} ${health.serverVersion} in ${health.latencyMs} ms`);
}

const db = await connect({ url, pool: { max: 4 } });
try {
  await run(db);
  console.log("\ndone.");
} catch (err) {
  console.error(`\ndemo failed: ${err instanceof Error ? `${(err as PolysqlError).code ?? err.name}: ${err.message}` : String(err)}`);
  process.exitCode = 1;
} finally {
  await db.close();
}
