-- One registration per player per tournament; seq numbers them 1, 2, 3 within a tournament.
CREATE TABLE registrations (
  id BIGSERIAL PRIMARY KEY,
  tournament_id INTEGER NOT NULL,
  player_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  registered_at TIMESTAMP NOT NULL,
  checked_in BOOLEAN NOT NULL DEFAULT FALSE,
  CONSTRAINT registrations_player_once UNIQUE (tournament_id, player_id),
  CONSTRAINT registrations_seq_unique UNIQUE (tournament_id, seq),
  FOREIGN KEY (tournament_id) REFERENCES tournaments (id) ON DELETE CASCADE,
  FOREIGN KEY (player_id) REFERENCES players (id)
);

CREATE INDEX registrations_player_idx ON registrations (player_id);
