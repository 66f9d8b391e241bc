import type { ConformanceCheck } from "./conformance-check.js";
import { expectCode, expectEqual } from "./expect.js";

const area = "sessions";

/** One session held across statements (`db.connection()`), and reset before the next borrower. */
export const SESSION_CHECKS: ConformanceCheck[] = [
  {
    area,
    name: "db.connection() keeps one session for its callback, and the next borrower gets it reset",
    // Behind a transaction pooler each statement may land on another server connection: no session to keep.
    needsSession: true,
    async run(ctx) {
      await ctx.withDatabase({ pool: { max: 1 } }, async (db) => {
        const t = ctx.table("session_temp");
        await db.connection(async (conn) => {
          await conn.execute(`CREATE TEMPORARY TABLE ${t} (id ${ctx.type("INTEGER")})`);
          await conn.execute(`INSERT INTO ${t} (id) VALUES (1)`);
          expectEqual(Number(await conn.value(`SELECT count(*) FROM ${t}`)), 1, "rows of the temporary table, read in the same connection() callback");
        });
        await expectCode(
          db.value(`SELECT count(*) FROM ${t}`),
          "undefined_table",
          "the temporary table once its connection went back to the pool (the session must be reset)",
        );
      });
    },
  },
];
