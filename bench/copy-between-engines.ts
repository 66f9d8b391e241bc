/**
 * Copies N rows from one engine to another with `stream` + `insertMany` and
 * reports rows/s and peak RSS, to show memory does not grow with the row count.
 *
 *   node --import tsx bench/copy-between-engines.ts [--rows 1000000] [--from URL] [--to URL]
 *
 * Defaults: from PostgreSQL (POLYSQL_PG_URL or the project's test server) to
 * MariaDB (POLYSQL_MYSQL_URL or the test server). The source table is filled
 * with generate_series first; the target table is recreated.
 */
import { parseArgs } from "node:util";
import { connect, type Database } from "../src/index.js";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    from: { type: "string", default: process.env.POLYSQL_PG_URL ?? "postgres://polysql:polysql@127.0.0.1:55432/polysql_test" },
    to: { type: "string", default: process.env.POLYSQL_MYSQL_URL ?? "mysql://polysql:polysql@127.0.0.1:53306/polysql_test" },
  },
});
const rows = Number(args.rows);

const DDL =
  "CREATE TABLE bench_copy (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INTEGER NOT NULL, price DECIMAL(10,2) NOT NULL, created_at TIMESTAMP NOT NULL)";

async function fillSource(db: Database): Promise<void> {
  await db.execute("DROP TABLE IF EXISTS bench_copy");
  await db.execute(DDL.replace("TIMESTAMP", db.engine === "postgres" ? "TIMESTAMPTZ" : "TIMESTAMP"));
  if (db.engine === "postgres") {
    // Server-side, so the client's memory starts the copy from a clean baseline.
    await db.execute(
      "INSERT INTO bench_copy SELECT g, 'item ' || g, (g - 1) % 97, ((g - 1) % 10000) / 100.0, to_timestamp(1700000000 + (g - 1)) FROM generate_series(1, :n) AS g",
      { n: rows },
    );
    return;
  }
  const batch = 100_000;
  for (let start = 0; start < rows; start += batch) {
    const n = Math.min(batch, rows - start);
    await db.insertMany(
      "bench_copy",
      Array.from({ length: n }, (_, i) => ({
        id: start + i + 1,
        name: `item ${start + i + 1}`,
        qty: (start + i) % 97,
        price: ((start + i) % 10_000) / 100,
        created_at: new Date(1_700_000_000_000 + (start + i) * 1000),
      })),
    );
  }
}

const source = await connect(args.from!);
const target = await connect({ url: args.to!, pool: { max: 2 } });
await fillSource(source);
await target.execute("DROP TABLE IF EXISTS bench_copy");
await target.execute(DDL.replace("TIMESTAMP", target.engine === "postgres" ? "TIMESTAMPTZ" : target.engine === "mysql" ? "DATETIME(3)" : "TIMESTAMP"));

global.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const started = performance.now();
// Live heap after a full GC every 10% of the rows: flat means nothing accumulates (run with --expose-gc).
let liveMax = 0;
let nextSample = rows / 10;
const copied = await target.insertMany(
  "bench_copy",
  source.stream("SELECT id, name, qty, price, created_at FROM bench_copy ORDER BY id", undefined, { batchSize: 2_000 }),
  {
    onProgress: (n) => {
      if (n < nextSample || !global.gc) return;
      nextSample += rows / 10;
      global.gc();
      liveMax = Math.max(liveMax, process.memoryUsage().heapUsed);
    },
  },
);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);

const check = await target.one<{ c: number; s: string }>("SELECT count(*) AS c, sum(qty) AS s FROM bench_copy");
const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
console.log(
  JSON.stringify({
    from: source.engine,
    to: target.engine,
    rows: copied,
    verified: check?.c === rows,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(copied / seconds),
    rssBaselineMiB: Number(mib(baseline)),
    rssPeakMiB: Number(mib(peak)),
    rssGrowthMiB: Number(mib(peak - baseline)),
    liveHeapMaxMiB: global.gc ? Number(mib(liveMax)) : "run with --expose-gc",
  }),
);
await target.execute("DROP TABLE bench_copy");
await source.execute("DROP TABLE bench_copy");
await source.close();
await target.close();
