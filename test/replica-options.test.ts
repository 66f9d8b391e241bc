import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connect } from "../src/index.js";

// connect({ replicas, maxReplicaLagMs, readYourWrites, replicaCheckIntervalMs }): every bad value
// is a config_error naming the option, before any connection opens (the routing itself is
// tested on real clusters in test/cluster/replicas-*.test.ts).

const PG = "postgres://u:secret@127.0.0.1:1/db";

describe("replica options", () => {
  it("are checked before anything connects", async () => {
    const bad: [object, RegExp][] = [
      [{ replicas: "postgres://x@h/db" }, /Option "replicas" must be an array of URLs/],
      [{ replicas: [""] }, /Option "replicas" must be an array of URLs/],
      [{ replicas: ["mysql://u@h/db"] }, /Replica mysql:\/\/u@h\/db is not a postgres URL/],
      [{ replicas: ["postgres://u:pw@h/db?pooler=transaction"] }, /set pooler for the whole database/],
      [{ replicas: [PG], maxReplicaLagMs: -1 }, /"maxReplicaLagMs" must be a whole number >= 0/],
      [{ replicas: [PG], replicaCheckIntervalMs: 5 }, /"replicaCheckIntervalMs" must be a whole number >= 10/],
      [{ replicas: [PG], readYourWrites: "yes" }, /"readYourWrites" must be true, false or \{ timeoutMs \}/],
      [{ replicas: [PG], readYourWrites: { timeoutMs: 1.5 } }, /readYourWrites option "timeoutMs" must be a whole number >= 0/],
      [{ replicas: [PG], readYourWrites: { wait: 1 } }, /Unknown readYourWrites option "wait" \(accepted: timeoutMs\)/],
      [{ maxReplicaLagMs: 100 }, /Option "maxReplicaLagMs" needs "replicas"/],
      [{ readYourWrites: false }, /Option "readYourWrites" needs "replicas"/],
    ];
    for (const [options, message] of bad) {
      await assert.rejects(connect({ url: PG, ...options }), (err: Error & { code?: string }) => {
        assert.equal(err.code, "config_error", err.message);
        assert.match(err.message, message);
        assert.doesNotMatch(err.message, /secret|pw@/, "passwords are masked");
        return true;
      });
    }
  });
});

describe("host lists in URLs", () => {
  it("split into one URL per host; polysql's own parameters come out, bad ones are config errors", async () => {
    const { parseHostList } = await import("../src/cluster/multi-host.js");
    assert.deepEqual(parseHostList("postgres://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write&sslmode=disable&connect_timeout=3"), {
      urls: ["postgres://u:p@h1:5432/db?sslmode=disable", "postgres://u:p@h2:5433/db?sslmode=disable"],
      attrs: "read-write",
      balance: "disable",
      hostTimeoutMs: 3_000,
    });
    assert.deepEqual(parseHostList("mysql://u:p@a:1,b:2,c:3/db?load_balance_hosts=random&wsrep_sync_wait=1")?.urls, [
      "mysql://u:p@a:1/db",
      "mysql://u:p@b:2/db",
      "mysql://u:p@c:3/db",
    ]);
    assert.equal(parseHostList("postgres://u:p@h1:5432/db"), undefined);
    const bad: [string, RegExp][] = [
      [`${PG}?target_session_attrs=read-write`, /"target_session_attrs" needs a host list/],
      [
        "postgres://u:secret@a:1,b:2/db?target_session_attrs=writable",
        /target_session_attrs=writable is not one of any, read-write, read-only, primary, standby, prefer-standby/,
      ],
      ["postgres://u:secret@a:1,b:2/db?load_balance_hosts=roundrobin", /load_balance_hosts=roundrobin is not one of disable, random/],
      ["postgres://u:secret@a:1,b:2/db?connect_timeout=0", /connect_timeout=0 must be a number of seconds > 0/],
      ["mysql://u:secret@a:1,b:2/db?wsrep_sync_wait=99", /wsrep_sync_wait=99 must be a whole number from 0 to 15/],
      ["postgres://u:secret@a:1,,b:2/db", /Empty host in the host list of postgres:\/\/u:\*\*\*@/],
    ];
    for (const [url, message] of bad) await assert.rejects(connect(url), message);
    await assert.rejects(connect({ url: "postgres://u:secret@a:1,b:2/db", replicas: [PG] }), /"replicas" with a host list in "url" is not supported/);
  });
});
