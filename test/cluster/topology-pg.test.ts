// @cluster pg-replicas pgbouncer
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, type Database } from "../../src/index.js";
import { clusterUrl, clusterUrls, portOf, until } from "../support/cluster.js";

// The PostgreSQL clusters scripts/cluster.sh starts are what the scale-out tests assume:
// a primary with two streaming standbys (one of them delayable at runtime), and PgBouncer
// in transaction mode in front of the primary. Tables start with topo_ (clusters are shared).

const TAG = `topo${process.pid}`;

describe("cluster: PostgreSQL primary and two streaming replicas", () => {
  let primary: Database;
  let replicas: Database[];

  before(async () => {
    primary = await connect(clusterUrl("POLYSQL_PG_PRIMARY_URL"));
    replicas = await Promise.all(clusterUrls("POLYSQL_PG_REPLICA_URLS").map((url) => connect(url)));
  });
  after(async () => {
    await primary?.execute(`DROP TABLE IF EXISTS ${TAG}`).catch(() => undefined);
    await Promise.all([primary, ...(replicas ?? [])].map((db) => db?.close()));
  });

  it("the primary is not in recovery and streams to both standbys", async () => {
    assert.equal(await primary.value("SELECT pg_is_in_recovery()"), false);
    assert.equal(await primary.value("SELECT inet_server_port()"), portOf(clusterUrl("POLYSQL_PG_PRIMARY_URL")));
    const streaming = (await primary.value<number>("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) ?? 0;
    assert.ok(streaming >= 2, `${streaming} standbys streaming`);
    for (const [i, replica] of replicas.entries()) {
      assert.equal(await replica.value("SELECT pg_is_in_recovery()"), true, `replica ${i + 1} is a standby`);
      assert.equal(await replica.value("SELECT inet_server_port()"), portOf(clusterUrls("POLYSQL_PG_REPLICA_URLS")[i]));
    }
  });

  it("a write on the primary reaches both standbys, which refuse writes with SQLSTATE 25006", async () => {
    await primary.execute(`CREATE TABLE ${TAG} (id INTEGER PRIMARY KEY)`);
    await primary.execute(`INSERT INTO ${TAG} (id) VALUES (1)`);
    for (const replica of replicas) {
      await until(
        async () => (await replica.value<number>(`SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = '${TAG}'`)) === 1,
        10_000,
        "table replicated",
      );
      await until(async () => (await replica.value<number>(`SELECT count(*) FROM ${TAG}`)) === 1, 10_000, "row replicated");
      await assert.rejects(replica.execute(`INSERT INTO ${TAG} (id) VALUES (2)`), (err: { engineCode?: string }) => err.engineCode === "25006");
    }
  });

  it("the second standby's apply delay is set at runtime and makes real lag", async () => {
    const delayed = replicas[1];
    await delayed.execute("ALTER SYSTEM SET recovery_min_apply_delay = '700ms'");
    await delayed.execute("SELECT pg_reload_conf()");
    try {
      await until(async () => (await delayed.value("SHOW recovery_min_apply_delay")) === "700ms", 5_000, "delay applied");
      await primary.execute(`INSERT INTO ${TAG} (id) VALUES (3)`);
      const wrote = performance.now();
      assert.equal(await delayed.value<number>(`SELECT count(*) FROM ${TAG} WHERE id = 3`), 0, "not applied yet");
      await until(async () => (await delayed.value<number>(`SELECT count(*) FROM ${TAG} WHERE id = 3`)) === 1, 10_000, "applied after the delay");
      const waited = performance.now() - wrote;
      assert.ok(waited >= 500, `the row appeared after ${Math.round(waited)} ms; the delay is 700 ms`);
    } finally {
      await delayed.execute("ALTER SYSTEM RESET recovery_min_apply_delay");
      await delayed.execute("SELECT pg_reload_conf()");
    }
  });
});

describe("cluster: PgBouncer in transaction mode", () => {
  it("runs pool_mode = transaction and hands out server connections to the primary", async () => {
    // The plain pg client here: polysql's own behaviour behind PgBouncer is test/cluster/pgbouncer.test.ts.
    const { default: pg } = await import("pg");
    const url = clusterUrl("POLYSQL_PGBOUNCER_URL");
    const console = new pg.Client({ connectionString: url.replace(/\/[^/?]*(\?|$)/, "/pgbouncer$1") });
    await console.connect();
    try {
      const config = await console.query("SHOW CONFIG");
      assert.equal(config.rows.find((r: { key: string }) => r.key === "pool_mode")?.value, "transaction");
    } finally {
      await console.end();
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      assert.equal((await client.query("SELECT inet_server_port() AS port")).rows[0].port, portOf(clusterUrl("POLYSQL_PG_PRIMARY_URL")));
      assert.equal((await client.query("SELECT pg_is_in_recovery() AS r")).rows[0].r, false);
    } finally {
      await client.end();
    }
  });
});
