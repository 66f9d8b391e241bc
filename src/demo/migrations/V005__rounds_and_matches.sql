CREATE TABLE rounds (
  id SERIAL PRIMARY KEY,
  tournament_id INTEGER NOT NULL,
  round_number INTEGER NOT NULL,
  started_at TIMESTAMP,
  CONSTRAINT rounds_number_unique UNIQUE (tournament_id, round_number),
  FOREIGN KEY (tournament_id) REFERENCES tournaments (id) ON DELETE CASCADE
);

-- player2_id NULL is a bye; winner_id NULL is a draw or not yet reported.
CREATE TABLE matches (
  id BIGSERIAL PRIMARY KEY,
  round_id INTEGER NOT NULL,
  table_number INTEGER NOT NULL,
  player1_id INTEGER NOT NULL,
  player2_id INTEGER,
  player1_score INTEGER,
  player2_score INTEGER,
  winner_id INTEGER,
  reported_at TIMESTAMP,
  CONSTRAINT matches_table_unique UNIQUE (round_id, table_number),
  FOREIGN KEY (round_id) REFERENCES rounds (id) ON DELETE CASCADE,
  FOREIGN KEY (player1_id) REFERENCES players (id),
  FOREIGN KEY (player2_id) REFERENCES players (id),
  FOREIGN KEY (winner_id) REFERENCES players (id)
);

CREATE INDEX matches_player1_idx ON matches (player1_id);
CREATE INDEX matches_player2_idx ON matches (player2_id);
