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
