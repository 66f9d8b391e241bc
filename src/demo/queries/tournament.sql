-- The demo's queries (issue 18): `polysql generate` turns them into src/demo/generated/tournament.ts.
-- Regenerate after a change: polysql generate --url URL... --queries src/demo/queries --out src/demo/generated
--   --import-from ../../index.js --tables "^(players|venues|game_formats|tournaments|registrations|rounds|matches)$"

-- name: FormatIdByCode :value
-- params: {"code": "swiss-bo3"}
SELECT id FROM game_formats WHERE code = :code;

-- name: VenueIdByName :value
-- params: {"name": "Meeple Hall"}
SELECT id FROM venues WHERE name = :name;

-- name: TakeRegistrationSeq :exec
-- params: {"tournamentId": 1}
UPDATE tournaments SET next_registration_seq = next_registration_seq + 1 WHERE id = :tournamentId AND status = 'open';

-- name: RegistrationSeq :value
-- params: {"tournamentId": 1}
SELECT next_registration_seq FROM tournaments WHERE id = :tournamentId;

-- name: FirstPlayers :many
-- params: {"n": 16}
SELECT id, discord_id FROM players ORDER BY id LIMIT :n;

-- name: RegistrationSeqs :many
-- params: {"tournamentId": 1}
SELECT seq FROM registrations WHERE tournament_id = :tournamentId ORDER BY seq;
