/**
 * What the replica router costs on a statement it sends to the primary (issue 19):
 *   node --import tsx bench/routing.ts [--calls 50000] [--rounds 7] [--pg postgres://...primary] [--replicas url,url]
 * A primary-only lookup (db.primary.one, a keyed SELECT forced to the primary) on a database with
 * replicas, against the same lookup on a plain connect() of the primary. SQLite :memory: twice as
 * its own "replica" (no I/O: the router's CPU share is as large as it can be), then PostgreSQL when
 * --pg is given (scripts/cluster.sh pg-replicas). Interleaved rounds; medians; ratio routed / plain.
 */
import { connect, type Database } from "../src/index.js";

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const CALLS = Number(flag("calls") ?? 50_000);
const ROUNDS = Number(flag("rounds") ?? 7);
const LOOKUP = "SELECT id, name FROM bench_items WHERE id = :id";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function perCall(fn: (i: number) => Promise<unknown>, calls: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn(i);
  return Number(process.hrtime.bigint() - started) / calls;
}

async function compare(label: string, plain: Database, routed: Database, calls: number): Promise<void> {
  const cases: [string, (i: number) => Promise<unknown>][] = [
    ["plain connect, db.one", (i) => plain.one(LOOKUP, { id: (i % 100) + 1 })],
    ["with replicas, db.primary.one", (i) => routed.primary.one(LOOKUP, { id: (i % 100) + 1 })],
    ["with replicas, db.execute (a write)", (i) => routed.execute("UPDATE bench_items SET name = name WHERE id = :id", { id: (i % 100) + 1 })],
    ["plain connect, db.execute (a write)", (i) => plain.execute("UPDATE bench_items SET name = name WHERE id = :id", { id: (i % 100) + 1 })],
  ];
  const times: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of round % 2 === 0 ? cases : [...cases].reverse()) (times[name] ??= []).push(await perCall(fn, calls));
  }
  console.log(`\n${label}: ${calls} calls x ${ROUNDS} rounds, median ns per call (node ${process.version})`);
  for (const [name] of cases) console.log(`  ${name.padEnd(38)} ${median(times[name]).toFixed(0).padStart(9)} ns`);
  const ratio = median(times["with replicas, db.primary.one"]) / median(times["plain connect, db.one"]);
  const writes = median(times["with replicas, db.execute (a write)"]) / median(times["plain connect, db.execute (a write)"]);
  console.log(`  ratio routed / plain: lookup ${ratio.toFixed(3)}, write ${writes.toFixed(3)}`);
}

async function seed(db: Database): Promise<void> {
  await db.execute("DROP TABLE IF EXISTS bench_items");
  await db.execute("CREATE TABLE bench_items (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL)");
  await db.execute(`INSERT INTO bench_items (id, name) VALUES ${Array.from({ length: 100 }, (_, i) => `(${i + 1}, 'n${i + 1}')`).join(", ")}`);
}

// SQLite: one file, opened plain and as primary + "replica" of itself (the router cannot tell).
const file = `/tmp/polysql-bench-routing-${process.pid}.db`;
const plainSqlite = await connect(`sqlite:${file}`);
await seed(plainSqlite);
const routedSqlite = await connect({ url: `sqlite:${file}`, replicas: [`sqlite:${file}`], readYourWrites: false });
await compare("SQLite (file, synchronous driver)", plainSqlite, routedSqlite, CALLS);
await Promise.all([plainSqlite.close(), routedSqlite.close()]);

const pg = flag("pg");
if (pg !== undefined) {
  const replicas = (flag("replicas") ?? "").split(",").filter(Boolean);
  const plain = await connect({ url: pg, pool: { max: 1 } });
  await seed(plain);
  const routed = await connect({ url: pg, replicas, pool: { max: 1 } });
  await compare(
    `PostgreSQL primary ${pg.replace(/:[^:@/]*@/, ":***@")} with ${replicas.length} replica(s)`,
    plain,
    routed,
    Math.max(1, Math.floor(CALLS / 10)),
  );
  await plain.execute("DROP TABLE IF EXISTS bench_items");
  await Promise.all([plain.close(), routed.close()]);
}
