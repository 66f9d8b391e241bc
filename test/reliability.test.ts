import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, PolysqlError, type Database } from "../src/index.js";
import { dropTables, engines, open, type Engine } from "./support/engines.js";
import { TcpProxy } from "./support/tcp-proxy.js";

// Reliability cases of issue 16, item 4, on the real engines: a connection killed between BEGIN
// and COMMIT, a connection held past leakDetectionMs, a handshake slower than connectTimeoutMs, a
// server idle limit. Tables start with rl_ (shared servers).

const TAG = `rl${process.pid}`;

/** A URL to the engine through `port` whose server sessions can be counted: PostgreSQL by application_name, MariaDB by a user of its own. */
async function countable(engine: Engine, admin: Database, tag: string, port?: number): Promise<{ url: string; count: () => Promise<number> }> {
  const u = new URL(engine.url);
  if (port !== undefined) u.port = String(port);
  const name = `${TAG}_${tag}`;
  if (engine.name === "postgres") {
    u.searchParams.set("application_name", name);
    return {
      url: u.toString(),
      count: async () => Number(await admin.value("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name", { name })),
    };
  }
  await admin.execute(`CREATE USER IF NOT EXISTS '${name}'@'127.0.0.1' IDENTIFIED BY 'rl_pass'`);
  await admin.execute(`GRANT ALL PRIVILEGES ON \`${u.pathname.slice(1)}\`.* TO '${name}'@'127.0.0.1'`);
  u.username = name;
  u.password = "rl_pass";
  return {
    url: u.toString(),
    count: async () => Number(await admin.value("SELECT count(*) FROM information_schema.processlist WHERE user = :name", { name })),
  };
}

const BOUND = { timeout: 30_000 };

