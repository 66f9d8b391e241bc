// One cold start, in a fresh plain `node` process (no tsx: its loader would slow every import):
//   node bench/cold/probe.mjs '<json {contender, engine, url, file, sql}>'
// Times, in ms: importMs (the library's entry points, as an application's first lines import them),
// connectMs (connect() or the library's equivalent, to the first row of a point lookup),
// newConnectionMs (a second, new connection or pool opened), firstQueryMs (its first lookup),
// secondQueryMs (the next one). Prints one RESULT line of JSON.
const job = JSON.parse(process.argv[2]);
const { contender, engine, url, file } = job;
const question = "SELECT * FROM bench_items WHERE id = ?";
const dollar = "SELECT * FROM bench_items WHERE id = $1";

/** Imports what the contender's user imports, and returns how to open a client with a `lookup` and a `close`. */
async function load() {
  switch (contender) {
    case "polysql": {
      const { connect } = await import("polysql");
      const target = engine === "sqlite" ? `sqlite:${file}` : url;
      return async () => {
        const db = await connect({ url: target, pool: { max: 1 } });
        return { lookup: (id) => db.one("SELECT * FROM bench_items WHERE id = :id", { id }), close: () => db.close() };
      };
    }
    case "better-sqlite3": {
      const { default: Database } = await import("better-sqlite3");
      return async () => {
        const db = new Database(file);
        return { lookup: async (id) => db.prepare(question).get(id), close: async () => db.close() };
      };
    }
    case "pg": {
      const { default: pg } = await import("pg");
      return async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        return { lookup: async (id) => (await client.query(dollar, [id])).rows[0], close: () => client.end() };
      };
    }
    case "postgres.js": {
      const { default: postgres } = await import("postgres");
      return async () => {
        const sql = postgres(url, { max: 1, onnotice: () => undefined });
        return { lookup: async (id) => (await sql`SELECT * FROM bench_items WHERE id = ${id}`)[0], close: () => sql.end() };
      };
    }
    case "mariadb": {
      const mariadb = await import("mariadb");
      return async () => {
        const conn = await mariadb.createConnection({ ...mysqlConfig(), timezone: "+00:00" });
        return { lookup: async (id) => (await conn.query(question, [id]))[0], close: () => conn.end() };
      };
    }
    case "mysql2": {
      const { default: mysql } = await import("mysql2/promise");
      return async () => {
        const conn = await mysql.createConnection({ ...mysqlConfig(), timezone: "Z" });
        return { lookup: async (id) => (await conn.query(question, [id]))[0][0], close: () => conn.end() };
      };
    }
    case "knex": {
      const { default: knex } = await import("knex");
      return async () => {
        const config =
          engine === "sqlite"
            ? { client: "better-sqlite3", connection: { filename: file }, useNullAsDefault: true }
            : engine === "postgres"
              ? { client: "pg", connection: url }
              : { client: "mysql2", connection: { ...mysqlConfig(), timezone: "Z" } };
        const db = knex({ ...config, pool: { min: 0, max: 1 } });
        return { lookup: (id) => db("bench_items").where("id", id).first(), close: () => db.destroy() };
      };
    }
    case "kysely": {
      const kysely = await import("kysely");
      const driver = engine === "sqlite" ? await import("better-sqlite3") : engine === "postgres" ? await import("pg") : await import("mysql2");
      return async () => {
        const dialect =
          engine === "sqlite"
            ? new kysely.SqliteDialect({ database: new driver.default(file) })
            : engine === "postgres"
              ? new kysely.PostgresDialect({ pool: new driver.default.Pool({ connectionString: url, max: 1 }) })
              : new kysely.MysqlDialect({ pool: driver.createPool({ ...mysqlConfig(), connectionLimit: 1, timezone: "Z" }) });
        const db = new kysely.Kysely({ dialect });
        return { lookup: (id) => db.selectFrom("bench_items").selectAll().where("id", "=", id).executeTakeFirst(), close: () => db.destroy() };
      };
    }
  }
  throw new Error(`unknown contender ${contender}`);
}

function mysqlConfig() {
  const u = new URL(url);
  const decode = decodeURIComponent;
  return { host: u.hostname, port: Number(u.port || 3306), user: decode(u.username), password: decode(u.password), database: u.pathname.slice(1) };
}

const t0 = performance.now();
const open = await load();
const t1 = performance.now();
const first = await open();
const row = await first.lookup(1);
const t2 = performance.now();
const second = await open();
const t3 = performance.now();
const again = await second.lookup(2);
const t4 = performance.now();
await second.lookup(3);
const t5 = performance.now();
if (Number(row?.id) !== 1 || Number(again?.id) !== 2) throw new Error(`wrong rows: ${JSON.stringify([row?.id, again?.id])}`);
await first.close();
await second.close();
const ms = (x) => Math.round(x * 1000) / 1000;
const result = { importMs: ms(t1 - t0), connectMs: ms(t2 - t1), newConnectionMs: ms(t3 - t2), firstQueryMs: ms(t4 - t3), secondQueryMs: ms(t5 - t4) };
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
