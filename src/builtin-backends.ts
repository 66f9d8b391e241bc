import { mysqlBackend } from "./dialects/mysql/index.js";
import { postgresBackend } from "./dialects/postgres/index.js";
import { sqliteBackend } from "./dialects/sqlite/index.js";
import { registerBackend } from "./registry.js";

// The built-in engines register through the same registry plugins use.
registerBackend(sqliteBackend);
registerBackend(postgresBackend);
registerBackend(mysqlBackend);
