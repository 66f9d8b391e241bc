import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { PolysqlError, Database } from "../src/index.js";
import { dropTables, engines, open } from "./support/engines.js";

for (const engine of engines()) {
  describe(`transactions on ${engine.name}`, () => {
    let db: Database;
    const names = async () => (await db.all<{ name: string }>("SELECT name FROM tx_items ORDER BY name")).map((r) => r.name);

    before(async () => {
      db = await open(engine, { pool: { max: 3 } });
      await dropTables(db, "tx_items");
      await db.execute("CREATE TABLE tx_items (name VARCHAR(50) PRIMARY KEY)");
    });
    beforeEach(() => db.execute("DELETE FROM tx_items"));
    after(async () => {
      await dropTables(db, "tx_items");
      await db.close();
    });

    it("commits when the callback returns, and returns its value", async () => {
      const result = await db.transaction(async (tx) => {
        await tx.execute("INSERT INTO tx_items (name) VALUES (:n)", { n: "a" });
        return tx.value("SELECT count(*) FROM tx_items");
      });
      assert.equal(result, 1);
      assert.deepEqual(await names(), ["a"]);
    });

    it("rolls back and rethrows when the callback rejects", async () => {
      const boom = new Error("boom");
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.execute("INSERT INTO tx_items (name) VALUES ('a')");
          throw boom;
        }),
        (e) => e === boom,
      );
      assert.deepEqual(await names(), []);
    });

    it("rolls back when the callback throws synchronously", async () => {
      await assert.rejects(
        db.transaction((tx) => {
          void tx;
          throw new Error("sync");
        }),
        /sync/,
      );
      assert.equal(db.metrics().active, 0);
    });

    it("rolls back every statement when a later statement fails, and the error is typed", async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.execute("INSERT INTO tx_items (name) VALUES ('a')");
          await tx.execute("INSERT INTO tx_items (name) VALUES ('a')");
        }),
        (e: PolysqlError) => e.code === "unique_violation",
      );
      assert.deepEqual(await names(), []);
    });

    it("the next borrower sees no open transaction after a failed one", async () => {
      for (let i = 0; i < 5; i++) {
        await db
          .transaction(async (tx) => {
            await tx.execute("INSERT INTO tx_items (name) VALUES ('leak')");
            await tx.execute("SELECT * FROM tx_no_such_table");
          })
          .catch(() => undefined);
      }
      // If a connection came back inside the failed transaction, this insert would vanish with it.
      await Promise.all([1, 2, 3].map((i) => db.execute("INSERT INTO tx_items (name) VALUES (:n)", { n: `x${i}` })));
      await db.close();
      db = await open(engine, { pool: { max: 3 } });
      assert.deepEqual(await names(), ["x1", "x2", "x3"]);
    });

    it("nested transactions are savepoints: an inner failure rolls back only the inner work", async () => {
      await db.transaction(async (tx) => {
        await tx.execute("INSERT INTO tx_items (name) VALUES ('outer')");
        await assert.rejects(
          tx.transaction(async (inner) => {
            await inner.execute("INSERT INTO tx_items (name) VALUES ('inner')");
            throw new Error("inner fails");
          }),
          /inner fails/,
        );
        await tx.transaction(async (inner) => {
          await inner.execute("INSERT INTO tx_items (name) VALUES ('inner2')");
          await inner.transaction((deeper) => deeper.execute("INSERT INTO tx_items (name) VALUES ('deep')"));
        });
      });
      assert.deepEqual(await names(), ["deep", "inner2", "outer"]);
    });

    it("a failed statement inside a savepoint leaves the outer transaction usable (PostgreSQL aborts until ROLLBACK TO)", async () => {
      await db.transaction(async (tx) => {
        await tx.execute("INSERT INTO tx_items (name) VALUES ('before')");
        await assert.rejects(
          tx.transaction((inner) => inner.execute("INSERT INTO tx_items (name) VALUES ('before')")),
          (e: PolysqlError) => e.code === "unique_violation",
        );
        await tx.execute("INSERT INTO tx_items (name) VALUES ('after')");
      });
      assert.deepEqual(await names(), ["after", "before"]);
    });

    it("an outer rollback undoes released savepoints too", async () => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.transaction((inner) => inner.execute("INSERT INTO tx_items (name) VALUES ('inner')"));
          throw new Error("outer fails");
        }),
      );
      assert.deepEqual(await names(), []);
    });

    it("a transaction handle used after its callback ended is an error", async () => {
      let leaked: { execute(q: string): Promise<unknown> } | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await assert.rejects(leaked!.execute("INSERT INTO tx_items (name) VALUES ('late')"), (e: PolysqlError) => e.code === "transaction_error");
      assert.deepEqual(await names(), []);
    });

    it("readOnly transactions refuse writes", async () => {
      await assert.rejects(db.transaction((tx) => tx.execute("INSERT INTO tx_items (name) VALUES ('ro')"), { readOnly: true }));
      assert.deepEqual(await names(), []);
      // and the connection is writable again afterwards
      await db.execute("INSERT INTO tx_items (name) VALUES ('rw')");
      assert.deepEqual(await names(), ["rw"]);
    });

    it("accepts every isolation level and rejects unknown ones", async () => {
      for (const isolation of ["read uncommitted", "read committed", "repeatable read", "serializable"] as const) {
        assert.equal(await db.transaction((tx) => tx.value("SELECT 1"), { isolation }), 1);
      }
      await assert.rejects(
        db.transaction(async () => 1, { isolation: "snapshot" as never }),
        (e: PolysqlError) => {
          assert.equal(e.code, "config_error");
          assert.match(e.message, /isolation/);
          return true;
        },
      );
      await assert.rejects(
        db.transaction(async () => 1, { readonly: true } as never),
        /Unknown transaction option "readonly"/,
      );
    });

    it("asking the pool for another connection inside a transaction fails fast when the pool is exhausted", async () => {
      // (SQLite's reads would go to its readers, which the writer's transaction does not hold.)
      const small = await open(engine, { pool: { max: 1, acquireTimeoutMs: 10_000 }, ...(engine.name === "sqlite" ? { readers: 0 } : {}) });
      const started = Date.now();
      await assert.rejects(
        small.transaction(async () => small.value("SELECT 1")),
        (e: PolysqlError) => e.code === "pool_exhausted" && /transaction/.test(e.message),
      );
      assert.ok(Date.now() - started < 2_000, "failed fast instead of waiting for the acquire timeout");
      await small.close();
    });
  });
}
