-- Players are identified by their Discord id; venues host tournaments.
CREATE TABLE players (
  id SERIAL PRIMARY KEY,
  discord_id VARCHAR(32) NOT NULL,
  display_name VARCHAR(100) NOT NULL,
  rating INTEGER NOT NULL DEFAULT 1500,
  created_at TIMESTAMP NOT NULL,
  CONSTRAINT players_discord_id_unique UNIQUE (discord_id)
);

CREATE TABLE venues (
  id SERIAL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  city VARCHAR(100) NOT NULL,
  capacity INTEGER NOT NULL CHECK (capacity > 0),
  CONSTRAINT venues_name_unique UNIQUE (name)
);
