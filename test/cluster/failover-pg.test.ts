// @cluster pg-failover
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type Database, PolysqlError } from "../../src/index.js";
import { clusterScript, clusterUrl, hostUrls, portOf, until } from "../support/cluster.js";
import { TcpProxy } from "../support/tcp-proxy.js";

// Multi-host URLs on a real PostgreSQL pair (scripts/cluster.sh pg-failover: a primary and its
// streaming standby): target_session_attrs picks the host, a dead host costs one per-host
// timeout, and after the primary crashes and the standby is promoted (pg_ctl promote) writes
// find the new primary by themselves, never land on a read-only node, and a write whose outcome
// is unknown is not retried. This file breaks the pair; `cluster.sh start pg-failover` rebuilds it.

const TAG = `fo${process.pid}`;
const BOUND = { timeout: 120_000 };

describe("multi-host PostgreSQL URLs and failover", () => {
  let url: string;
  const opened: Database[] = [];
  const open = async (u: string, options: object = {}) => {
    const db = await connect({ url: u, ...options });
    opened.push(db);
    return db;
  };
  after(async () => {
    await Promise.all(opened.map((db) => db.close().catch(() => undefined)));
  });

  it("target_session_attrs picks the primary or the standby of the list, in either order", BOUND, async () => {
    url = clusterUrl("POLYSQL_PGF_URL");
    const [primary, standby] = hostUrls(url).map(portOf);
    const reversed = url.replace(/@([^/]+)\//, (_, hosts: string) => `@${hosts.split(",").reverse().join(",")}/`);
    const port = async (u: string, attrs: string) => (await open(`${u}?target_session_attrs=${attrs}`)).value<number>("SELECT inet_server_port()");
    assert.equal(await port(url, "read-write"), primary);
    assert.equal(await port(reversed, "read-write"), primary);
    assert.equal(await port(reversed, "primary"), primary);
    assert.equal(await port(url, "read-only"), standby);
    assert.equal(await port(url, "standby"), standby);
    assert.equal(await port(url, "prefer-standby"), standby);
    assert.equal(await port(url, "any"), primary, "any: the first host");
    assert.equal(await port(reversed, "any"), standby);
    await assert.rejects(connect(`${url}?target_session_attrs=sometimes`), /target_session_attrs=sometimes is not one of any, read-write/);
  });

  it("a host that accepts TCP but never answers costs one per-host timeout, not the whole connect", BOUND, async () => {
    const [primary] = hostUrls(url).map(portOf);
    const silent = await TcpProxy.start({ host: "127.0.0.1", port: primary });
    silent.set("blackhole");
    try {
      const listed = url.replace(/@([^/]+)\//, (_, hosts: string) => `@127.0.0.1:${silent.port},${hosts}/`);
      const started = performance.now();
      const db = await open(`${listed}?target_session_attrs=read-write&connect_timeout=1`);
      const took = performance.now() - started;
      assert.equal(await db.value("SELECT inet_server_port()"), primary);
      assert.ok(took >= 900 && took < 4_000, `connect took ${Math.round(took)} ms with a silent first host and connect_timeout=1`);
    } finally {
      await silent.close();
    }
  });

  it("after the primary crashes and the standby is promoted, writes resume on the new primary within 2 s, never on a read-only node", BOUND, async () => {
    const [oldPrimary, standby] = hostUrls(url).map(portOf);
    const db = await open(`${url}?target_session_attrs=read-write&connect_timeout=1`, { pool: { max: 4 }, breaker: { threshold: 5, cooldownMs: 200 } });
    await db.execute(`DROP TABLE IF EXISTS ${TAG}`);
    await db.execute(`CREATE TABLE ${TAG} (id INTEGER PRIMARY KEY, port INTEGER NOT NULL)`);
    await until(
      async () =>
        (await (await open(`${url}?target_session_attrs=standby`)).value<number>(`SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = '${TAG}'`)) === 1,
    );
    const acknowledged: { id: number; port: number; at: number }[] = [];
    const errors: { code: string; phase?: string; at: number }[] = [];
    let next = 0;
    let running = true;
    const writers = Array.from({ length: 4 }, async () => {
      while (running) {
        const id = ++next;
        try {
          const port = await db.value<number>(`INSERT INTO ${TAG} (id, port) VALUES (:id, inet_server_port()) RETURNING port`, { id });
          acknowledged.push({ id, port: port ?? 0, at: performance.now() });
        } catch (err) {
          assert.ok(err instanceof PolysqlError, String(err));
          errors.push({ code: err.code, phase: (err as { phase?: string }).phase, at: performance.now() });
          await sleep(20);
        }
      }
    });
    try {
      await until(() => acknowledged.length >= 50, 10_000, "writes flowing");
      const crashed = performance.now();
      await clusterScript("stop", "pgf-primary");
      await sleep(1_000);
      const before = acknowledged.length;
      await clusterScript("promote", "pgf-standby");
      const promoted = performance.now();
      await until(() => acknowledged.some((w) => w.at > promoted), 10_000, "a write after the promotion");
      const resumed = acknowledged.find((w) => w.at > promoted)!;
      await until(() => acknowledged.length >= before + 50, 10_000, "writes flowing again");
      running = false;
      await Promise.all(writers);
      const gap = resumed.at - promoted;
      const outage = resumed.at - crashed;
      const codes = [...new Set(errors.map((e) => `${e.code}/${e.phase ?? "-"}`))];
      console.log(
        `[failover] ${acknowledged.length} writes acknowledged, ${errors.length} failed (${codes.join(", ")}); first write ${Math.round(gap)} ms after the promotion, ${Math.round(outage)} ms after the crash`,
      );
      assert.ok(gap <= 2_000, `writes resumed ${Math.round(gap)} ms after the promotion`);
      // Never a write on a read-only node: no read_only error, and every acknowledged write is on one of the two, the new primary after it.
      assert.equal(
        errors.some((e) => e.code === "read_only"),
        false,
      );
      assert.ok(acknowledged.filter((w) => w.at > promoted).every((w) => w.port === standby));
      assert.ok(acknowledged.filter((w) => w.at < crashed).every((w) => w.port === oldPrimary));
      // Every acknowledged write is there exactly once (a write whose outcome was unknown was not retried: ids are unique anyway,
      // and none of the acknowledged ones is missing on the new primary).
      const rows = await db.all<{ id: number }>(`SELECT id FROM ${TAG} WHERE id = ANY(:ids::int[])`, { ids: `{${acknowledged.map((w) => w.id).join(",")}}` });
      const lost = acknowledged.filter((w) => w.at > promoted && !rows.some((r) => r.id === w.id));
      assert.deepEqual(lost, [], "writes acknowledged by the new primary are all there");
      assert.ok(
        errors.every((e) => e.code === "connection_failure" || e.code === "circuit_open" || e.code === "pool_timeout" || e.code === "query_timeout"),
        `only connection-level errors while no primary answered: ${codes.join(", ")}`,
      );
    } finally {
      running = false;
      await Promise.all(writers);
    }
  });
});
