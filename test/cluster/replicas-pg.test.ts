// @cluster pg-replicas
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type Database, PolysqlError } from "../../src/index.js";
import { clusterUrl, clusterUrls, portOf, until } from "../support/cluster.js";

// Read replicas on a real PostgreSQL 15 primary with two streaming standbys (scripts/cluster.sh
// pg-replicas): routing checked with inet_server_port(), read-your-writes by WAL LSN against a
// standby delayed with recovery_min_apply_delay (set at runtime), lag-based rotation, a
// standby refusing a write (25006), metrics() and health() per node. Tables start with rpg_.

const TAG = `rpg${process.pid}`;
const BOUND = { timeout: 300_000 };

let primaryUrl: string;
let replicaUrls: string[];
let primaryPort: number;
let replicaPorts: number[];

/** Sets the second standby's recovery_min_apply_delay at runtime (ALTER SYSTEM on the standby itself). */
async function setDelay(ms: number): Promise<void> {
  const standby = await connect(replicaUrls[1]);
  try {
    await standby.execute(ms === 0 ? "ALTER SYSTEM RESET recovery_min_apply_delay" : `ALTER SYSTEM SET recovery_min_apply_delay = '${ms}ms'`);
    await standby.execute("SELECT pg_reload_conf()");
    await until(
      async () => (await standby.value("SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'")) === String(ms),
      5_000,
      "delay applied",
    );
  } finally {
    await standby.close();
  }
}

/** Counts which port answered each of `fn`'s reads. */
function tally(ports: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of ports) out.set(p, (out.get(p) ?? 0) + 1);
  return out;
}

