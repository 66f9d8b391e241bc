import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type PolysqlError, type Database } from "../src/index.js";
import { engines } from "./support/engines.js";

// SQLite's one writer and pool of readers under WAL (issue 17): reads outside a transaction on
// read-only connections, writes and transactions on the writer with BEGIN IMMEDIATE, waiting for
// the write lock without blocking the thread. Real files in a temporary directory; tables sr_*.

const dir = mkdtempSync(path.join(tmpdir(), "polysql-sr-"));
let files = 0;
const newFile = () => path.join(dir, `db${++files}.sqlite`);
const BOUND = { timeout: 30_000 };
const opened: Database[] = [];

async function open(url: string, options: { readers?: number; bigint?: "number" | "bigint" | "string" } = {}): Promise<Database> {
  const db = await connect({ url, ...options });
  opened.push(db);
  return db;
}

/** A database on a new file with a counter and a log. */
async function counterDb(url = `sqlite:${newFile()}`): Promise<Database> {
  const db = await open(url);
  await db.execute("CREATE TABLE IF NOT EXISTS sr_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
  await db.execute("CREATE TABLE IF NOT EXISTS sr_log (id INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT NOT NULL)");
  await db.execute("INSERT OR IGNORE INTO sr_counter (id, n) VALUES (1, 0)");
  return db;
}

/** A transaction that reads the counter, awaits, and writes it back: two of them interleaving as DEFERRED would deadlock (SQLITE_BUSY). */
function increment(db: Database, who: string, pauseMs = 1): Promise<void> {
  return db.transaction(async (tx) => {
    const n = Number(await tx.value("SELECT n FROM sr_counter WHERE id = 1"));
    await sleep(pauseMs);
    await tx.execute("UPDATE sr_counter SET n = :n WHERE id = 1", { n: n + 1 });
    await tx.execute("INSERT INTO sr_log (who) VALUES (:who)", { who });
  });
}

describe("SQLite readers under WAL", { skip: !engines().some((e) => e.name === "sqlite") && "sqlite not selected" }, () => {
  after(async () => {
    await Promise.all(opened.map((db) => db.close()));
  });

  it("a transaction holds the writer for 500 ms (awaiting a timer) while 100 reads complete", BOUND, async () => {
    const db = await counterDb();
    let committedAt = 0;
    const tx = db
      .transaction(async (t) => {
        await t.execute("UPDATE sr_counter SET n = n + 1 WHERE id = 1");
        await sleep(500);
      })
      .then(() => (committedAt = performance.now()));
    await sleep(5);
    const readsDone: number[] = [];
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 === 0 ? db.value("SELECT n FROM sr_counter WHERE id = 1") : db.all("SELECT * FROM sr_log")).then(() => readsDone.push(performance.now())),
      ),
    );
    assert.equal(readsDone.length, 100);
    assert.equal(committedAt, 0, "the reads finished while the transaction still held the writer");
    await tx;
    assert.equal(await db.value("SELECT n FROM sr_counter WHERE id = 1"), 1);
  });

  it("stream-while-writing on one Database completes", BOUND, async () => {
    const db = await counterDb();
    await db.insertMany(
      "sr_log",
      Array.from({ length: 200 }, (_, i) => ({ who: `seed${i}` })),
    );
    let seen = 0;
    for await (const row of db.stream<{ id: number; who: string }>("SELECT id, who FROM sr_log WHERE who LIKE 'seed%' ORDER BY id")) {
      await db.insert("sr_log", { who: `copy of ${row.who}` });
      seen++;
    }
    assert.equal(seen, 200);
    assert.equal(await db.value("SELECT count(*) FROM sr_log WHERE who LIKE 'copy of %'"), 200);
    // And a stream's snapshot is its own: rows written while it ran did not show up in it.
    assert.equal(db.metrics().acquireTimeouts, 0);
  });

  it("a reader sees committed data only: an open transaction's row is invisible outside it, visible after COMMIT", BOUND, async () => {
    const db = await counterDb();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const written = new Promise<void>((r) => (inserted = r));
    const tx = db.transaction(async (t) => {
      await t.execute("INSERT INTO sr_log (who) VALUES ('uncommitted')");
      assert.equal(await t.value("SELECT count(*) FROM sr_log WHERE who = 'uncommitted'"), 1, "the transaction sees its own row");
      inserted();
      await held;
    });
    await written;
    assert.equal(await db.one("SELECT * FROM sr_log WHERE who = 'uncommitted'"), undefined);
    assert.equal(await db.value("SELECT count(*) FROM sr_log"), 0);
    const streamed: unknown[] = [];
    for await (const row of db.stream("SELECT * FROM sr_log")) streamed.push(row);
    assert.deepEqual(streamed, []);
    release();
    await tx;
    assert.deepEqual(await db.one("SELECT who FROM sr_log WHERE who = 'uncommitted'"), { who: "uncommitted" });
  });

  it("a read-only transaction runs on a reader: it neither waits for nor blocks the writer", BOUND, async () => {
    const db = await counterDb();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const writer = db.transaction(async (t) => {
      await t.execute("UPDATE sr_counter SET n = 5 WHERE id = 1");
      await held;
    });
    await sleep(5);
    const snapshot = await db.transaction(async (t) => [await t.value("SELECT n FROM sr_counter WHERE id = 1"), await t.value("SELECT count(*) FROM sr_log")], {
      readOnly: true,
      timeoutMs: 2_000,
    });
    assert.deepEqual(snapshot, [0, 0]);
    await assert.rejects(
      db.transaction(async (t) => t.execute("INSERT INTO sr_log (who) VALUES ('x')"), { readOnly: true }),
      (e: PolysqlError) => e.code === "permission_denied",
    );
    release();
    await writer;
    assert.equal(await db.value("SELECT n FROM sr_counter WHERE id = 1"), 5);
  });

  it("concurrent transactions from one Database and from two Databases on one file do not deadlock (BEGIN IMMEDIATE)", BOUND, async () => {
    const file = newFile();
    const one = await counterDb(`sqlite:${file}`);
    const two = await counterDb(`sqlite:${file}`);
    const started = performance.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => increment(i % 4 === 0 ? two : one, i % 4 === 0 ? "two" : "one", 2)));
    // Each read-then-write interleaved with another would be a lost update or an SQLITE_BUSY upgrade deadlock.
    assert.equal(await one.value("SELECT n FROM sr_counter WHERE id = 1"), 40);
    assert.equal(await two.value("SELECT count(*) FROM sr_log"), 40);
    assert.ok(performance.now() - started < 10_000);
  });

  it("two processes on one file: both write in transactions and read, totals add up, no SQLITE_BUSY surfaces", BOUND, async () => {
    const file = newFile();
    const db = await counterDb(`sqlite:${file}`);
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "fixtures/sqlite-readers/writer-process.ts"), file, "100"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    while (!out.includes("ready")) {
      if (child.exitCode !== null) assert.fail(`the child exited early: ${err}`);
      await sleep(10);
    }
    const reads: number[] = [];
    for (let i = 0; i < 100; i++) {
      await increment(db, "parent");
      reads.push(Number(await db.value("SELECT count(*) FROM sr_log")));
    }
    assert.equal(await exited, 0, err);
    assert.match(out, /done 100/);
    assert.equal(await db.value("SELECT n FROM sr_counter WHERE id = 1"), 200);
    assert.deepEqual(await db.all("SELECT who, count(*) AS n FROM sr_log GROUP BY who ORDER BY who"), [
      { who: "child", n: 100 },
      { who: "parent", n: 100 },
    ]);
    assert.ok(
      reads.every((n, i) => i === 0 || n >= reads[i - 1]),
      "reads never go back in time",
    );
  });

  it("the writer waits for another connection's write lock without blocking the thread", BOUND, async () => {
    const file = newFile();
    const holder = await counterDb(`sqlite:${file}`);
    const other = await counterDb(`sqlite:${file}`);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const held = holder.transaction(async (t) => {
      await t.execute("UPDATE sr_counter SET n = n + 1 WHERE id = 1");
      await sleep(300);
    });
    await sleep(5);
    const started = performance.now();
    await other.execute("UPDATE sr_counter SET n = n + 10 WHERE id = 1");
    const waited = performance.now() - started;
    clearInterval(ticker);
    await held;
    assert.ok(waited >= 200, `waited ${Math.round(waited)} ms for the lock`);
    // A blocking wait (SQLite's busy handler) would give no tick at all until the lock is free.
    assert.ok(ticks >= 5, `the event loop ran meanwhile (${ticks} ticks of 10 ms)`);
    assert.equal(await other.value("SELECT n FROM sr_counter WHERE id = 1"), 11);
  });

  it("readers see a schema change made by the writer (column lists are not stale)", BOUND, async () => {
    const db = await counterDb();
    assert.deepEqual(await db.one("SELECT * FROM sr_counter"), { id: 1, n: 0 });
    await db.execute("ALTER TABLE sr_counter ADD COLUMN note TEXT");
    assert.deepEqual(await db.one("SELECT * FROM sr_counter"), { id: 1, n: 0, note: null });
    await db.transaction(async (t) => {
      await t.execute("ALTER TABLE sr_counter ADD COLUMN extra INTEGER DEFAULT 7");
      assert.deepEqual(await db.one("SELECT * FROM sr_counter"), { id: 1, n: 0, note: null }, "uncommitted DDL is not seen outside");
    });
    assert.deepEqual(await db.one("SELECT * FROM sr_counter"), { id: 1, n: 0, note: null, extra: 7 });
  });

  it("big integers stay exact on the readers' fast path, as the bigint option says", BOUND, async () => {
    const url = `sqlite:${newFile()}`;
    const db = await open(url);
    await db.execute("CREATE TABLE sr_big (id INTEGER PRIMARY KEY, v BIGINT, d DECIMAL(20,0), r REAL)");
    await db.execute("INSERT INTO sr_big (id, v, d, r) VALUES (1, 9007199254740993, 1234567890123456789, 1e20)");
    await db.execute("INSERT INTO sr_big (id, v, d, r) VALUES (2, 42, 7, 1.5)");
    await db.execute("INSERT INTO sr_big (id, v, d, r) VALUES (3, -9223372036854775808, -9007199254740992, -1e300)");
    // number (the default): safe integers as numbers, a rounded one is an error, never a wrong number.
    assert.deepEqual(await db.one("SELECT * FROM sr_big WHERE id = 2"), { id: 2, v: 42, d: "7", r: 1.5 });
    await assert.rejects(db.value("SELECT v FROM sr_big WHERE id = 1"), (e: PolysqlError) => e.code === "data_exception" && /9007199254740993/.test(e.message));
    await assert.rejects(db.value("SELECT v FROM sr_big WHERE id = 3"), (e: PolysqlError) => e.code === "data_exception");
    assert.equal(await db.value("SELECT d FROM sr_big WHERE id = 1"), "1234567890123456789");
    assert.equal(await db.value("SELECT d FROM sr_big WHERE id = 3"), "-9007199254740992");
    assert.equal(await db.value("SELECT r FROM sr_big WHERE id = 1"), 1e20);
    assert.equal(await db.value("SELECT r FROM sr_big WHERE id = 3"), -1e300);
    assert.equal(await db.value("SELECT 9007199254740991"), 9007199254740991);
    await assert.rejects(db.value("SELECT 9007199254740992"), (e: PolysqlError) => e.code === "data_exception");
    for (const [mode, big, small] of [
      ["bigint", 9007199254740993n, 42n],
      ["string", "9007199254740993", "42"],
    ] as const) {
      const other = await open(url, { bigint: mode });
      assert.equal(await other.value("SELECT v FROM sr_big WHERE id = 1"), big);
      assert.equal(await other.value("SELECT v FROM sr_big WHERE id = 2"), small);
      assert.equal(await other.value("SELECT v FROM sr_big WHERE id = 3"), mode === "bigint" ? -9223372036854775808n : "-9223372036854775808");
      assert.equal(await other.value("SELECT d FROM sr_big WHERE id = 1"), "1234567890123456789");
      const rows: unknown[] = [];
      for await (const row of other.stream("SELECT v FROM sr_big ORDER BY id")) rows.push(row);
      assert.deepEqual(rows, [{ v: big }, { v: small }, { v: mode === "bigint" ? -9223372036854775808n : "-9223372036854775808" }]);
    }
    // Writes return lastInsertRowid exactly; the bigint option decides its form.
    await db.execute("INSERT INTO sr_big (id, v) VALUES (9007199254740991, 1)");
    const exact = await open(url, { bigint: "bigint" });
    assert.equal((await exact.execute("INSERT INTO sr_big (id, v) VALUES (9007199254740993, 1)")).insertId, 9007199254740993n);
    assert.deepEqual(await exact.all("SELECT id FROM sr_big WHERE id > 9007199254740990 ORDER BY id"), [{ id: 9007199254740991n }, { id: 9007199254740993n }]);
    await assert.rejects(db.execute("INSERT INTO sr_big (id, v) VALUES (9007199254740995, 1)"), (e: PolysqlError) => e.code === "data_exception");
  });

  it("readers: default 4 for a file, ?readers=n and { readers } set it, 0 turns them off; metrics(), health() and close() cover them", BOUND, async () => {
    const file = newFile();
    const db = await open(`sqlite:${file}`);
    assert.equal(db.metrics().readers?.max, 4);
    assert.equal(db.metrics().readers?.total, 1, "one reader opened at connect() (to fail there, not at the first read)");
    const health = await db.health();
    assert.equal(health.ok, true);
    assert.equal(health.readers?.max, 4);
    const two = await open(`sqlite:${file}?readers=2`);
    assert.equal(two.metrics().readers?.max, 2);
    const three = await open(`sqlite:${file}?readers=2`, { readers: 3 });
    assert.equal(three.metrics().readers?.max, 3);
    const none = await open(`sqlite:${file}`, { readers: 0 });
    assert.equal(none.metrics().readers, undefined);
    assert.equal(none.metrics().total, 1);
    await assert.rejects(connect(`sqlite:${file}?readers=-1`), (e: PolysqlError) => e.code === "config_error" && /readers=-1/.test(e.message));
    await assert.rejects(connect({ url: `sqlite:${file}`, readers: 1.5 }), (e: PolysqlError) => e.code === "config_error" && /"readers"/.test(e.message));
    await assert.rejects(
      connect({ url: "postgres://nobody@127.0.0.1:1/x", readers: 2 }),
      (e: PolysqlError) => e.code === "config_error" && /"readers" is for engines with reader connections/.test(e.message),
    );
    // Streams at once hold a reader each, up to the maximum.
    const streams = [0, 1].map(() => two.stream("SELECT 1 AS x UNION ALL SELECT 2")[Symbol.asyncIterator]());
    await Promise.all(streams.map((s) => s.next()));
    assert.equal(two.metrics().readers?.active, 2);
    await Promise.all(streams.map((s) => s.return?.()));
    assert.equal(two.metrics().readers?.active, 0);
    await two.close();
    assert.equal(two.metrics().readers?.total, 0, "close() closed the readers");
    assert.equal(two.metrics().total, 0);
  });

  it("health() checks a free reader, and is not held up by readers busy with streams", BOUND, async () => {
    const db = await open(`sqlite:${newFile()}?readers=1`);
    const stream = db.stream("SELECT 1 AS x UNION ALL SELECT 2")[Symbol.asyncIterator]();
    await stream.next();
    assert.equal(db.metrics().readers?.active, 1);
    const started = performance.now();
    const report = await db.health(1_000);
    assert.equal(report.ok, true, JSON.stringify(report.error));
    assert.ok(performance.now() - started < 900);
    await stream.return?.();
    assert.equal((await db.health()).ok, true);
    assert.ok((db.metrics().readers?.acquired ?? 0) >= 3, "the free reader answered the second check");
  });

  it(":memory: stays one connection: no readers (a shared cache has table locks and dirty reads, not WAL snapshots)", BOUND, async () => {
    const db = await open("sqlite::memory:");
    assert.equal(db.metrics().readers, undefined);
    await assert.rejects(connect({ url: "sqlite::memory:", readers: 2 }), (e: PolysqlError) => e.code === "config_error" && /:memory:/.test(e.message));
    await db.execute("CREATE TABLE sr_mem (x INTEGER)");
    // One connection: a read waits for the transaction that holds it, and then sees its commit.
    let committed = false;
    const tx = db.transaction(async (t) => {
      await t.execute("INSERT INTO sr_mem (x) VALUES (1)");
      await sleep(100);
      committed = true;
    });
    await sleep(5);
    assert.equal(await db.value("SELECT count(*) FROM sr_mem"), 1);
    assert.ok(committed, "the read ran after the transaction");
    await tx;
  });

  it("mode=ro: the writer and the readers open the file read-only; reads use readers, writes fail with permission_denied", BOUND, async () => {
    const file = newFile();
    const rw = await counterDb(`sqlite:${file}`);
    const ro = await open(`sqlite:${file}?mode=ro&readers=2`);
    assert.equal(ro.metrics().readers?.max, 2);
    assert.equal(await ro.value("SELECT n FROM sr_counter WHERE id = 1"), 0);
    await rw.execute("UPDATE sr_counter SET n = 3 WHERE id = 1");
    assert.equal(await ro.value("SELECT n FROM sr_counter WHERE id = 1"), 3);
    await assert.rejects(ro.execute("UPDATE sr_counter SET n = 4"), (e: PolysqlError) => e.code === "permission_denied");
  });
});
