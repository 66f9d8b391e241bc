import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { takeUrlParam } from "../src/config/url-params.js";
import { connect, PoolerModeError } from "../src/index.js";
import { engines } from "./support/engines.js";

// pooler: "transaction" as options and URL (the behaviour behind a real PgBouncer is
// test/cluster/pgbouncer.test.ts): validation, the URL parameter taken out before the
// driver sees it, and the session-bound calls refused before anything is sent.

describe("takeUrlParam", () => {
  it("takes one parameter out and leaves the rest of the URL byte for byte", () => {
    assert.deepEqual(takeUrlParam("postgres://u:p@h/db?pooler=transaction&sslmode=require", "pooler"), {
      url: "postgres://u:p@h/db?sslmode=require",
      value: "transaction",
    });
    assert.deepEqual(takeUrlParam("postgres://u:p@h/db?sslrootcert=%2Fa%2Fb.pem&pooler=transaction", "pooler"), {
      url: "postgres://u:p@h/db?sslrootcert=%2Fa%2Fb.pem",
      value: "transaction",
    });
    assert.deepEqual(takeUrlParam("postgres://h1:5432,h2:5433/db?pooler=transaction", "pooler"), {
      url: "postgres://h1:5432,h2:5433/db",
      value: "transaction",
    });
    assert.deepEqual(takeUrlParam("mysql://h/db?a=1#frag", "pooler"), { url: "mysql://h/db?a=1#frag" });
    assert.deepEqual(takeUrlParam("sqlite:./x.db", "pooler"), { url: "sqlite:./x.db" });
  });
});

for (const engine of engines()) {
  describe(`pooler: "transaction" on ${engine.name}`, () => {
    it("rejects an unknown mode, from options or the URL", async () => {
      await assert.rejects(connect({ url: engine.url, pooler: "session" as never }), /Option "pooler" \(URL pooler=\) must be "transaction", got "session"/);
      const sep = engine.url.includes("?") ? "&" : "?";
      await assert.rejects(connect(`${engine.url}${sep}pooler=statement`), /must be "transaction", got "statement"/);
      await assert.rejects(connect({ url: engine.url, directUrl: "" }), /Option "directUrl" must be a non-empty URL string/);
    });

    it("refuses db.connection() and session-changing statements outside a transaction, sending nothing", async () => {
      const sep = engine.url.includes("?") ? "&" : "?";
      const db = await connect(`${engine.url}${sep}pooler=transaction`);
      try {
        await assert.rejects(
          db.connection(() => undefined),
          (err) => err instanceof PoolerModeError && err.code === "pooler_unsupported" && err.mode === "transaction",
        );
        const statement = engine.name === "sqlite" ? "PRAGMA foreign_keys = OFF" : engine.name === "mysql" ? "SET @x = 1" : "SET statement_timeout = '1s'";
        await assert.rejects(db.execute(statement), (err) => err instanceof PoolerModeError && (err as PoolerModeError).sql === statement);
        // Without directUrl, db.direct() says what is missing; a transaction is fine.
        await assert.rejects(
          db.direct(() => undefined),
          /pass directUrl/,
        );
        assert.equal(await db.transaction((tx) => tx.value("SELECT 1")), 1);
      } finally {
        await db.close();
      }
    });
  });
}

describe('pooler: "transaction" and PostgreSQL\'s prepared statements', () => {
  it("cannot be combined with preparedStatements: true", async () => {
    await assert.rejects(
      connect({ url: "postgres://u:p@127.0.0.1:1/db", pooler: "transaction", postgres: { preparedStatements: true } }),
      /postgres option "preparedStatements: true" cannot work behind pooler: "transaction"/,
    );
    await assert.rejects(
      connect({ url: "postgres://u:p@127.0.0.1:1/db", postgres: { preparedStatements: "no" } }),
      /"preparedStatements" must be true or false/,
    );
  });
});
