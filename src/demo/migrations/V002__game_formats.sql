-- A game format: how matches are played.
CREATE TABLE game_formats (
  id SERIAL PRIMARY KEY,
  code VARCHAR(30) NOT NULL,
  name VARCHAR(100) NOT NULL,
  players_per_match INTEGER NOT NULL DEFAULT 2,
  best_of INTEGER NOT NULL DEFAULT 3,
  CONSTRAINT game_formats_code_unique UNIQUE (code)
);
