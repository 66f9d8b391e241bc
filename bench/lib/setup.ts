import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import * as mariadb from "mariadb";
import pg from "pg";
import { ACCOUNT_ROWS, ITEM_ROWS, URLS, mysqlConfig, type Engine } from "./types.js";

/** Column types per engine for the two schemas (10 mixed columns; 5 mixed columns). */
const TYPES: Record<Engine, { double: string; bool: string; ts: string }> = {
  sqlite: { double: "REAL", bool: "BOOLEAN", ts: "TIMESTAMP" },
  postgres: { double: "DOUBLE PRECISION", bool: "BOOLEAN", ts: "TIMESTAMP(3)" },
  mysql: { double: "DOUBLE", bool: "BOOLEAN", ts: "DATETIME(3)" },
};

function ddl(engine: Engine): string[] {
  const t = TYPES[engine];
  const bulk = (name: string) =>
    `CREATE TABLE IF NOT EXISTS ${name} (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL, qty INTEGER NOT NULL, price ${t.double} NOT NULL, created_at ${t.ts} NOT NULL)`;
  return [
    `CREATE TABLE IF NOT EXISTS bench_items (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL, email VARCHAR(128) NOT NULL, age INTEGER NOT NULL,
       score ${t.double} NOT NULL, active ${t.bool} NOT NULL, created_at ${t.ts} NOT NULL, balance BIGINT NOT NULL, note TEXT NOT NULL, code VARCHAR(16) NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS bench_accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)`,
    bulk("bench_bulk"),
    bulk("bench_stream"),
  ];
}

/** Seed statements: server-side generators so seeding 1M rows takes seconds. */
function seed(engine: Engine, streamRows: number): { items: string; accounts: string; stream: string } {
  const items = (n: string) =>
    `SELECT ${n}, CONCAT('name-', ${n}), CONCAT('user', ${n}, '@example.com'), ${n} % 90, ${n} * 0.5, ${n} % 2 = 0, TS, ${n} * 1000, 'a note of some length for row ', CONCAT('C', ${n} % 97)`;
  if (engine === "postgres") {
    const ts = (n: string) => `TIMESTAMP '2024-01-01' + ${n} * INTERVAL '1 second'`;
    return {
      items: `INSERT INTO bench_items ${items("g").replace("TS", ts("g"))} FROM generate_series(1, ${ITEM_ROWS}) g`,
      accounts: `INSERT INTO bench_accounts SELECT g, 0 FROM generate_series(1, ${ACCOUNT_ROWS}) g`,
      stream: `INSERT INTO bench_stream SELECT g, CONCAT('name-', g), g % 1000, (g % 10000) / 4.0, ${ts("g")} FROM generate_series(1, ${streamRows}) g`,
    };
  }
  if (engine === "mysql") {
    const ts = (n: string) => `TIMESTAMP '2024-01-01 00:00:00' + INTERVAL ${n} SECOND`;
    return {
      items: `INSERT INTO bench_items ${items("seq").replace("TS", ts("seq"))} FROM seq_1_to_${ITEM_ROWS}`,
      accounts: `INSERT INTO bench_accounts SELECT seq, 0 FROM seq_1_to_${ACCOUNT_ROWS}`,
      stream: `INSERT INTO bench_stream SELECT seq, CONCAT('name-', seq), seq % 1000, (seq % 10000) / 4.0, ${ts("seq")} FROM seq_1_to_${streamRows}`,
    };
  }
  const gen = (n: number) => `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${n})`;
  const ts = `strftime('%Y-%m-%d %H:%M:%f', '2024-01-01', '+' || n || ' seconds')`;
  return {
    items: `${gen(ITEM_ROWS)} INSERT INTO bench_items SELECT n, 'name-' || n, 'user' || n || '@example.com', n % 90, n * 0.5, n % 2 = 0, ${ts}, n * 1000, 'a note of some length for row ', 'C' || (n % 97) FROM g`,
    accounts: `${gen(ACCOUNT_ROWS)} INSERT INTO bench_accounts SELECT n, 0 FROM g`,
    stream: `${gen(streamRows)} INSERT INTO bench_stream SELECT n, 'name-' || n, n % 1000, (n % 10000) / 4.0, ${ts} FROM g`,
  };
}

/** A tiny uniform handle over the three raw drivers, for setup and verification only. */
export interface AdminHandle {
  run(sql: string): Promise<void>;
  value(sql: string): Promise<number>;
  close(): Promise<void>;
}

export async function admin(engine: Engine): Promise<AdminHandle> {
  if (engine === "sqlite") {
    mkdirSync(dirname(URLS.sqlite), { recursive: true });
    const db = new Database(URLS.sqlite);
    db.pragma("journal_mode = WAL");
    return {
      run: async (sql) => void db.exec(sql),
      value: async (sql) => Number(Object.values(db.prepare(sql).get() as object)[0]),
      close: async () => void db.close(),
    };
  }
  if (engine === "postgres") {
    const c = new pg.Client({ connectionString: URLS.postgres });
    c.on("error", () => undefined);
    await c.connect();
    return {
      run: async (sql) => void (await c.query(sql)),
      value: async (sql) => Number(Object.values((await c.query(sql)).rows[0] as object)[0]),
      close: () => c.end(),
    };
  }
  const c = await mariadb.createConnection({ ...mysqlConfig(), timezone: "+00:00" });
  return {
    run: async (sql) => void (await c.query(sql)),
    value: async (sql) => Number(Object.values(((await c.query(sql)) as object[])[0])[0]),
    close: () => c.end(),
  };
}

/** Creates the bench_ tables and seeds them once; returns the engine's version string. */
export async function setup(engine: Engine, streamRows: number): Promise<string> {
  const db = await admin(engine);
  try {
    for (const sql of ddl(engine)) await db.run(sql);
    const s = seed(engine, streamRows);
    const ensure = async (table: string, rows: number, sql: string) => {
      if ((await db.value(`SELECT COUNT(*) FROM ${table}`)) === rows) return;
      await db.run(`DELETE FROM ${table}`);
      await db.run(sql);
    };
    await ensure("bench_items", ITEM_ROWS, s.items);
    await ensure("bench_accounts", ACCOUNT_ROWS, s.accounts);
    await ensure("bench_stream", streamRows, s.stream);
    if (engine === "postgres") await db.run("VACUUM ANALYZE bench_items");
    const versionSql = engine === "sqlite" ? "SELECT sqlite_version()" : engine === "postgres" ? "SHOW server_version" : "SELECT VERSION()";
    return await versionText(engine, versionSql);
  } finally {
    await db.close();
  }
}

async function versionText(engine: Engine, sql: string): Promise<string> {
  if (engine === "sqlite") {
    const db = new Database(URLS.sqlite);
    const v = Object.values(db.prepare(sql).get() as object)[0];
    db.close();
    return `SQLite ${String(v)}`;
  }
  if (engine === "postgres") {
    const c = new pg.Client({ connectionString: URLS.postgres });
    await c.connect();
    const v = (await c.query(sql)).rows[0].server_version;
    await c.end();
    return `PostgreSQL ${String(v)}`;
  }
  const c = await mariadb.createConnection(mysqlConfig());
  const v = Object.values(((await c.query(sql)) as object[])[0])[0];
  await c.end();
  return `MariaDB ${String(v)}`;
}
