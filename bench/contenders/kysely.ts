import Database from "better-sqlite3";
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, type Generated } from "kysely";
import { createPool } from "mysql2";
import pg from "pg";
import { URLS, mysqlConfig, type Client, type Engine, type OpenOptions, type Row } from "../lib/types.js";

interface Schema {
  bench_items: {
    id: number;
    name: string;
    email: string;
    age: number;
    score: number;
    active: boolean;
    created_at: Date;
    balance: number;
    note: string;
    code: string;
  };
  bench_accounts: { id: Generated<number>; balance: number };
}

/** Kysely with its query builder, as its docs write it; pg / mysql2 / better-sqlite3 underneath. */
export async function openKysely(engine: Engine, options: OpenOptions): Promise<Client> {
  const dialect =
    engine === "sqlite"
      ? new SqliteDialect({ database: new Database(URLS.sqlite) })
      : engine === "postgres"
        ? new PostgresDialect({ pool: new pg.Pool({ connectionString: URLS.postgres, max: options.pool }) })
        : new MysqlDialect({ pool: createPool({ ...mysqlConfig(), connectionLimit: options.pool, timezone: "Z" }) });
  const db = new Kysely<Schema>({ dialect });
  const warm = engine === "sqlite" ? 1 : options.pool;
  await Promise.all(Array.from({ length: warm }, () => db.selectFrom("bench_accounts").select("id").limit(1).execute()));
  return {
    lookup: (id) => db.selectFrom("bench_items").selectAll().where("id", "=", id).executeTakeFirst() as Promise<Row | undefined>,
    wide: () => db.selectFrom("bench_items").selectAll().where("id", "<=", 1000).orderBy("id").execute() as Promise<Row[]>,
    transfer: (id) =>
      db.transaction().execute(async (trx) => {
        await trx.selectFrom("bench_accounts").select("balance").where("id", "=", id).executeTakeFirst();
        await trx
          .updateTable("bench_accounts")
          .set((eb) => ({ balance: eb("balance", "+", 1) }))
          .where("id", "=", id)
          .execute();
      }),
    close: () => db.destroy(),
  };
}
