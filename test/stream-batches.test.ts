import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { backendByName, type DriverConnection, type Row } from "../src/dialects/index.js";
import { PolysqlError, type Database, type QueryEvent } from "../src/index.js";
import { dropTables, engines, open, type Engine } from "./support/engines.js";

// Streams pass rows up the core in batches and hand them out one at a time only in the caller's
// loop (issue 17, item 2): the rows are the rows `all()` reads, in order, in both row modes, at any
// batch size; an abort or a break inside a batch ends the stream there and closes the cursor; the
// connection answers next; memory stays bounded; errors keep their codes; telemetry hears one event.
// Tables start with sb_ (shared servers).

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const TABLE = `sb_rows_${process.pid}`;
const ROWS = 3_000;
const BOUND = { timeout: 60_000 };

/** A generated series 1..count as column n, per engine. */
function series(engine: Engine, count: number, select = "n"): string {
  if (engine.name === "mysql") return `SELECT ${select.replaceAll("n", "seq")} AS n FROM seq_1_to_${count}`;
  if (engine.name === "postgres") return `SELECT ${select} AS n FROM generate_series(1, ${count}) AS g(n)`;
  return `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${count}) SELECT ${select} AS n FROM s`;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<PolysqlError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof PolysqlError)) assert.fail(`expected a PolysqlError, got ${String((err as Error)?.stack ?? err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

for (const engine of engines()) {
  describe(`batched streams (${engine.name})`, () => {
    let db: Database;
    const events: QueryEvent[] = [];

    before(async () => {
      db = await open(engine, { pool: { max: 1 }, onQuery: (e: QueryEvent) => events.push(e), telemetry: false });
      await dropTables(db, TABLE);
      await db.execute(`CREATE TABLE ${TABLE} (id INTEGER PRIMARY KEY, name VARCHAR(40), qty INTEGER, price DECIMAL(10, 2), at TIMESTAMP NULL, ok BOOLEAN)`);
      const rows = Array.from({ length: ROWS }, (_, i) => ({
        id: i + 1,
        name: i % 7 === 0 ? null : `name-${i + 1}`,
        qty: (i * 37) % 1000,
        price: ((i % 400) / 4).toFixed(2),
        at: i % 5 === 0 ? null : new Date(Date.UTC(2024, i % 12, (i % 28) + 1, i % 24, i % 60, i % 60, (i * 7) % 1000)),
        ok: i % 3 === 0,
      }));
      await db.insertMany(TABLE, rows);
    });

    after(async () => {
      await dropTables(db, TABLE);
      await db.close();
    });

    it("yields the rows all() reads, in order, as objects and as arrays, at any batch size", BOUND, async () => {
      const sql = `SELECT * FROM ${TABLE} ORDER BY id`;
      const expected = await db.all(sql);
      const expectedArrays = await db.query(sql);
      assert.equal(expected.length, ROWS);
      for (const batchSize of [1, 7, 500, 10_000]) {
        const objects: Row[] = [];
        for await (const row of db.stream(sql, undefined, { batchSize })) objects.push(row);
        assert.deepEqual(objects, expected, `objects, batchSize ${batchSize}`);
        const stream = db.stream(sql, undefined, { batchSize, rowMode: "array" });
        const arrays: unknown[][] = [];
        for await (const row of stream) arrays.push(row);
        assert.deepEqual(arrays, expectedArrays.rows, `arrays, batchSize ${batchSize}`);
        assert.deepEqual(stream.columns, expectedArrays.columns);
      }
    });

    it("a stream of no rows announces its columns and ends", async () => {
      const stream = db.stream(`SELECT id, name FROM ${TABLE} WHERE id < 0`, undefined, { rowMode: "array" });
      for await (const _ of stream) assert.fail("no row expected");
      assert.deepEqual(
        stream.columns?.map((c) => c.name),
        ["id", "name"],
      );
    });

    it("an abort inside a batch ends the stream at the next row; the cursor is closed and the connection answers next", BOUND, async () => {
      const controller = new AbortController();
      let seen = 0;
      const consume = async () => {
        for await (const row of db.stream<{ n: number }>(series(engine, 5_000), undefined, { batchSize: 100, signal: controller.signal })) {
          assert.equal(Number(row.n), ++seen);
          if (seen === 150) controller.abort();
        }
      };
      await expectCode(consume(), "query_cancelled");
      assert.equal(seen, 150, "no row of the batch in hand after the abort");
      assert.equal(Number(await db.value("SELECT :n", { n: 11 })), 11);
      assert.equal(db.metrics().total, 1, "the connection was kept");
    });

    it("a break inside a batch closes the cursor, in a transaction too: the next statement runs on the same connection", BOUND, async () => {
      let seen = 0;
      for await (const _ of db.stream(`SELECT * FROM ${TABLE} ORDER BY id`, undefined, { batchSize: 400 })) if (++seen === 250) break;
      assert.equal(seen, 250);
      assert.equal(Number(await db.value(`SELECT count(*) FROM ${TABLE}`)), ROWS);
      await db.transaction(async (tx) => {
        let inTx = 0;
        for await (const _ of tx.stream(`SELECT id FROM ${TABLE} ORDER BY id`, undefined, { batchSize: 64 })) if (++inTx === 100) break;
        await tx.execute(`UPDATE ${TABLE} SET qty = qty WHERE id = 1`);
        assert.equal(Number(await tx.value(`SELECT max(id) FROM ${TABLE}`)), ROWS);
      });
      assert.equal(db.metrics().total, 1);
    });

    it("next() called again before the last answered hands out consecutive rows, each once", async () => {
      const it = db.stream<{ id: number }>(`SELECT id FROM ${TABLE} ORDER BY id`, undefined, { batchSize: 16 })[Symbol.asyncIterator]();
      const steps = await Promise.all(Array.from({ length: 40 }, () => it.next()));
      assert.deepEqual(
        steps.map((s) => Number(s.value?.id)),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      await it.return?.();
      assert.equal(Number(await db.value("SELECT 1")), 1);
    });

    it("memory stays bounded: 300,000 rows of ~60 bytes with batches of 5,000 hold one batch at a time", BOUND, async () => {
      gc();
      const base = process.memoryUsage().heapUsed;
      let peak = 0;
      let count = 0;
      for await (const row of db.stream<{ n: string }>(
        series(engine, 300_000, "CONCAT('row-', n, '-padded-to-about-sixty-bytes-of-text-per-row')"),
        undefined,
        {
          batchSize: 5_000,
        },
      )) {
        count++;
        assert.ok(row.n.startsWith("row-"));
        if (count % 25_000 === 0) gc(), (peak = Math.max(peak, process.memoryUsage().heapUsed - base));
      }
      assert.equal(count, 300_000);
      // Every row held at once would be over 30 MiB of heap; one batch is well under 2.
      assert.ok(peak < 8 * 1024 * 1024, `heap grew by ${Math.round(peak / 1024 / 1024)} MiB while streaming`);
    });

    it("telemetry hears one event per stream, with every row counted", async () => {
      events.length = 0;
      let n = 0;
      for await (const _ of db.stream(`SELECT id FROM ${TABLE} ORDER BY id`, undefined, { batchSize: 128 })) n++;
      const streamed = events.filter((e) => e.sql.includes(TABLE));
      assert.equal(streamed.length, 1);
      assert.equal(streamed[0].rowCount, n);
      assert.equal(n, ROWS);
    });

    if (engine.name !== "sqlite") {
      it("a connection killed mid-stream fails with connection_failure after the rows before it; the pool opens a fresh one", BOUND, async () => {
        const killer = await open(engine, { pool: { max: 1 } });
        try {
          let seen = 0;
          const consume = async () => {
            for await (const _ of db.stream(`${series(engine, 2_000_000)} /* ${TABLE} */`, undefined, { batchSize: 50 })) {
              if (++seen === 130) {
                const like = `%/* ${TABLE} */%`;
                if (engine.name === "postgres") {
                  const pid = await killer.value("SELECT pid FROM pg_stat_activity WHERE query LIKE :like AND pid <> pg_backend_pid()", { like });
                  await killer.value(`SELECT pg_terminate_backend(${Number(pid)})`);
                } else {
                  const id = await killer.value("SELECT id FROM information_schema.processlist WHERE info LIKE :like AND id <> CONNECTION_ID()", { like });
                  await killer.execute(`KILL CONNECTION ${Number(id)}`);
                }
              }
            }
          };
          const err = await expectCode(consume(), "connection_failure");
          assert.ok(seen >= 130, `rows before the failure were handed out (${seen})`);
          assert.ok(err.sql?.includes(TABLE), "the error names the statement");
          assert.equal(Number(await db.value("SELECT :n", { n: 5 })), 5);
        } finally {
          await killer.close();
        }
      });
    }
  });
}

describe("the MariaDB driver's batches", { skip: !engines().some((e) => e.name === "mysql") }, () => {
  let driver: DriverConnection;

  before(async () => {
    const backend = backendByName("mysql")!;
    driver = await backend.connect(backend.parseUrl(process.env.POLYSQL_MYSQL_URL!), { bigint: "number" });
  });

  after(async () => {
    await driver.close();
  });

  it("each batch holds the rows at hand, never none and never more than batchSize; together, every row in order", BOUND, async () => {
    for (const batchSize of [1, 33, 1_000]) {
      const sizes: number[] = [];
      const ids: number[] = [];
      for await (const batch of driver.streamBatches!("SELECT seq AS n FROM seq_1_to_20000", [], { batchSize })) {
        sizes.push(batch.length);
        for (const row of batch as Row[]) ids.push(Number(row.n));
      }
      assert.ok(
        sizes.every((s) => s > 0 && s <= batchSize),
        `batch sizes within 1..${batchSize}: ${sizes.slice(0, 10).join(", ")}...`,
      );
      assert.deepEqual(
        ids,
        Array.from({ length: 20_000 }, (_, i) => i + 1),
      );
    }
  });

  it("a batch of arrays comes after one onColumns call; an error before the first row is the driver's", async () => {
    const heard: string[][] = [];
    const rows: unknown[][] = [];
    for await (const batch of driver.streamBatches!("SELECT 1 AS a, 'x' AS a", [], {
      batchSize: 10,
      rowMode: "array",
      onColumns: (c) => heard.push(c.map((x) => x.name)),
    }))
      rows.push(...(batch as unknown[][]));
    assert.deepEqual(heard, [["a", "a"]]);
    assert.deepEqual(rows, [[1, "x"]]);
    await assert.rejects(
      async () => {
        for await (const _ of driver.streamBatches!("SELECT * FROM sb_no_such_table", [], { batchSize: 10 })) void _;
      },
      (err: { errno?: number }) => err.errno === 1146,
    );
    const after = await driver.query("SELECT 2 AS b", []);
    assert.deepEqual(after.rows, [{ b: 2 }]);
  });
});

describe("the SQLite driver's batches", () => {
  let driver: DriverConnection;

  before(async () => {
    const backend = backendByName("sqlite")!;
    driver = await backend.connect(backend.parseUrl("sqlite::memory:"), { bigint: "number" });
  });

  after(async () => {
    await driver.close();
  });

  it("streams in slices of batchSize (one promise per slice, not per row), every row in order, in both row modes", async () => {
    const sql = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000) SELECT n FROM s";
    for (const batchSize of [1, 33, 1_000]) {
      const sizes: number[] = [];
      const ids: number[] = [];
      for await (const batch of driver.streamBatches!(sql, [], { batchSize })) {
        sizes.push(batch.length);
        for (const row of batch as Row[]) ids.push(Number(row.n));
      }
      const full = Math.floor(5_000 / batchSize);
      assert.deepEqual(sizes.slice(0, full), Array(full).fill(batchSize), `full slices of ${batchSize}`);
      assert.ok(sizes.every((s) => s > 0 && s <= batchSize));
      assert.deepEqual(
        ids,
        Array.from({ length: 5_000 }, (_, i) => i + 1),
      );
    }
    const heard: string[][] = [];
    const arrays: unknown[][] = [];
    for await (const batch of driver.streamBatches!("SELECT 1 AS a, 'x' AS a", [], {
      batchSize: 10,
      rowMode: "array",
      onColumns: (c) => heard.push(c.map((x) => x.name)),
    }))
      arrays.push(...(batch as unknown[][]));
    assert.deepEqual(heard, [["a", "a"]]);
    assert.deepEqual(arrays, [[1, "x"]]);
  });

  it("leaving the loop early closes the statement: the connection runs the next statement", async () => {
    const sql = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000) SELECT n FROM s";
    for await (const batch of driver.streamBatches!(sql, [], { batchSize: 10 })) if (batch.length > 0) break;
    await driver.query("CREATE TABLE sb_sqlite_after (x INTEGER)", []);
    const after = await driver.query("SELECT count(*) AS c FROM sb_sqlite_after", []);
    assert.deepEqual(after.rows, [{ c: 0 }]);
  });
});
