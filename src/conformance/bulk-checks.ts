import type { ConformanceCheck } from "./conformance-check.js";
import { expectCode, expectEqual } from "./expect.js";
import { createTable } from "./fixtures.js";

const area = "bulk";

function scores(ctx: Parameters<ConformanceCheck["run"]>[0]): Promise<string> {
  return createTable(
    ctx,
    "scores",
    `id ${ctx.type("INTEGER")} PRIMARY KEY, name ${ctx.type("VARCHAR")}(20) NOT NULL, score ${ctx.type("INTEGER")}, flag ${ctx.type("BOOLEAN")}`,
  );
}

function rows(count: number, from = 1) {
  return Array.from({ length: count }, (_, i) => ({ id: from + i, name: `p${from + i}`, score: (from + i) % 97, flag: (from + i) % 2 === 0 }));
}

/** Bulk writes: insertMany is complete, chunked, all or nothing. */
export const BULK_CHECKS: ConformanceCheck[] = [
  {
    area,
    name: "insertMany writes every row with its values and returns the count",
    async run(ctx) {
      const t = await scores(ctx);
      const input = rows(5_000);
      expectEqual(await ctx.db.insertMany(t, input), 5_000, "insertMany's count");
      expectEqual(await ctx.db.value(`SELECT count(*) FROM ${t}`), 5_000, "rows in the table");
      expectEqual(
        Number(await ctx.db.value(`SELECT sum(score) FROM ${t}`)),
        input.reduce((s, r) => s + r.score, 0),
        "sum of score",
      );
      expectEqual(
        await ctx.db.all(`SELECT id, name, score, flag FROM ${t} WHERE id IN (1, 2500, 5000) ORDER BY id`),
        [input[0], input[2499], input[4999]],
        "sample rows",
      );
    },
  },
  {
    area,
    name: "insertMany honours chunkSize and reports progress per chunk",
    async run(ctx) {
      const t = await scores(ctx);
      const progress: number[] = [];
      const count = await ctx.db.insertMany(t, rows(1_000), { chunkSize: 300, onProgress: (n) => progress.push(n) });
      expectEqual(count, 1_000, "insertMany's count");
      expectEqual(progress, [300, 600, 900, 1_000], "onProgress calls");
    },
  },
  {
    area,
    name: "insertMany reads an async iterable, such as another query's stream",
    async run(ctx) {
      const t = await scores(ctx);
      async function* generate() {
        yield* rows(250);
      }
      expectEqual(await ctx.db.insertMany(t, generate()), 250, "rows from an async generator");
      expectEqual(await ctx.db.value(`SELECT max(id) FROM ${t}`), 250, "max(id)");
    },
  },
  {
    area,
    name: "a failing row in the middle of insertMany leaves nothing behind",
    async run(ctx) {
      const t = await scores(ctx);
      const input = rows(3_000);
      input[2_000] = { ...input[2_000], id: 5 };
      await expectCode(ctx.db.insertMany(t, input, { chunkSize: 500 }), "unique_violation", "a duplicate id at row 2000");
      expectEqual(await ctx.db.value(`SELECT count(*) FROM ${t}`), 0, "rows left after the failed insertMany");
    },
  },
  {
    area,
    name: "rows with differing columns are an invalid_parameter error before anything is written",
    async run(ctx) {
      const t = await scores(ctx);
      const input: object[] = rows(3);
      input[2] = { id: 3, name: "x", points: 1, flag: true };
      await expectCode(ctx.db.insertMany(t, input), "invalid_parameter", "a row with another column");
      expectEqual(await ctx.db.value(`SELECT count(*) FROM ${t}`), 0, "rows written");
    },
  },
  {
    area,
    name: "insertMany inside a transaction rolls back with it",
    async run(ctx) {
      const t = await scores(ctx);
      await ctx.db
        .transaction(async (tx) => {
          await tx.insertMany(t, rows(100));
          throw new Error("undo");
        })
        .catch(() => undefined);
      expectEqual(await ctx.db.value(`SELECT count(*) FROM ${t}`), 0, "rows after the rollback");
    },
  },
];
