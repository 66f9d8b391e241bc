// @cluster mariadb-replica galera
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, type Database } from "../../src/index.js";
import { adminUrl, clusterUrl, clusterUrls, hostUrls, portOf, until } from "../support/cluster.js";

// The MariaDB clusters scripts/cluster.sh starts are what the scale-out tests assume: a
// primary with a read_only GTID replica, and a 3-node Galera cluster whose nodes are all
// Synced. Tables start with topo_ (clusters are shared).

const TAG = `topo${process.pid}`;

describe("cluster: MariaDB primary and GTID replica", () => {
  let primary: Database;
  let replica: Database;
  let replicaAdmin: Database;

  before(async () => {
    primary = await connect(clusterUrl("POLYSQL_MYSQL_PRIMARY_URL"));
    const replicaUrl = clusterUrls("POLYSQL_MYSQL_REPLICA_URLS")[0];
    replica = await connect(replicaUrl);
    replicaAdmin = await connect(adminUrl(replicaUrl));
  });
  after(async () => {
    await primary?.execute(`DROP TABLE IF EXISTS ${TAG}`).catch(() => undefined);
    await Promise.all([primary, replica, replicaAdmin].map((db) => db?.close()));
  });

  it("the replica replicates by GTID, is read_only, and refuses the application's writes with 1290", async () => {
    assert.equal(await replica.value("SELECT @@port"), portOf(clusterUrls("POLYSQL_MYSQL_REPLICA_URLS")[0]));
    assert.equal(Number(await replica.value("SELECT @@read_only")), 1);
    assert.equal(Number(await primary.value("SELECT @@read_only")), 0);
    const status = (await replicaAdmin.all("SHOW SLAVE STATUS"))[0];
    assert.equal(status.Slave_IO_Running, "Yes");
    assert.equal(status.Slave_SQL_Running, "Yes");
    assert.equal(status.Using_Gtid, "Slave_Pos");
    await primary.execute(`CREATE TABLE ${TAG} (id INTEGER PRIMARY KEY)`);
    await primary.execute(`INSERT INTO ${TAG} (id) VALUES (1)`);
    const position = await primary.value<string>("SELECT @@gtid_binlog_pos");
    assert.equal(Number(await replica.value("SELECT MASTER_GTID_WAIT(:position, 10)", { position })), 0, "the replica reached the primary's GTID position");
    assert.equal(await replica.value(`SELECT count(*) FROM ${TAG}`), 1);
    await assert.rejects(replica.execute(`INSERT INTO ${TAG} (id) VALUES (2)`), (err: { engineCode?: string; message: string }) =>
      /1290|READ_ONLY|read-only/i.test(`${err.engineCode} ${err.message}`),
    );
  });
});

describe("cluster: MariaDB Galera, 3 nodes", () => {
  let nodes: Database[];

  before(async () => {
    nodes = await Promise.all(hostUrls(clusterUrl("POLYSQL_GALERA_URL")).map((url) => connect(url)));
  });
  after(async () => {
    await nodes?.[0]?.execute(`DROP TABLE IF EXISTS ${TAG}`).catch(() => undefined);
    await Promise.all((nodes ?? []).map((db) => db.close()));
  });

  it("every node is Synced in one primary component of size 3, and a write on one is read on the others", async () => {
    for (const node of nodes) {
      const status = Object.fromEntries(
        (await node.query("SHOW STATUS WHERE Variable_name IN ('wsrep_local_state', 'wsrep_ready', 'wsrep_cluster_size', 'wsrep_cluster_status')")).rows,
      );
      assert.deepEqual(status, { wsrep_cluster_size: "3", wsrep_cluster_status: "Primary", wsrep_local_state: "4", wsrep_ready: "ON" });
    }
    await nodes[0].execute(`CREATE TABLE ${TAG} (id INTEGER PRIMARY KEY)`);
    await nodes[1].execute(`INSERT INTO ${TAG} (id) VALUES (1)`);
    for (const node of nodes) {
      await until(async () => (await node.value<number>(`SELECT count(*) FROM ${TAG}`)) === 1, 10_000, "row on every node");
    }
  });
});
