import type { Database } from "../index.js";
import { formatIdByCode, registrationSeq, takeRegistrationSeq, venueIdByName } from "./generated/tournament.js";

/** Seeds formats, venues, `count` players (bulk) and one open tournament. */
export async function seed(db: Database, count: number) {
  const formats = await db.insertMany("game_formats", [
    { code: "swiss-bo3", name: "Swiss, best of three", players_per_match: 2, best_of: 3 },
    { code: "single-elim", name: "Single elimination", players_per_match: 2, best_of: 1 },
  ]);
  const venues = await db.insertMany("venues", [
    { name: "The Dice Tower", city: "Lyon", capacity: 64 },
    { name: "Meeple Hall", city: "Leeds", capacity: 120 },
  ]);
  const now = new Date();
  const players = await db.insertMany(
    "players",
    Array.from({ length: count }, (_, i) => ({
      discord_id: `${100000000000000000n + BigInt(i * 7919)}`,
      display_name: `Player ${String(i + 1).padStart(4, "0")}`,
      rating: 1200 + ((i * 37) % 800),
      created_at: now,
    })),
  );
  // Typed functions generated from queries/tournament.sql (polysql generate, docs/typed-sql.md).
  const format = await formatIdByCode(db, { code: "swiss-bo3" });
  const venue = await venueIdByName(db, { name: "Meeple Hall" });
  const tournamentId = await db.insert("tournaments", {
    name: "Autumn Open",
    format_id: format,
    venue_id: venue,
    status: "open",
    settings: { rounds: 5, timeLimitMinutes: 50, tiebreakers: ["omw", "gw"] },
    starts_at: new Date(now.getTime() + 7 * 86_400_000),
    entry_fee: "12.50",
    max_players: 64,
  });
  return { players, formats, venues, tournamentId: Number(tournamentId) };
}

/**
 * Registers a player: takes the next per-tournament sequence number and inserts
 * the registration in one transaction, retried on a write conflict.
 */
export function register(db: Database, tournamentId: number, playerId: number): Promise<number> {
  return db.transaction(
    async (tx) => {
      await takeRegistrationSeq(tx, { tournamentId });
      const seq = await registrationSeq(tx, { tournamentId });
      await tx.insert("registrations", { tournament_id: tournamentId, player_id: playerId, seq, registered_at: new Date() });
      return seq!;
    },
    { retries: 5 },
  );
}

/** The first `pages` pages of the standings, `size` players each, by keyset. */
export async function standings(db: Database, size: number, pages: number) {
  const table = db.table<{ id: number; display_name: string; rating: number }>("players");
  const out: { display_name: string; rating: number }[][] = [];
  let after: string | null = null;
  for (let i = 0; i < pages; i++) {
    const page: { items: { id: number; display_name: string; rating: number }[]; next: string | null } = await table.list({
      orderBy: "rating desc",
      limit: size,
      after,
    });
    out.push(page.items);
    after = page.next;
    if (!after) break;
  }
  return out;
}