for (const engine of engines()) {
  describe(`reliability (${engine.name})`, () => {
    let admin: Database;
    const table = `rl_${process.pid}_rows`;

    before(async () => {
      admin = await open(engine, { pool: { max: 1 } });
      await dropTables(admin, table);
      await admin.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY)`);
    });
    after(async () => {
      await dropTables(admin, table);
      if (engine.name === "mysql") for (const tag of ["slow"]) await admin.execute(`DROP USER IF EXISTS '${TAG}_${tag}'@'127.0.0.1'`);
      await admin.close();
    });

    it("a connection held past leakDetectionMs warns with the acquiring stack and is not reclaimed", BOUND, async () => {
      const db = await open(engine, { pool: { max: 1, leakDetectionMs: 100 } });
      const warnings: string[] = [];
      const onWarning = (w: Error & { code?: string }) => {
        if (w.code === "POLYSQL_POOL") warnings.push(w.message);
      };
      process.on("warning", onWarning);
      try {
        await db.connection(async (conn) => {
          await sleep(300);
          assert.equal(warnings.length, 1, "one warning");
          assert.match(warnings[0], /held for over 100 ms/);
          assert.match(warnings[0], /reliability\.test\.ts/, "the acquiring stack names the caller");
          // Still ours: the pool did not take it back.
          assert.equal(db.metrics().active, 1);
          assert.equal(Number(await conn.value("SELECT :n", { n: 4 })), 4);
        });
        assert.equal(db.metrics().active, 0);
      } finally {
        process.off("warning", onWarning);
        await db.close();
      }
    });

    if (engine.name === "sqlite") return;

    it("a connection killed between BEGIN and COMMIT: the commit rejects, the row is absent, nothing reruns", BOUND, async () => {
      const db = await open(engine, { pool: { max: 1 } });
      const idSql = engine.name === "postgres" ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()";
      const killSql = engine.name === "postgres" ? "SELECT pg_terminate_backend(:id)" : "KILL :id";
      let runs = 0;
      try {
        const err = await db
          .transaction(async (tx) => {
            runs++;
            await tx.execute(`INSERT INTO ${table} (id) VALUES (:id)`, { id: 1 });
            const id = Number(await tx.value(idSql));
            await admin.execute(killSql, { id });
            await sleep(100);
          })
          .then(
            () => assert.fail("the transaction should not commit"),
            (e: unknown) => e,
          );
        assert.ok(err instanceof PolysqlError, String(err));
        assert.equal(err.code, "connection_failure", err.message);
        assert.equal(runs, 1, "the callback ran once: no automatic retry");
        assert.equal(Number(await admin.value(`SELECT count(*) FROM ${table}`)), 0);
        // The pool recovers with a new connection.
        assert.equal(Number(await db.value("SELECT :n", { n: 6 })), 6);
      } finally {
        await db.close();
      }
    });

    it("a handshake slower than connectTimeoutMs leaves no session on the server", BOUND, async () => {
      const target = new URL(engine.url);
      const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
      try {
        const { url, count } = await countable(engine, admin, "slow", proxy.port);
        proxy.set("delay", 400);
        const started = performance.now();
        const err = await connect({ url, pool: { max: 2, connectTimeoutMs: 300 }, retry: { retries: 0 } }).then(
          () => assert.fail("connect should time out"),
          (e: unknown) => e,
        );
        assert.ok(err instanceof PolysqlError && err.code === "connection_failure", String(err));
        assert.ok(performance.now() - started < 2_000);
        // The server may see the handshake finish later, from the delayed bytes: polysql must have
        // closed that connection, so no session of it stays.
        proxy.set("pass");
        await sleep(2_500);
        assert.equal(await count(), 0, "no orphan session on the server");
      } finally {
        await proxy.close();
      }
    });

    if (engine.name === "postgres") {
      it("a stream whose connection dies after its last row, before the server's ReadyForQuery, fails instead of hanging", BOUND, async () => {
        // A proxy that resets the connection when the client closes a cursor's portal (Close 'P' "C_..."):
        // pg-cursor had its read answered by CommandComplete and then waits for ReadyForQuery, which never comes.
        const target = new URL(engine.url);
        let resets = 0;
        const server = net.createServer((client) => {
          const upstream = net.connect(Number(target.port), target.hostname);
          const kill = () => {
            client.destroy();
            upstream.destroy();
          };
          client.on("error", kill);
          upstream.on("error", kill);
          client.on("close", kill);
          upstream.on("close", kill);
          upstream.on("data", (chunk: Buffer) => client.write(chunk));
          client.on("data", (chunk: Buffer) => {
            const at = chunk.indexOf(Buffer.from("PC_"));
            if (at >= 5 && chunk[at - 5] === 0x43) {
              resets++;
              client.resetAndDestroy();
              upstream.resetAndDestroy();
              return;
            }
            upstream.write(chunk);
          });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const u = new URL(engine.url);
        u.port = String((server.address() as net.AddressInfo).port);
        const db = await connect({ url: u.toString(), pool: { max: 1 }, retry: { retries: 0 } });
        try {
          let seen = 0;
          const consume = (async () => {
            for await (const row of db.stream<{ n: number }>("SELECT n FROM generate_series(1, 30) n", undefined, { batchSize: 10 })) {
              seen++;
              assert.equal(Number(row.n), seen);
            }
          })();
          const outcome = await Promise.race([
            consume.then(
              () => "ended",
              (e: unknown) => e,
            ),
            sleep(10_000).then(() => "hung"),
          ]);
          assert.equal(resets, 1, "the proxy reset the connection at the portal's Close");
          assert.equal(seen, 30);
          assert.ok(outcome instanceof PolysqlError && outcome.code === "connection_failure", `the stream ${String(outcome)}`);
          assert.equal(db.metrics().active, 0, "the session was released");
        } finally {
          await db.close();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
      });

      it("a server idle limit (idle_session_timeout 2 s) never fails the first query after the idle period", BOUND, async () => {
        const u = new URL(engine.url);
        u.searchParams.set("options", "-c idle_session_timeout=2000");
        for (const validateAfterIdleMs of [1_000, 600_000]) {
          const db = await connect({ url: u.toString(), pool: { max: 2, validateAfterIdleMs } });
          try {
            assert.equal(Number(await db.value("SHOW idle_session_timeout").then((v) => Number.parseInt(String(v), 10))), 2);
            await Promise.all([db.value("SELECT pg_sleep(0.05)"), db.value("SELECT pg_sleep(0.05)")]);
            await sleep(2_600);
            for (let n = 1; n <= 4; n++) assert.equal(Number(await db.value("SELECT :n", { n })), n, `validateAfterIdleMs ${validateAfterIdleMs}`);
            assert.ok(db.metrics().destroyed >= 1, "the server did end the idle sessions");
          } finally {
            await db.close();
          }
        }
      });
    }

    if (engine.name === "mysql") {
      it("a server idle limit (wait_timeout 2 s) never fails the first query after the idle period", BOUND, async () => {
        // The pool resets a session after a SET (COM_RESET_CONNECTION restores the global wait_timeout), and
        // SET GLOBAL or a user of its own would touch the shared server. A stored procedure of this test sets
        // the session's wait_timeout: polysql does not take CALL for a session change, so the pooled
        // connections keep 2 s (asserted below, so the test says so if that ever changes).
        const proc = `${TAG}_wait2`;
        await admin.execute(`DROP PROCEDURE IF EXISTS ${proc}`);
        await admin.execute(`CREATE PROCEDURE ${proc}() SET SESSION wait_timeout = 2`);
        try {
          for (const validateAfterIdleMs of [1_000, 600_000]) {
            const db = await open(engine, { pool: { max: 2, validateAfterIdleMs } });
            try {
              // Both connections of the pool at once (each transaction waits until both are inside).
              let inside = 0;
              let bothInside!: () => void;
              const together = new Promise<void>((resolve) => (bothInside = resolve));
              const timeouts = await Promise.all(
                [0, 1].map(() =>
                  db.transaction(async (tx) => {
                    await tx.execute(`CALL ${proc}()`);
                    if (++inside === 2) bothInside();
                    await together;
                    return Number(await tx.value("SELECT @@SESSION.wait_timeout"));
                  }),
                ),
              );
              assert.deepEqual(timeouts, [2, 2]);
              assert.equal(db.metrics().total, 2);
              assert.equal(Number(await db.value("SELECT @@SESSION.wait_timeout")), 2, "the pool kept the sessions as they were");
              await sleep(3_000);
              for (let n = 1; n <= 4; n++) assert.equal(Number(await db.value("SELECT :n", { n })), n, `validateAfterIdleMs ${validateAfterIdleMs}`);
              assert.ok(db.metrics().destroyed >= 1, "the server did end the idle sessions");
            } finally {
              await db.close();
            }
          }
        } finally {
          await admin.execute(`DROP PROCEDURE IF EXISTS ${proc}`);
        }
      });
    }
  });
}
