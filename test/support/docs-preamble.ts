/**
 * Ambient declarations for the free names of documentation fragments: a block that
 * uses `db`, `User` or `rows` without declaring them compiles against these. They are
 * globals (this text is a script, not a module) and every block is a module, so a
 * block that declares its own `db` simply shadows the global one.
 *
 * Add a name here when a new fragment needs it; keep the types honest (a
 * `Database`, not `any`), since the point is to type-check what the docs call.
 */
export const DOCS_PREAMBLE = `
/** For fragments that continue an example above them, which imported it. */
declare const connect: typeof import("polysql").connect;
/** A database the fragment did not open itself. */
declare const db: import("polysql").Database;
/** Two databases, for the copy-between-engines fragments. */
declare const source: import("polysql").Database;
declare const target: import("polysql").Database;
/** A connection URL. */
declare const url: string;

/** Row types the examples read into. */
interface User { id: number; name: string; age: number }
interface Player { id: number; handle: string; rating: number; active: boolean }
/** Rows to write. */
declare const rows: Record<string, unknown>[];

/** The application's logger. */
declare function log(...values: unknown[]): void;
/** An AWS RDS signer (security.md). */
declare const signer: { getAuthToken(): Promise<string> };

// The imaginary backend of docs/plugins.md: its config, dialect, URL parser, npm client, connection and tracer.
interface MyConfig { host?: string; port?: number; timeoutMs?: number }
declare const myDialect: import("polysql").Dialect;
interface MyClient {
  run(sql: string, values: readonly unknown[]): Promise<{ fields: { name: string }[]; rows: unknown[][]; affected?: number }>;
  on(event: "error", handler: (err: unknown) => void): void;
}
declare function parseMyUrl(url: string): MyConfig;
declare function openMyConnection(config: MyConfig, values: import("polysql").ValueOptions): Promise<import("polysql").DriverConnection>;
declare function trace(connection: import("polysql").DriverConnection): import("polysql").DriverConnection;
`;

/**
 * The database a runnable block finds: \`sqlite:./app.db\` in its working directory
 * (a fresh temporary directory per block), with the tables the README uses, and a
 * \`./migrations\` folder holding one migration.
 */
export const RUN_FIXTURE = {
  database: "app.db",
  schema: [
    "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, age INTEGER)",
    "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL)",
    "INSERT INTO events (kind) VALUES ('signup'), ('login'), ('logout')",
    "CREATE TABLE players (id INTEGER PRIMARY KEY AUTOINCREMENT, handle TEXT NOT NULL UNIQUE, rating INTEGER NOT NULL, active BOOLEAN NOT NULL DEFAULT TRUE)",
  ],
  migrations: {
    "V001__create_notes.sql": "CREATE TABLE notes (id SERIAL PRIMARY KEY, body TEXT NOT NULL);\n",
  } as Record<string, string>,
};
