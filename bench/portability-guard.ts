/**
 * The cost of `connect({ portability })` per statement whose verdict is cached, and with it off:
 *   node --import tsx bench/portability-guard.ts [--calls 200000] [--rounds 7]
 * Interleaved rounds on one SQLite :memory: database (no I/O, the synchronous fast path),
 * so the guard's share is as large as it can be; medians of the rounds.
 */
import { PortabilityGuard } from "../src/check/index.js";
import { connect, type Database, sql } from "../src/index.js";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}
const CALLS = flag("calls", 200_000);
const ROUNDS = flag("rounds", 7);
const TEXT = "SELECT id, name FROM items WHERE id = :id AND name <> :name ORDER BY id";

/** Nanoseconds per call; a call that returns a promise is awaited. */
async function perCall(fn: () => unknown, awaited: boolean): Promise<number> {
  const started = process.hrtime.bigint();
  if (awaited) for (let i = 0; i < CALLS; i++) await fn();
  else for (let i = 0; i < CALLS; i++) fn();
  return Number(process.hrtime.bigint() - started) / CALLS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dbs: Record<string, Database> = {};
for (const mode of ["off", "warn", "error"] as const) {
  const db = await connect({ url: "sqlite::memory:", portability: mode });
  await db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
  await db.execute("INSERT INTO items (id, name) VALUES (1, 'a')");
  dbs[mode] = db;
}
const guard = new PortabilityGuard("error");
const times: Record<string, number[]> = {};
const cases: [string, () => unknown][] = [
  ["guard.inspect, text (cached)", () => guard.inspect(TEXT, "one")],
  ["guard.inspect, sql template (cached)", () => guard.inspect(sql`SELECT id, name FROM items WHERE id = ${1} AND name <> ${"b"} ORDER BY id`, "one")],
  ...(["off", "warn", "error"] as const).map((mode): [string, () => unknown] => [
    `db.one on SQLite, portability ${mode}`,
    () => dbs[mode].one(TEXT, { id: 1, name: "b" }),
  ]),
];
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of round % 2 === 0 ? cases : [...cases].reverse()) (times[name] ??= []).push(await perCall(fn, name.startsWith("db.")));
}
console.log(`${CALLS} calls x ${ROUNDS} rounds, median ns per call (node ${process.version})`);
for (const [name] of cases) console.log(`${name.padEnd(42)} ${median(times[name]).toFixed(0).padStart(7)} ns`);
const off = median(times["db.one on SQLite, portability off"]);
console.log(`guard cost per cached statement (warn - off): ${(median(times["db.one on SQLite, portability warn"]) - off).toFixed(0)} ns`);
for (const db of Object.values(dbs)) await db.close();
