import type { Database } from "../database.js";
import { ConstraintError, PolysqlError, QueryError } from "../errors.js";
import type { CheckContext, ConformanceCheck } from "./conformance-check.js";
import { ensure, expectCode, expectEqual } from "./expect.js";
import { createTable } from "./fixtures.js";

const area = "errors";

/** A parent table with a unique email, a NOT NULL column and a CHECK; a child with a foreign key to it. */
async function family(ctx: CheckContext, db?: Database): Promise<{ parent: string; child: string }> {
  const int = ctx.type("INTEGER");
  ctx.table("parent"); // registered first, so the child is dropped first
  const child = ctx.table("child");
  await (db ?? ctx.db).execute(`DROP TABLE IF EXISTS ${child}`);
  const parent = await createTable(
    ctx,
    "parent",
    `id ${int} PRIMARY KEY, email ${ctx.type("VARCHAR")}(5) NOT NULL, qty ${int}, CONSTRAINT cf_parent_email_unique UNIQUE (email), CONSTRAINT cf_parent_qty_positive CHECK (qty > 0)`,
    db,
  );
  await createTable(
    ctx,
    "child",
    `id ${int} PRIMARY KEY, parent_id ${int} NOT NULL, CONSTRAINT cf_child_parent_fk FOREIGN KEY (parent_id) REFERENCES ${parent} (id)`,
    db,
  );
  await (db ?? ctx.db).execute(`INSERT INTO ${parent} (id, email, qty) VALUES (1, 'a@x', 1), (2, 'b@x', 2)`);
  return { parent, child };
}

function constraintCheck(
  name: string,
  code: "unique_violation" | "foreign_key_violation" | "not_null_violation" | "check_violation",
  statement: (t: { parent: string; child: string }) => string,
): ConformanceCheck {
  return {
    area,
    name,
    async run(ctx) {
      const tables = await family(ctx);
      const e = await expectCode(ctx.db.execute(statement(tables), { v: null }), code, statement(tables));
      ensure(e instanceof ConstraintError, `a ${code} must be a ConstraintError, got ${e.constructor.name}`);
      expectEqual(e.transient, false, `${code}.transient`);
      if (code === "not_null_violation") expectEqual(e.column, "email", "the column the not_null_violation names");
    },
  };
}

