// @cluster mariadb-replica
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type Database, PolysqlError } from "../../src/index.js";
import { adminUrl, clusterUrl, clusterUrls, portOf, until } from "../support/cluster.js";

// Read replicas on a real MariaDB primary and GTID replica (scripts/cluster.sh mariadb-replica):
// routing checked with @@port, read-your-writes by GTID (MASTER_GTID_WAIT), a replica whose SQL
// thread is stopped (lag) leaving the rotation, the read_only replica refusing a write (1290).
// Tables start with rmy_ (the cluster is shared).

const TAG = `rmy${process.pid}`;
const BOUND = { timeout: 300_000 };

describe("read replicas on MariaDB GTID replication", () => {
  let primaryUrl: string;
  let replicaUrl: string;
  let db: Database;
  let primaryAdmin: Database;
  let replicaAdmin: Database;

  before(async () => {
    primaryUrl = clusterUrl("POLYSQL_MYSQL_PRIMARY_URL");
    replicaUrl = clusterUrls("POLYSQL_MYSQL_REPLICA_URLS")[0];
    primaryAdmin = await connect(adminUrl(primaryUrl));
    replicaAdmin = await connect(adminUrl(replicaUrl));
    await replicaAdmin.execute("START SLAVE");
    db = await connect({ url: primaryUrl, replicas: [replicaUrl], replicaCheckIntervalMs: 100, maxReplicaLagMs: 1_000 });
    await db.execute(`DROP TABLE IF EXISTS ${TAG}`);
    await db.execute(`CREATE TABLE ${TAG} (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`);
    await db.execute(`INSERT INTO ${TAG} (id, v) VALUES ${Array.from({ length: 50 }, (_, i) => `(${i + 1}, 0)`).join(", ")}`);
  });
  after(async () => {
    await replicaAdmin?.execute("START SLAVE").catch(() => undefined);
    await db?.execute(`DROP TABLE IF EXISTS ${TAG}`).catch(() => undefined);
    await primaryAdmin?.execute(`DROP FUNCTION IF EXISTS ${TAG}_bump`).catch(() => undefined);
    await Promise.all([db, primaryAdmin, replicaAdmin].map((d) => d?.close()));
  });

  it("plain reads reach the replica; writes and transactions reach the primary", BOUND, async () => {
    const reads = await Promise.all(Array.from({ length: 20 }, () => db.context(() => db.value("SELECT @@port"))));
    assert.deepEqual([...new Set(reads.map(Number))], [portOf(replicaUrl)]);
    assert.equal(Number(await db.transaction((tx) => tx.value("SELECT @@port"))), portOf(primaryUrl));
    assert.equal(Number(await db.primary.value("SELECT @@port")), portOf(primaryUrl));
    assert.equal(Number(await db.value(`SELECT @@port FROM ${TAG} WHERE id = 1 FOR UPDATE`)), portOf(primaryUrl), "a locking read");
    assert.equal((await db.execute(`UPDATE ${TAG} SET v = 1 WHERE id = 1`)).rowCount, 1);
  });

  it("a write the read_only replica refuses (1290) runs on the primary once", BOUND, async () => {
    // A stored function that writes (declared DETERMINISTIC: with binary logging on, MariaDB creates no other kind without log_bin_trust_function_creators).
    await primaryAdmin.execute(`DROP FUNCTION IF EXISTS ${TAG}_bump`);
    await primaryAdmin.execute(
      `CREATE FUNCTION ${TAG}_bump() RETURNS INTEGER DETERMINISTIC MODIFIES SQL DATA BEGIN UPDATE ${TAG} SET v = v + 1 WHERE id = 2; RETURN (SELECT v FROM ${TAG} WHERE id = 2); END`,
    );
    await until(async () => (await replicaAdmin.value<number>(`SELECT COUNT(*) FROM information_schema.routines WHERE routine_name = '${TAG}_bump'`)) === 1);
    assert.equal(Number(await db.value(`SELECT ${TAG}_bump()`)), 1);
    assert.equal(Number(await db.primary.value(`SELECT v FROM ${TAG} WHERE id = 2`)), 1, "it ran once");
    await assert.rejects(db.replica.value(`SELECT ${TAG}_bump()`), (err) => err instanceof PolysqlError && err.code === "read_only");
  });

  it("read-your-writes by GTID: 2,000 write-then-read pairs, 0 stale (MASTER_GTID_WAIT)", BOUND, async () => {
    let stale = 0;
    const before = db.metrics().readYourWrites!;
    await Promise.all(
      Array.from({ length: 10 }, (_, w) =>
        db.context(async () => {
          for (let i = 1; i <= 200; i++) {
            await db.execute(`UPDATE ${TAG} SET v = :v WHERE id = :id`, { v: i, id: w + 10 });
            if (Number(await db.value(`SELECT v FROM ${TAG} WHERE id = :id`, { id: w + 10 })) !== i) stale++;
          }
        }),
      ),
    );
    const ryw = db.metrics().readYourWrites!;
    console.log(`[rmy] 2000 pairs, ${stale} stale; readYourWrites ${JSON.stringify(ryw)}`);
    assert.equal(stale, 0);
    assert.ok(ryw.onReplica - before.onReplica >= 1_500, `${ryw.onReplica - before.onReplica} of 2000 reads after writes on the replica`);
  });

  it("a replica whose SQL thread stops falls behind, leaves the rotation, and comes back; reads after writes never see stale rows", BOUND, async () => {
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await db.execute(`UPDATE ${TAG} SET v = v + 1 WHERE id = 50`);
        await sleep(20);
      }
    })();
    try {
      await replicaAdmin.execute("STOP SLAVE SQL_THREAD");
      await until(() => db.metrics().nodes?.[1].state === "lagging", 10_000, "the replica lagging");
      // Out of the rotation: plain reads on the primary; a read after a write is never stale.
      assert.equal(Number(await db.value("SELECT @@port")), portOf(primaryUrl));
      await db.execute(`UPDATE ${TAG} SET v = 777 WHERE id = 3`);
      assert.equal(Number(await db.value(`SELECT v FROM ${TAG} WHERE id = 3`)), 777);
      await replicaAdmin.execute("START SLAVE SQL_THREAD");
      await until(() => db.metrics().nodes?.[1].state === "up", 15_000, "the replica back");
      assert.equal(Number(await db.context(() => db.value("SELECT @@port"))), portOf(replicaUrl));
    } finally {
      writing = false;
      await writer;
    }
  });
});
