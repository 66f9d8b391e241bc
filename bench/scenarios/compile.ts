import knexModule from "knex";
import type { Knex } from "knex";
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import { polysqlModule } from "../lib/polysql-src.js";
import { check, type Measurement } from "../lib/measure.js";

/** The query every contender compiles: 10 named parameters, PostgreSQL placeholders ($1..$10). */
const TEXT =
  "SELECT * FROM orders WHERE customer_id = :customer AND status = :status AND created_at >= :from AND created_at < :to" +
  " AND total > :min AND total < :max AND region = :region AND channel = :channel AND currency = :currency AND priority = :priority";

function params(i: number) {
  return {
    customer: i,
    status: "open",
    from: "2024-01-01",
    to: "2024-02-01",
    min: 10,
    max: 1000,
    region: "eu",
    channel: "web",
    currency: "EUR",
    priority: i & 3,
  };
}

/** Built before the clock starts, so object creation is not counted as compilation. */
const PARAMS = Array.from({ length: 1024 }, (_, i) => params(i));

interface Orders {
  orders: { customer_id: number; status: string; created_at: string; total: number; region: string; channel: string; currency: string; priority: number };
}

/** One compile per call; returns the SQL and bound values so the result can be checked. */
async function compiler(contender: string, texts: string[]): Promise<(i: number) => { sql: string; bindings: readonly unknown[] }> {
  const { compile } = await polysqlModule<typeof import("../../src/sql/index.js")>("sql/index.js");
  const { postgresDialect } = await polysqlModule<typeof import("../../src/dialects/postgres/postgres-dialect.js")>("dialects/postgres/postgres-dialect.js");
  switch (contender) {
    case "polysql (cached)":
      return (i) => {
        const q = compile(postgresDialect.syntax, TEXT, PARAMS[i & 1023]);
        return { sql: q.sql, bindings: q.values };
      };
    case "polysql (uncached)":
      return (i) => {
        const q = compile(postgresDialect.syntax, texts[i % texts.length], PARAMS[i & 1023]);
        return { sql: q.sql, bindings: q.values };
      };
    case "knex raw": {
      const k = knexClient();
      return (i) =>
        k
          .raw(TEXT, PARAMS[i & 1023])
          .toSQL()
          .toNative();
    }
    case "knex builder": {
      const k = knexClient();
      return (i) => {
        const p = PARAMS[i & 1023];
        return k("orders")
          .where({ customer_id: p.customer, status: p.status })
          .andWhere("created_at", ">=", p.from)
          .andWhere("created_at", "<", p.to)
          .andWhere("total", ">", p.min)
          .andWhere("total", "<", p.max)
          .andWhere({ region: p.region, channel: p.channel, currency: p.currency, priority: p.priority })
          .toSQL()
          .toNative();
      };
    }
    case "kysely builder": {
      const db = new Kysely<Orders>({
        dialect: {
          createAdapter: () => new PostgresAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (d) => new PostgresIntrospector(d),
          createQueryCompiler: () => new PostgresQueryCompiler(),
        },
      });
      return (i) => {
        const p = PARAMS[i & 1023];
        const q = db
          .selectFrom("orders")
          .selectAll()
          .where("customer_id", "=", p.customer)
          .where("status", "=", p.status)
          .where("created_at", ">=", p.from)
          .where("created_at", "<", p.to)
          .where("total", ">", p.min)
          .where("total", "<", p.max)
          .where("region", "=", p.region)
          .where("channel", "=", p.channel)
          .where("currency", "=", p.currency)
          .where("priority", "=", p.priority)
          .compile();
        return { sql: q.sql, bindings: q.parameters };
      };
    }
  }
  throw new Error(`unknown compile contender ${contender}`);
}

function knexClient(): Knex {
  const factory = ((knexModule as unknown as { knex?: typeof knexModule }).knex ?? knexModule) as (c: Knex.Config) => Knex;
  return factory({ client: "pg" });
}

/** Scenario 6: ns per compile of a 10-parameter query (CPU only). */
export async function compileBench(contender: string, iterations: number): Promise<Measurement> {
  // Distinct texts, more than the template cache holds, so every compile parses.
  const texts = Array.from({ length: 5_000 }, (_, i) => `${TEXT} /* ${i} */`);
  const run = await compiler(contender, texts);
  const first = run(1);
  check(first.bindings.length === 10 && first.sql.includes("$10") && !first.sql.includes(":"), `compiled ${first.sql}`);
  let sink = 0;
  for (let i = 0; i < Math.ceil(iterations / 5); i++) sink += run(i).bindings.length;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += run(i).bindings.length;
  const ns = Number(process.hrtime.bigint() - started);
  check(sink > 0, "compiled nothing");
  return { value: ns / iterations };
}
