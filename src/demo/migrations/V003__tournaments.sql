-- next_registration_seq hands out the per-tournament registration numbers.
CREATE TABLE tournaments (
  id SERIAL PRIMARY KEY,
  name VARCHAR(150) NOT NULL,
  format_id INTEGER NOT NULL,
  venue_id INTEGER,
  status VARCHAR(20) NOT NULL DEFAULT 'draft',
  settings JSON NOT NULL,
  starts_at TIMESTAMP NOT NULL,
  entry_fee DECIMAL(10,2) NOT NULL DEFAULT 0,
  max_players INTEGER NOT NULL,
  next_registration_seq INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT tournaments_status_check CHECK (status IN ('draft', 'open', 'running', 'finished', 'cancelled')),
  FOREIGN KEY (format_id) REFERENCES game_formats (id),
  FOREIGN KEY (venue_id) REFERENCES venues (id)
);

CREATE INDEX tournaments_status_idx ON tournaments (status, starts_at);