describe("read replicas on PostgreSQL streaming replication", () => {
  let db: Database;

  before(async () => {
    primaryUrl = clusterUrl("POLYSQL_PG_PRIMARY_URL");
    replicaUrls = clusterUrls("POLYSQL_PG_REPLICA_URLS");
    primaryPort = portOf(primaryUrl);
    replicaPorts = replicaUrls.map(portOf);
    await setDelay(0);
    db = await connect({ url: primaryUrl, replicas: replicaUrls, replicaCheckIntervalMs: 100, maxReplicaLagMs: 2_000 });
    await db.execute(`DROP TABLE IF EXISTS ${TAG}`);
    await db.execute(`CREATE TABLE ${TAG} (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`);
    await db.execute(`INSERT INTO ${TAG} (id, v) SELECT g, 0 FROM generate_series(1, 100) g`);
  });
  after(async () => {
    await setDelay(0).catch(() => undefined);
    await db?.execute(`DROP TABLE IF EXISTS ${TAG}`).catch(() => undefined);
    await db?.execute(`DROP FUNCTION IF EXISTS ${TAG}_bump()`).catch(() => undefined);
    await db?.close();
  });

  it("plain reads reach both replicas; writes, transactions, connection() and db.primary reach the primary", BOUND, async () => {
    const reads = await Promise.all(Array.from({ length: 40 }, () => db.context(() => db.value<number>("SELECT inet_server_port()"))));
    const byPort = tally(reads as number[]);
    assert.deepEqual([...byPort.keys()].sort(), [...replicaPorts].sort(), `reads went to ${[...byPort.entries()]}`);
    assert.equal(await db.value(`UPDATE ${TAG} SET v = v WHERE id = 1 RETURNING inet_server_port()`), primaryPort, "a write");
    assert.equal(
      await db.value(`WITH w AS (UPDATE ${TAG} SET v = v WHERE id = 1 RETURNING id) SELECT inet_server_port() FROM w`),
      primaryPort,
      "a data-modifying CTE",
    );
    assert.equal(await db.value(`SELECT inet_server_port() FROM ${TAG} WHERE id = 1 FOR UPDATE`), primaryPort, "SELECT ... FOR UPDATE");
    assert.equal(await db.transaction((tx) => tx.value("SELECT inet_server_port()")), primaryPort, "a transaction's read");
    assert.equal(await db.transaction((tx) => tx.value("SELECT inet_server_port()"), { readOnly: true }), primaryPort, "a read-only transaction");
    assert.equal(await db.connection((conn) => conn.value("SELECT inet_server_port()")), primaryPort, "connection()");
    assert.equal(await db.primary.value("SELECT inet_server_port()"), primaryPort, "db.primary");
    assert.ok(replicaPorts.includes((await db.replica.value<number>("SELECT inet_server_port()")) ?? 0), "db.replica");
    // A stream of a plain read comes from a replica too.
    const streamed: number[] = [];
    for await (const row of db.context(() => db.stream<{ port: number }>("SELECT inet_server_port() AS port"))) streamed.push(row.port);
    assert.ok(replicaPorts.includes(streamed[0]), `stream from ${streamed[0]}`);
    const nodes = db.metrics().nodes ?? [];
    assert.deepEqual(
      nodes.map((n) => [n.role, n.state]),
      [
        ["primary", "up"],
        ["replica", "up"],
        ["replica", "up"],
      ],
    );
    assert.ok(nodes[1].statements > 0 && nodes[2].statements > 0, "both replicas served reads");
  });

  it("a statement a standby refuses as a write (25006) runs on the primary once; through db.replica it is a read_only error", BOUND, async () => {
    await db.execute(`CREATE OR REPLACE FUNCTION ${TAG}_bump() RETURNS integer LANGUAGE sql AS $$ UPDATE ${TAG} SET v = v + 1 WHERE id = 2 RETURNING v $$`);
    const before = db.metrics().nodes?.[0].statements ?? 0;
    // The lexer sees a plain SELECT; the function writes.
    assert.equal(await db.value(`SELECT ${TAG}_bump()`), 1);
    assert.equal((db.metrics().nodes?.[0].statements ?? 0) - before, 1, "sent to the primary once");
    assert.equal(await db.primary.value(`SELECT v FROM ${TAG} WHERE id = 2`), 1, "and it ran once");
    await assert.rejects(
      db.replica.value(`SELECT ${TAG}_bump()`),
      (err) => err instanceof PolysqlError && err.code === "read_only" && err.engineCode === "25006",
    );
  });

  it("read-your-writes: 10,000 write-then-read pairs against a standby delayed 500 ms, 0 stale; other contexts keep reading from it", BOUND, async () => {
    await setDelay(500);
    // The control: without read-your-writes the same pairs read stale rows from the delayed standby.
    const careless = await connect({ url: primaryUrl, replicas: [replicaUrls[1]], readYourWrites: false, replicaCheckIntervalMs: 100, maxReplicaLagMs: 2_000 });
    try {
      let staleWithout = 0;
      for (let i = 1; i <= 20; i++) {
        await careless.execute(`UPDATE ${TAG} SET v = :v WHERE id = 9`, { v: -i });
        if ((await careless.value<number>(`SELECT v FROM ${TAG} WHERE id = 9`)) !== -i) staleWithout++;
      }
      assert.ok(staleWithout >= 15, `without readYourWrites ${staleWithout} of 20 reads were stale`);
    } finally {
      await careless.close();
    }
    const delayed = await connect({ url: primaryUrl, replicas: [replicaUrls[1]], replicaCheckIntervalMs: 100, maxReplicaLagMs: 2_000 });
    try {
      // The monitor sees the standby's real lag once writes flow.
      const warm = (async () => {
        for (let i = 0; i < 20; i++) await delayed.execute(`UPDATE ${TAG} SET v = v WHERE id = 100`);
      })();
      await warm;
      let stale = 0;
      let pairs = 0;
      const writers = Array.from({ length: 20 }, (_, w) =>
        delayed.context(async () => {
          for (let i = 1; i <= 500; i++) {
            await delayed.execute(`UPDATE ${TAG} SET v = :v WHERE id = :id`, { v: i, id: w + 10 });
            const seen = await delayed.value<number>(`SELECT v FROM ${TAG} WHERE id = :id`, { id: w + 10 });
            if (seen !== i) stale++;
            pairs++;
          }
        }),
      );
      let done = false;
      const otherPorts: number[] = [];
      const readers = Array.from({ length: 4 }, () =>
        delayed.context(async () => {
          while (!done) otherPorts.push((await delayed.value<number>("SELECT inet_server_port()")) ?? 0);
        }),
      );
      const started = performance.now();
      await Promise.all(writers);
      const elapsed = performance.now() - started;
      done = true;
      await Promise.all(readers);
      const onReplica = otherPorts.filter((p) => p === replicaPorts[1]).length / otherPorts.length;
      const ryw = delayed.metrics().readYourWrites;
      console.log(
        `[rpg] 500 ms standby: ${pairs} pairs in ${Math.round(elapsed)} ms, ${stale} stale; other contexts: ${otherPorts.length} reads, ${(onReplica * 100).toFixed(1)}% on the standby; readYourWrites ${JSON.stringify(ryw)}; lag ${delayed.metrics().nodes?.[1].lagMs} ms`,
      );
      assert.equal(pairs, 10_000);
      assert.equal(stale, 0);
      assert.ok(onReplica >= 0.9, `${(onReplica * 100).toFixed(1)}% of other contexts' reads on the standby`);
    } finally {
      await delayed.close();
    }
  });

  it("read-your-writes with a fast and a delayed standby: reads wait briefly for the fast one (wait p50/p99 measured)", BOUND, async () => {
    await setDelay(500);
    let stale = 0;
    const before = db.metrics().readYourWrites!;
    await Promise.all(
      Array.from({ length: 10 }, (_, w) =>
        db.context(async () => {
          for (let i = 1; i <= 200; i++) {
            await db.execute(`UPDATE ${TAG} SET v = :v WHERE id = :id`, { v: 1000 + i, id: w + 40 });
            if ((await db.value<number>(`SELECT v FROM ${TAG} WHERE id = :id`, { id: w + 40 })) !== 1000 + i) stale++;
          }
        }),
      ),
    );
    const ryw = db.metrics().readYourWrites!;
    console.log(`[rpg] fast + 500 ms standbys: 2000 pairs, ${stale} stale; readYourWrites ${JSON.stringify(ryw)}`);
    assert.equal(stale, 0);
    assert.ok(ryw.onReplica - before.onReplica >= 1_800, `${ryw.onReplica - before.onReplica} of 2000 reads after writes served by a standby`);
  });

  it("a standby lagging past maxReplicaLagMs leaves the rotation and comes back once it catches up", BOUND, async () => {
    await setDelay(0);
    const lagDb = await connect({ url: primaryUrl, replicas: replicaUrls, replicaCheckIntervalMs: 100, maxReplicaLagMs: 1_000, readYourWrites: false });
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await lagDb.execute(`UPDATE ${TAG} SET v = v + 1 WHERE id = 99`);
        await sleep(20);
      }
    })();
    try {
      const state = () => lagDb.metrics().nodes?.[2];
      await setDelay(3_000);
      await until(() => state()?.state === "lagging", 10_000, "the delayed standby lagging");
      const lagging = state()!;
      assert.ok((lagging.lagMs ?? 0) > 1_000, `lag ${lagging.lagMs} ms`);
      const reads = tally((await Promise.all(Array.from({ length: 30 }, () => lagDb.value<number>("SELECT inet_server_port()")))) as number[]);
      assert.deepEqual([...reads.keys()], [replicaPorts[0]], "only the standby in the rotation answers");
      await setDelay(0);
      await until(() => state()?.state === "up", 15_000, "the standby back in the rotation");
      const back = tally((await Promise.all(Array.from({ length: 30 }, () => lagDb.value<number>("SELECT inet_server_port()")))) as number[]);
      assert.ok(back.has(replicaPorts[1]), `reads reach the caught-up standby again: ${[...back.entries()]}`);
      const health = await lagDb.health();
      assert.deepEqual(
        health.nodes?.map((n) => [n.role, n.ok]),
        [
          ["primary", true],
          ["replica", true],
          ["replica", true],
        ],
      );
    } finally {
      writing = false;
      await writer;
      await lagDb.close();
    }
  });
});
