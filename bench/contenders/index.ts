import type { Client, Engine, OpenOptions } from "../lib/types.js";

/** Every contender by name; each opens lazily so a child process loads only its own library. */
export const CONTENDERS: Record<string, (engine: Engine, options: OpenOptions) => Promise<Client>> = {
  polysql: async (engine, o) => (await import("./polysql.js")).openPolysql(engine, o),
  "better-sqlite3": async (_e, o) => (await import("./better-sqlite3.js")).openBetterSqlite3(o),
  pg: async (_e, o) => (await import("./pg.js")).openPg(o),
  "postgres.js": async (_e, o) => (await import("./postgresjs.js")).openPostgresJs(o),
  mariadb: async (_e, o) => (await import("./mariadb.js")).openMariadb(o),
  mysql2: async (_e, o) => (await import("./mysql2.js")).openMysql2(o),
  knex: async (engine, o) => (await import("./knex.js")).openKnex(engine, o),
  kysely: async (engine, o) => (await import("./kysely.js")).openKysely(engine, o),
};

/** The raw drivers per engine; the fastest is "the limit" for the goals. */
export const RAW: Record<Engine, string[]> = {
  sqlite: ["better-sqlite3"],
  postgres: ["pg", "postgres.js"],
  mysql: ["mariadb", "mysql2"],
};

/** Each engine's raw driver in array mode (rows as arrays), for the wide-rows scenario. */
export const RAW_ARRAYS: Record<Engine, string> = {
  sqlite: "better-sqlite3:raw",
  postgres: "pg:array",
  mysql: "mariadb:array",
};

/** Contenders of scenarios 1–4 per engine. */
export function queryContenders(engine: Engine): string[] {
  return ["polysql", ...RAW[engine], ...(engine === "postgres" ? ["pg:prepared"] : []), "knex", "kysely"];
}
