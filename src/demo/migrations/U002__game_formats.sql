DROP TABLE game_formats;
