// @cluster pgbouncer
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { formatReport, runConformance } from "../../src/conformance/index.js";
import { connect, type Database, migrate, PoolerModeError, PolysqlError } from "../../src/index.js";
import { clusterUrl } from "../support/cluster.js";
import { assertConforms } from "../support/conformance.js";
import { migrationDir, resetSchema } from "../support/migration-files.js";

// polysql behind PgBouncer 1.18 in transaction mode (scripts/cluster.sh pgbouncer), in front of
// the pg-replicas primary: pooler: "transaction" prepares no named statements and keeps no
// session state between transactions; what needs a session is a typed error naming the mode,
// or goes through directUrl. Tables start with pgb_ (the cluster is shared).

const TAG = `pgb${process.pid}`;

async function expectPooler(promise: Promise<unknown>, what: RegExp): Promise<PoolerModeError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PoolerModeError, `expected a PoolerModeError, got ${String((err as Error)?.stack ?? err)}`);
    assert.equal(err.code, "pooler_unsupported");
    assert.equal(err.mode, "transaction");
    assert.match(err.message, /pooler: "transaction"/);
    assert.match(err.message, what);
    return err;
  }
  assert.fail("expected pooler_unsupported, but it succeeded");
}

/** 16 callers, each running 25 parameterized statements (4 shapes) through a pool of 8 clients. */
async function parameterizedLoad(db: Database): Promise<void> {
  await Promise.all(
    Array.from({ length: 16 }, async (_, caller) => {
      for (let i = 0; i < 25; i++) {
        const n = caller * 100 + i;
        assert.equal(await db.value(`SELECT :n::int + ${i % 4}`, { n }), n + (i % 4));
      }
    }),
  );
}

describe("PgBouncer in transaction mode", () => {
  let url: string;
  let db: Database;

  before(async () => {
    url = clusterUrl("POLYSQL_PGBOUNCER_URL");
    db = await connect({ url, pooler: "transaction", pool: { max: 8 } });
  });
  after(async () => {
    await db?.execute(`DROP TABLE IF EXISTS ${TAG}`).catch(() => undefined);
    await db?.close();
  });

  it("without pooler mode, named prepared statements break behind it (the reason for the mode)", async () => {
    const plain = await connect({ url, pool: { max: 8 } });
    try {
      const failure = await parameterizedLoad(plain).then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(failure instanceof PolysqlError, "named statements prepared on one server connection are missing or duplicated on another");
      assert.match(failure.message, /prepared statement "polysql_\d+" (does not exist|already exists)/);
    } finally {
      await plain.close();
    }
  });

  it('with pooler: "transaction" the same load runs clean, and so does ?pooler=transaction in the URL', async () => {
    await parameterizedLoad(db);
    const fromUrl = await connect({ url: `${url}?pooler=transaction`, pool: { max: 8 } });
    try {
      await parameterizedLoad(fromUrl);
      await expectPooler(
        fromUrl.connection(() => undefined),
        /db\.connection\(\)/,
      );
    } finally {
      await fromUrl.close();
    }
  });

  it("transactions, streams and COPY (insertMany) work; a transaction's SET LOCAL holds inside it", async () => {
    await db.execute(`CREATE TABLE ${TAG} (id INTEGER PRIMARY KEY, note TEXT)`);
    const seen = await db.transaction(async (tx) => {
      await tx.execute("SET LOCAL statement_timeout = '7s'");
      await tx.execute(`INSERT INTO ${TAG} (id, note) VALUES (:id, :note)`, { id: 1, note: "one" });
      return tx.value("SHOW statement_timeout");
    });
    assert.equal(seen, "7s");
    assert.equal(
      await db.insertMany(
        TAG,
        Array.from({ length: 500 }, (_, i) => ({ id: i + 2, note: `n${i}` })),
      ),
      500,
    );
    let streamed = 0;
    for await (const row of db.stream<{ id: number }>(`SELECT id FROM ${TAG} WHERE id > :min ORDER BY id`, { min: 0 }, { batchSize: 50 })) {
      streamed++;
      assert.equal(row.id, streamed);
    }
    assert.equal(streamed, 501);
  });

  it("db.connection() and session-changing statements outside a transaction are pooler_unsupported errors naming the mode", async () => {
    await expectPooler(
      db.connection(() => undefined),
      /db\.connection\(\)/,
    );
    for (const statement of [
      "SET statement_timeout = '1s'",
      "SELECT pg_advisory_lock(42)",
      "LISTEN polysql_channel",
      "BEGIN",
      "CREATE TEMP TABLE pgb_temp (id INTEGER)",
    ]) {
      const err = await expectPooler(db.execute(statement), /changes the session/);
      assert.equal(err.sql, statement);
    }
    // Nothing was sent: the pool is intact and the server's settings untouched.
    assert.equal(await db.value("SHOW statement_timeout"), "0");
  });

  it("migrations take their lock through directUrl, or fail saying why", async () => {
    const dir = migrationDir({ "V001__pgb.sql": `CREATE TABLE ${TAG}_m (id INTEGER PRIMARY KEY);\nINSERT INTO ${TAG}_m (id) VALUES (1);\n` });
    await resetSchema(db, `${TAG}_m`);
    // migrate() reports, never throws: the error is result.error.
    const refused = await migrate(db, { dir });
    assert.equal(refused.ok, false);
    const failed = await expectPooler(Promise.reject(refused.error), /directUrl/);
    assert.match(failed.message, /migration lock/);
    const withDirect = await connect({ url, pooler: "transaction", directUrl: clusterUrl("POLYSQL_PG_PRIMARY_URL") });
    try {
      const result = await migrate(withDirect, { dir });
      assert.equal(result.ok, true, String(result.error?.message));
      assert.deepEqual(
        result.steps.map((m) => m.version),
        ["001"],
      );
      // The direct connection is closed again; the pooled database sees the migrated table.
      assert.equal(await withDirect.value(`SELECT count(*) FROM ${TAG}_m`), 1);
      await resetSchema(withDirect, `${TAG}_m`);
    } finally {
      await withDirect.close();
    }
  });

  it("the conformance kit passes behind it, the session-bound check skipped for its stated reason", { timeout: 300_000 }, async () => {
    const report = await runConformance({ url, connectOptions: { pooler: "transaction" } });
    const skipped = report.checks.filter((c) => c.status === "skip");
    assert.deepEqual(
      skipped.map((c) => c.area),
      ["sessions"],
      formatReport(report),
    );
    assert.match(skipped[0].reason ?? "", /^pooler: "transaction": needs one server session beyond a transaction/);
    assertConforms({ ...report, checks: report.checks.filter((c) => c.status !== "skip") });
  });
});
