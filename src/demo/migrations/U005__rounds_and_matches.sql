DROP TABLE matches;
DROP TABLE rounds;
