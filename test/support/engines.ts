import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect, type ConnectOptions, type Database } from "../../src/index.js";

/** One engine under test: its name and a URL to a real database. */
export interface Engine {
  name: "sqlite" | "postgres" | "mysql";
  url: string;
}

const dir = mkdtempSync(path.join(tmpdir(), "polysql-test-"));
let counter = 0;

/**
 * The engines selected by POLYSQL_ENGINES (default all three). PostgreSQL and
 * MariaDB URLs come from POLYSQL_PG_URL / POLYSQL_MYSQL_URL, set by `npm test`.
 * SQLite gets a fresh file per call.
 */
export function engines(): Engine[] {
  const wanted = (process.env.POLYSQL_ENGINES ?? "sqlite,postgres,mysql").split(",").map((s) => s.trim());
  const out: Engine[] = [];
  if (wanted.includes("sqlite")) out.push({ name: "sqlite", url: `sqlite:${path.join(dir, `db${++counter}.sqlite`)}` });
  if (wanted.includes("postgres")) {
    const url = process.env.POLYSQL_PG_URL;
    if (!url) throw new Error("POLYSQL_PG_URL is not set: run the tests with `npm test`, or set POLYSQL_ENGINES=sqlite");
    out.push({ name: "postgres", url });
  }
  if (wanted.includes("mysql")) {
    const url = process.env.POLYSQL_MYSQL_URL;
    if (!url) throw new Error("POLYSQL_MYSQL_URL is not set: run the tests with `npm test`, or set POLYSQL_ENGINES=sqlite");
    out.push({ name: "mysql", url });
  }
  return out;
}

/** Connects to an engine with extra options. */
export function open(engine: Engine, options: Omit<ConnectOptions, "url"> = {}): Promise<Database> {
  return connect({ ...options, url: engine.url });
}

/** An auto-increment integer primary key, spelled per engine (for test schemas). */
export function serialKey(engine: Engine): string {
  return { sqlite: "INTEGER PRIMARY KEY AUTOINCREMENT", postgres: "SERIAL PRIMARY KEY", mysql: "INTEGER PRIMARY KEY AUTO_INCREMENT" }[engine.name];
}

/** Drops tables if they exist (children first). */
export async function dropTables(db: Database, ...tables: string[]): Promise<void> {
  for (const t of tables) await db.execute(`DROP TABLE IF EXISTS ${t}`);
}
