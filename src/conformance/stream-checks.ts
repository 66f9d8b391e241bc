import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ConformanceCheck } from "./conformance-check.js";
import { ensure, expectCode, expectEqual } from "./expect.js";
import { createTable, series } from "./fixtures.js";

const area = "streaming";

/** A garbage collection on demand (the kit runs without --expose-gc). */
function collector(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** Streaming: every row in order, constant memory, early exit, errors, inside transactions. */
export const STREAM_CHECKS: ConformanceCheck[] = [
  {
    area,
    name: "stream() yields every row in order, in batches of any size",
    async run(ctx) {
      const { sql, params } = await series(ctx, 1_000);
      for (const batchSize of [1, 7, 500]) {
        let expected = 0;
        for await (const row of ctx.db.stream<{ n: number }>(sql, params, { batchSize })) {
          expected++;
          if (row.n !== expected) expectEqual(row, { n: expected }, `row ${expected} with batchSize ${batchSize}`);
        }
        expectEqual(expected, 1_000, `rows streamed with batchSize ${batchSize}`);
      }
    },
  },
  {
    area,
    name: "stream() holds constant memory over 200,000 rows",
    async run(ctx) {
      const { sql, params } = await series(ctx, 200_000, "x".repeat(100));
      const gc = collector();
      gc();
      const before = process.memoryUsage().heapUsed;
      let count = 0;
      let peak = 0;
      for await (const row of ctx.db.stream<{ n: number }>(sql, params)) {
        count++;
        if (row.n !== count) expectEqual(row.n, count, `row ${count}'s n`);
        if (count % 20_000 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed - before);
        }
      }
      expectEqual(count, 200_000, "rows streamed");
      // Holding 200,000 rows of ~120 bytes at once would grow the heap by well over 30 MB.
      ensure(peak < 12 * 1024 * 1024, `the heap grew by ${Math.round(peak / 1024 / 1024)} MB while streaming: rows are being buffered, not streamed`);
    },
  },
  {
    area,
    name: "breaking out of a stream early releases its connection",
    async run(ctx) {
      await ctx.withDatabase({ pool: { max: 1, acquireTimeoutMs: 2_000 } }, async (db) => {
        const { sql, params } = await series(ctx, 10_000, "", db);
        let seen = 0;
        for await (const _ of db.stream(sql, params, { batchSize: 10 })) if (++seen === 5) break;
        expectEqual(db.metrics().active, 0, "connections still in use after the loop ended");
        expectEqual((await db.all(sql, params)).length, 10_000, "rows of a query on the same one-connection pool");
      });
    },
  },
  {
    area,
    name: "a stream that fails raises a polysql error and releases its connection",
    async run(ctx) {
      const consume = async () => {
        for await (const _ of ctx.db.stream("SELECT * FROM cf_no_such_table")) void _;
      };
      await expectCode(consume, "undefined_table", "streaming a missing table");
      expectEqual(ctx.db.metrics().active, 0, "connections still in use after the failed stream");
    },
  },
  {
    area,
    name: "a stream inside a transaction sees the transaction's own writes",
    async run(ctx) {
      const t = await createTable(ctx, "stream_tx", `id ${ctx.type("INTEGER")} PRIMARY KEY`);
      const seen = await ctx.db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${t} (id) VALUES (1), (2), (3)`);
        const ids: number[] = [];
        for await (const row of tx.stream<{ id: number }>(`SELECT id FROM ${t} ORDER BY id`, undefined, { batchSize: 2 })) ids.push(row.id);
        await tx.execute(`INSERT INTO ${t} (id) VALUES (4)`);
        return ids;
      });
      expectEqual(seen, [1, 2, 3], "rows streamed inside the transaction");
      expectEqual(await ctx.db.value(`SELECT count(*) FROM ${t}`), 4, "rows after commit");
    },
  },
];
