import { mysqlBackend } from "./mysql/index.js";
import { postgresBackend } from "./postgres/index.js";
import { sqliteBackend } from "./sqlite/index.js";
import { registerBackend } from "./registry.js";

// The built-in engines register through the same registry plugins use.
registerBackend(sqliteBackend);
registerBackend(postgresBackend);
registerBackend(mysqlBackend);
