import type { Database } from "../database.js";
import { PolysqlError } from "../errors.js";
import type { Transaction } from "../transaction.js";
import type { CheckContext, ConformanceCheck } from "./conformance-check.js";
import { ensure, expectCode, expectEqual, show } from "./expect.js";
import { createTable } from "./fixtures.js";

const area = "transactions";

function ledger(ctx: CheckContext, db?: Database): Promise<string> {
  return createTable(ctx, "ledger", `id ${ctx.type("INTEGER")} PRIMARY KEY, note ${ctx.type("VARCHAR")}(40)`, db);
}

async function ids(db: Database, table: string): Promise<number[]> {
  return (await db.all<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id);
}

/** Rejects with exactly `expected` (the same object), else fails. */
async function expectRethrown(promise: Promise<unknown>, expected: unknown, what: string): Promise<void> {
  const outcome = await promise.then(
    () => "it succeeded",
    (err: unknown) => (err === expected ? undefined : `got ${show(err)}`),
  );
  ensure(outcome === undefined, `${what}: expected the callback's own error to be rethrown, ${outcome}`);
}

/** Transactions: commit, rollback, savepoints, isolation, read-only, transactional DDL. */
export const TRANSACTION_CHECKS: ConformanceCheck[] = [
  {
    area,
    name: "commits when the callback returns, and returns its value",
    async run(ctx) {
      const t = await ledger(ctx);
      const value = await ctx.db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${t} (id, note) VALUES (1, 'a')`);
        await tx.execute(`INSERT INTO ${t} (id, note) VALUES (2, 'b')`);
        return "done";
      });
      expectEqual(value, "done", "transaction()'s result");
      expectEqual(await ids(ctx.db, t), [1, 2], "rows after commit");
    },
  },
  {
    area,
    name: "rolls back and rethrows the callback's own error",
    async run(ctx) {
      const t = await ledger(ctx);
      const boom = new Error("boom");
      await expectRethrown(
        ctx.db.transaction(async (tx) => {
          await tx.execute(`INSERT INTO ${t} (id, note) VALUES (1, 'a')`);
          throw boom;
        }),
        boom,
        "a throwing callback",
      );
      expectEqual(await ids(ctx.db, t), [], "rows after rollback");
    },
  },
  {
    area,
    name: "a failing statement rolls back the whole transaction, with a typed error",
    async run(ctx) {
      const t = await ledger(ctx);
      const attempt = ctx.db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${t} (id, note) VALUES (1, 'a')`);
        await tx.execute(`INSERT INTO ${t} (id, note) VALUES (1, 'again')`);
      });
      await expectCode(attempt, "unique_violation", "a duplicate key inside a transaction");
      expectEqual(await ids(ctx.db, t), [], "rows after the failed transaction");
    },
  },
  {
    area,
    name: "no transaction is left open on the connection after a failed one",
    async run(ctx) {
      const t = await ledger(ctx);
      await ctx.withDatabase({ pool: { max: 1 } }, async (db) => {
        await db.transaction(async (tx) => tx.execute(`INSERT INTO ${t} (id) VALUES (1)`).then(() => tx.execute(`SELEC 1`))).catch(() => undefined);
        await db.execute(`INSERT INTO ${t} (id, note) VALUES (2, 'after')`);
      });
      // Closing the database discarded anything uncommitted: the insert must have been committed on its own.
      expectEqual(await ids(ctx.db, t), [2], "rows seen from a fresh connection");
    },
  },
  {
    area,
    name: "a nested transaction is a savepoint: an inner failure undoes only the inner work",
    requires: ["savepoints"],
    async run(ctx) {
      const t = await ledger(ctx);
      await ctx.db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${t} (id) VALUES (1)`);
        const inner = tx.transaction(async (sp) => {
          await sp.execute(`INSERT INTO ${t} (id) VALUES (2)`);
          await sp.execute(`INSERT INTO ${t} (id) VALUES (1)`);
        });
        await expectCode(inner, "unique_violation", "the inner duplicate");
        await tx.transaction((sp) => sp.execute(`INSERT INTO ${t} (id) VALUES (3)`));
      });
      expectEqual(await ids(ctx.db, t), [1, 3], "rows after an inner rollback and an inner commit");
    },
  },
  {
    area,
    name: "an outer rollback undoes released savepoints too",
    requires: ["savepoints"],
    async run(ctx) {
      const t = await ledger(ctx);
      const attempt = ctx.db.transaction(async (tx) => {
        await tx.transaction((sp) => sp.execute(`INSERT INTO ${t} (id) VALUES (1)`));
        throw new Error("outer fails");
      });
      await attempt.catch(() => undefined);
      expectEqual(await ids(ctx.db, t), [], "rows after the outer rollback");
    },
  },
  {
    area,
    name: "a transaction handle used after its callback ended is a transaction_error",
    async run(ctx) {
      const t = await ledger(ctx);
      let leaked!: Transaction;
      await ctx.db.transaction(async (tx) => {
        leaked = tx;
      });
      await expectCode(async () => leaked.execute(`INSERT INTO ${t} (id) VALUES (1)`), "transaction_error", "using a finished transaction");
    },
  },
  {
    area,
    name: "a readOnly transaction refuses writes",
    async run(ctx) {
      const t = await ledger(ctx);
      const attempt = ctx.db.transaction((tx) => tx.execute(`INSERT INTO ${t} (id) VALUES (1)`), { readOnly: true });
      const outcome = await attempt.then(
        () => "it succeeded",
        (err: unknown) => (err instanceof PolysqlError ? undefined : `got ${show(err)}`),
      );
      ensure(outcome === undefined, `a write in a readOnly transaction: expected a PolysqlError, ${outcome}`);
      expectEqual(await ids(ctx.db, t), [], "rows after the refused write");
      expectEqual(await ctx.db.transaction((tx) => tx.value(`SELECT count(*) FROM ${t}`), { readOnly: true }), 0, "a read in a readOnly transaction");
    },
  },
  {
    area,
    name: "every isolation level is accepted",
    async run(ctx) {
      const t = await ledger(ctx);
      for (const isolation of ["read uncommitted", "read committed", "repeatable read", "serializable"] as const) {
        await ctx.db.transaction((tx) => tx.value(`SELECT count(*) FROM ${t}`), { isolation });
      }
      await expectCode(
        ctx.db.transaction(async () => 1, { isolation: "chaos" as never }),
        "config_error",
        "an unknown isolation level",
      );
    },
  },
  {
    area,
    name: "DDL inside a rolled-back transaction is undone",
    requires: ["transactionalDdl"],
    async run(ctx) {
      const t = ctx.table("ddl");
      await ctx.db.execute(`DROP TABLE IF EXISTS ${t}`);
      await ctx.db
        .transaction(async (tx) => {
          await tx.execute(`CREATE TABLE ${t} (id ${ctx.type("INTEGER")})`);
          throw new Error("undo");
        })
        .catch(() => undefined);
      expectEqual(await ctx.db.tableExists(t), false, `tableExists("${t}") after the rollback`);
    },
  },
];