/** The error taxonomy: the codes the backend's capabilities say it can produce, with their details. */
export const ERROR_CHECKS: ConformanceCheck[] = [
  constraintCheck(
    "a duplicate key is a unique_violation (ConstraintError, not transient)",
    "unique_violation",
    (t) => `INSERT INTO ${t.parent} (id, email, qty) VALUES (3, 'a@x', 1)`,
  ),
  constraintCheck("a missing parent is a foreign_key_violation", "foreign_key_violation", (t) => `INSERT INTO ${t.child} (id, parent_id) VALUES (1, 999)`),
  constraintCheck(
    "NULL in a NOT NULL column is a not_null_violation naming the column",
    "not_null_violation",
    (t) => `INSERT INTO ${t.parent} (id, email, qty) VALUES (4, :v, 1)`,
  ),
  constraintCheck("a failed CHECK is a check_violation", "check_violation", (t) => `INSERT INTO ${t.parent} (id, email, qty) VALUES (5, 'c@x', -1)`),
  {
    area,
    name: "bad SQL is a syntax_error; a missing table undefined_table; a missing column undefined_column",
    async run(ctx) {
      const { parent } = await family(ctx);
      await expectCode(ctx.db.all(`SELEC * FROM ${parent}`), "syntax_error", "SELEC *");
      const e = await expectCode(ctx.db.all(`SELECT * FROM cf_no_such_table`), "undefined_table", "a missing table");
      ensure(e instanceof QueryError, `undefined_table must be a QueryError, got ${e.constructor.name}`);
      await expectCode(ctx.db.all(`SELECT no_such_column FROM ${parent}`), "undefined_column", "a missing column");
    },
  },
  {
    area,
    name: "a value that does not fit its column is a data_exception",
    requires: ["strictTypes"],
    async run(ctx) {
      const { parent } = await family(ctx);
      await expectCode(
        ctx.db.execute(`INSERT INTO ${parent} (id, email, qty) VALUES (6, 'd@x', :q)`, { q: "abc" }),
        "data_exception",
        "text into an INTEGER column",
      );
      await expectCode(
        ctx.db.execute(`INSERT INTO ${parent} (id, email, qty) VALUES (7, :e, 1)`, { e: "far too long" }),
        "data_exception",
        "12 characters into VARCHAR(5)",
      );
    },
  },
  {
    area,
    name: "errors carry the SQL text without the values, the engine and the driver error as cause",
    async run(ctx) {
      const sql = "SELECT * FROM cf_missing WHERE x = :secret";
      const e = await expectCode(ctx.db.all(sql, { secret: "hunter2" }), "undefined_table", "a missing table");
      ensure(typeof e.sql === "string" && e.sql.includes("cf_missing"), `error.sql must hold the statement, got ${JSON.stringify(e.sql)}`);
      ensure(!`${e.message} ${e.sql}`.includes("hunter2"), "the error's message or sql shows a bound value");
      expectEqual(e.engine, ctx.backend.name, "error.engine");
      ensure(e.cause !== undefined, "error.cause must hold the driver's error");
      ensure(!(e.cause instanceof PolysqlError), "error.cause must be the driver's own error");
    },
  },
  {
    area,
    name: "two transactions locking rows in opposite order: one gets a transient deadlock",
    requires: ["concurrentConnections", "deadlockDetection"],
    async run(ctx) {
      await ctx.withDatabase({ pool: { max: 2 } }, async (db) => {
        const { parent } = await family(ctx, db);
        let count = 0;
        let bothLocked!: () => void;
        const barrier = new Promise<void>((r) => (bothLocked = r));
        const arrive = () => ++count === 2 && bothLocked();
        const side = (first: number, second: number) =>
          db.transaction(async (tx) => {
            await tx.execute(`UPDATE ${parent} SET qty = qty + 1 WHERE id = :id`, { id: first });
            arrive();
            await barrier;
            await tx.execute(`UPDATE ${parent} SET qty = qty + 1 WHERE id = :id`, { id: second });
          });
        const results = await Promise.allSettled([side(1, 2), side(2, 1)]);
        const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as PolysqlError);
        expectEqual(failures.length, 1, "transactions that failed (exactly one is the victim)");
        expectEqual(failures[0].code, "deadlock", "the victim's error code");
        expectEqual(failures[0].transient, true, "deadlock.transient");
      });
    },
  },
  {
    area,
    name: "SERIALIZABLE write skew ends with a transient serialization_failure",
    requires: ["concurrentConnections", "serializationFailures"],
    async run(ctx) {
      await ctx.withDatabase({ pool: { max: 2 } }, async (db) => {
        const { parent } = await family(ctx, db);
        let count = 0;
        let bothRead!: () => void;
        const barrier = new Promise<void>((r) => (bothRead = r));
        const side = (id: number) =>
          db.transaction(
            async (tx) => {
              await tx.value(`SELECT sum(qty) FROM ${parent}`);
              if (++count === 2) bothRead();
              await barrier;
              await tx.execute(`UPDATE ${parent} SET qty = qty + 1 WHERE id = :id`, { id });
            },
            { isolation: "serializable" },
          );
        const results = await Promise.allSettled([side(1), side(2)]);
        const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as PolysqlError);
        expectEqual(failures.length, 1, "transactions that failed");
        expectEqual(failures[0].code, "serialization_failure", "the failed one's error code");
        expectEqual(failures[0].transient, true, "serialization_failure.transient");
      });
    },
  },
];
