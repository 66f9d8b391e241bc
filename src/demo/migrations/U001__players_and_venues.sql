DROP TABLE venues;
DROP TABLE players;
