// @cluster galera
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type Database, PolysqlError } from "../../src/index.js";
import { clusterScript, clusterUrl, hostUrls, portOf, until } from "../support/cluster.js";

// A 3-node MariaDB Galera cluster (scripts/cluster.sh galera) as a multi-primary host list:
// connections balanced across Synced nodes, a node stopped and rejoined under load,
// certification conflicts retried by transaction(fn, { retries }), and wsrep_sync_wait for
// causal reads across nodes. Tables start with gal_ (the cluster is shared).

const TAG = `gal${process.pid}`;
const BOUND = { timeout: 300_000 };

describe("MariaDB Galera as a multi-primary host list", () => {
  let url: string;
  let ports: number[];
  let db: Database;

  before(async () => {
    url = clusterUrl("POLYSQL_GALERA_URL");
    ports = hostUrls(url).map(portOf);
    // Connections live 3 s: a rejoined node gets its share as they retire (an open, healthy connection is never moved).
    db = await connect({ url: `${url}?load_balance_hosts=random`, pool: { max: 9, maxLifetimeMs: 3_000 } });
    await db.execute(`DROP TABLE IF EXISTS ${TAG}`);
    await db.execute(`CREATE TABLE ${TAG} (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`);
    await db.execute(`INSERT INTO ${TAG} (id, v) VALUES (1, 0)`);
  });
  after(async () => {
    await clusterScript("start", "galera2").catch(() => undefined);
    await db?.execute(`DROP TABLE IF EXISTS ${TAG}`).catch(() => undefined);
    await db?.close();
  });

  /** Which node each of `n` concurrent statements ran on (concurrency opens up to pool.max connections). */
  async function spread(n: number): Promise<Set<number>> {
    const seen = await Promise.all(Array.from({ length: n }, () => db.transaction(async (tx) => (await sleep(30), Number(await tx.value("SELECT @@port"))))));
    return new Set(seen);
  }

  it("balances new connections across the Synced nodes (load_balance_hosts=random)", BOUND, async () => {
    assert.deepEqual([...(await spread(9))].sort(), [...ports].sort());
  });

  it("a node stopped and rejoined under load: statements keep running on the others, no acknowledged write is lost, the node comes back", BOUND, async () => {
    const acknowledged: number[] = [];
    const errors: string[] = [];
    let running = true;
    let next = 1000;
    const load = Array.from({ length: 6 }, async () => {
      while (running) {
        const id = ++next;
        try {
          await db.execute(`INSERT INTO ${TAG} (id, v) VALUES (:id, 0)`, { id });
          acknowledged.push(id);
          await db.value(`SELECT count(*) FROM ${TAG}`);
        } catch (err) {
          errors.push(err instanceof PolysqlError ? `${err.code}/${(err as { phase?: string }).phase ?? "-"}` : String(err));
          await sleep(20);
        }
      }
    });
    try {
      await until(() => acknowledged.length > 100, 20_000, "load running");
      const stopped = performance.now();
      await clusterScript("stop", "galera2");
      const afterStop = acknowledged.length;
      await until(() => acknowledged.length > afterStop + 200, 20_000, "load continuing on two nodes");
      const down = await spread(9);
      assert.equal(down.has(ports[1]), false, "no statement on the stopped node");
      const rejoinStarted = performance.now();
      await clusterScript("start", "galera2");
      const rejoined = performance.now();
      await until(async () => (await spread(9)).has(ports[1]), 30_000, "connections on the rejoined node");
      running = false;
      await Promise.all(load);
      console.log(
        `[galera] ${acknowledged.length} writes acknowledged, ${errors.length} failed (${[...new Set(errors)].join(", ") || "none"}); node down ${Math.round(rejoinStarted - stopped)} ms, rejoin (IST) ${Math.round(rejoined - rejoinStarted)} ms`,
      );
      // Errors only for statements caught on the node as it shut down.
      assert.ok(
        errors.every((e) => e.startsWith("connection_failure")),
        errors.join(", "),
      );
      assert.ok(errors.length <= 12, `${errors.length} failures`);
      const rows = Number(await db.value(`SELECT count(*) FROM ${TAG} WHERE id > 1000`));
      assert.ok(rows >= acknowledged.length, `${rows} rows for ${acknowledged.length} acknowledged writes`);
    } finally {
      running = false;
      await Promise.all(load);
    }
  });

  it("certification conflicts (deadlock at COMMIT on another node) are transient and retried by transaction(fn, { retries })", BOUND, async () => {
    const nodes = await Promise.all(hostUrls(url).map((u) => connect({ url: u, pool: { max: 4 } })));
    try {
      let attempts = 0;
      const conflicts: string[] = [];
      const increments = 60;
      await Promise.all(
        Array.from({ length: increments }, (_, i) =>
          nodes[i % 3].transaction(
            async (tx) => {
              attempts++;
              // FOR UPDATE serializes the increments on one node; Galera's row locks are not cluster-wide, so
              // increments on two nodes meet at certification: the later COMMIT fails with a deadlock.
              const v = Number(await tx.value(`SELECT v FROM ${TAG} WHERE id = 1 FOR UPDATE`));
              await sleep(5);
              await tx.execute(`UPDATE ${TAG} SET v = :v WHERE id = 1`, { v: v + 1 });
            },
            { retries: 50 },
          ),
        ),
      ).catch((err) => {
        conflicts.push(String(err));
        throw err;
      });
      const final = Number(await nodes[0].primary.value(`SELECT v FROM ${TAG} WHERE id = 1`));
      console.log(
        `[galera] ${increments} increments on 3 nodes: ${attempts} attempts (${attempts - increments} retried after a conflict), final value ${final}`,
      );
      assert.ok(attempts > increments, "some transactions met a certification conflict and ran again");
      // Nodes apply asynchronously: read where the last commit landed, after the cluster caught up.
      await until(async () => Number(await nodes[0].value(`SELECT v FROM ${TAG} WHERE id = 1`)) === increments, 10_000, `v = ${increments}`);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it("wsrep_sync_wait=1: a read on any node sees a write committed on another", BOUND, async () => {
    const [u1, u2] = hostUrls(url);
    const writer = await connect(u1);
    // A host list of one other node, with causal reads.
    const reader = await connect(`${u2.replace(/@([^/]+)\//, (_, h: string) => `@${h},${h}/`)}?wsrep_sync_wait=1`);
    try {
      assert.equal(Number(await reader.value("SELECT @@SESSION.wsrep_sync_wait")), 1);
      let stale = 0;
      for (let i = 1; i <= 300; i++) {
        await writer.execute(`UPDATE ${TAG} SET v = :v WHERE id = 1`, { v: 10_000 + i });
        if (Number(await reader.value(`SELECT v FROM ${TAG} WHERE id = 1`)) !== 10_000 + i) stale++;
      }
      assert.equal(stale, 0);
      // The setting survives the session reset a dirty connection gets before reuse.
      await reader.execute("SET @x = 1");
      assert.equal(Number(await reader.value("SELECT @@SESSION.wsrep_sync_wait")), 1);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });
});
