import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { PolysqlError } from "../src/index.js";
import { Pool, type Lease, type PoolResource } from "../src/pool/pool.js";
import { resolvePoolOptions, type PoolOptions } from "../src/pool/pool-options.js";

// The pool's state machine alone, with fake resources (no database): limits,
// deadlines, retirement, validation, misuse, leaks, metrics and close.

interface Fake {
  id: number;
  valid: boolean;
  alive: boolean;
  destroyed: boolean;
}

/** A fake resource factory that records what the pool does with its resources. */
class Factory implements PoolResource<Fake> {
  made: Fake[] = [];
  /** Replaces `create` for one test (e.g. a create that never settles). */
  onCreate?: () => Promise<Fake>;
  onValidate?: (r: Fake) => Promise<boolean>;
  validations = 0;

  async create(): Promise<Fake> {
    if (this.onCreate) return this.onCreate();
    return this.make();
  }
  make(): Fake {
    const r = { id: this.made.length + 1, valid: true, alive: true, destroyed: false };
    this.made.push(r);
    return r;
  }
  async destroy(r: Fake): Promise<void> {
    r.destroyed = true;
  }
  async validate(r: Fake): Promise<boolean> {
    this.validations++;
    return this.onValidate ? this.onValidate(r) : r.valid;
  }
  isAlive(r: Fake): boolean {
    return r.alive;
  }
  get destroyed(): Fake[] {
    return this.made.filter((r) => r.destroyed);
  }
}

function makePool(options: Partial<PoolOptions>, factory = new Factory(), warn?: (m: string) => void): { pool: Pool<Fake>; factory: Factory } {
  const pool = new Pool(factory, resolvePoolOptions({ idleTimeoutMs: 0, maxLifetimeMs: 0, validateAfterIdleMs: 60_000, ...options }), warn);
  return { pool, factory };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<PolysqlError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PolysqlError, `expected a PolysqlError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

/** Waits until `check` holds, polling, for at most `ms`. */
async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) assert.fail("condition not reached in time");
    await sleep(5);
  }
}

describe("Pool (fake resources)", () => {
  it("rejects with pool_timeout at acquireTimeoutMs (within 100 ms), and never serves the timed-out waiter later", async () => {
    const { pool } = makePool({ max: 1, acquireTimeoutMs: 200 });
    const held = await pool.acquire();
    let servedLate = false;
    const started = performance.now();
    const waiting = pool.acquire().then((lease) => {
      servedLate = true;
      return lease;
    });
    await rejectsWith(waiting, "pool_timeout");
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 195 && elapsed < 300, `timed out after ${elapsed} ms`);
    pool.release(held);
    await sleep(20);
    assert.equal(servedLate, false);
    const m = pool.metrics();
    assert.deepEqual([m.waiting, m.idle, m.active, m.acquireTimeouts, m.acquired], [0, 1, 0, 1, 1]);
    const next = await pool.acquire();
    assert.equal(next.resource, held.resource, "the free resource goes to the next caller instead");
    pool.release(next);
    await pool.close();
  });

  it("never has more than max resources out, under 50 concurrent acquirers, and never lends one resource twice", async () => {
    const { pool, factory } = makePool({ max: 5, acquireTimeoutMs: 5_000 });
    const out = new Set<Fake>();
    let peak = 0;
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const lease = await pool.acquire();
        assert.ok(!out.has(lease.resource), "a resource was lent to two borrowers");
        out.add(lease.resource);
        peak = Math.max(peak, out.size, pool.metrics().total);
        await sleep(1 + (i % 4));
        out.delete(lease.resource);
        pool.release(lease);
      }),
    );
    assert.ok(peak <= 5, `peak ${peak}`);
    assert.equal(factory.made.length, 5);
    assert.equal(pool.metrics().acquired, 50);
    await pool.close();
  });

  it("keeps min resources open, and tops up after one is destroyed", async () => {
    const { pool, factory } = makePool({ min: 3, max: 5, idleTimeoutMs: 20 });
    await until(() => pool.metrics().idle === 3);
    const lease = await pool.acquire();
    pool.release(lease, true);
    await until(() => pool.metrics().total === 3 && factory.made.length === 4);
    await sleep(60);
    assert.equal(pool.metrics().total, 3, "idle timeout does not retire below min");
    await pool.close();
  });

  it("retires resources idle longer than idleTimeoutMs, down to min", async () => {
    const { pool, factory } = makePool({ min: 1, max: 4, idleTimeoutMs: 40 });
    const leases = await Promise.all([1, 2, 3, 4].map(() => pool.acquire()));
    for (const l of leases) pool.release(l);
    assert.equal(pool.metrics().idle, 4);
    await until(() => pool.metrics().total === 1);
    assert.equal(factory.destroyed.length, 3);
    await pool.close();
  });

  it("retires resources past maxLifetimeMs only while idle: an in-use one is never retired, and lifetimes are jittered", async () => {
    const { pool, factory } = makePool({ max: 40, maxLifetimeMs: 100 });
    const inUse = await pool.acquire();
    const idle = await pool.acquire();
    pool.release(idle);
    await sleep(250);
    assert.equal(idle.resource.destroyed, true, "the idle one was retired");
    assert.equal(inUse.resource.destroyed, false, "the borrowed one was not");
    pool.release(inUse);
    assert.equal(inUse.resource.destroyed, true, "retired when it came back");
    const fresh = await pool.acquire();
    assert.ok(fresh.resource.id > 2);
    pool.release(fresh);
    await pool.close();

    const big = makePool({ max: 40, maxLifetimeMs: 1_000_000 });
    const before = performance.now();
    const many = await Promise.all(Array.from({ length: 40 }, () => big.pool.acquire()));
    const lifetimes = many.map((l) => l.slot.expiresAt - before);
    assert.ok(
      lifetimes.every((t) => t > 975_000 - 100 && t <= 1_000_100),
      `lifetimes ${lifetimes}`,
    );
    assert.ok(new Set(lifetimes.map((t) => Math.round(t))).size > 30, "lifetimes differ (jitter)");
    for (const l of many) big.pool.release(l);
    await big.pool.close();
    assert.ok(factory.made.length >= 3);
  });

  it("validates a resource that sat idle, evicting a bad one and handing out a good one (regression: the fast path skipped validation)", async () => {
    const { pool, factory } = makePool({ max: 2, validateAfterIdleMs: 20 });
    const first = await pool.acquire();
    pool.release(first);
    first.resource.valid = false;
    await sleep(40);
    const next = await pool.acquire();
    assert.notEqual(next.resource, first.resource);
    assert.equal(first.resource.destroyed, true);
    assert.equal(factory.validations, 1);
    assert.equal(pool.metrics().validationFailures, 1);
    pool.release(next);
    // Recently used: handed out without validation.
    const again = await pool.acquire();
    assert.equal(again.resource, next.resource);
    assert.equal(factory.validations, 1);
    pool.release(again);
    await pool.close();
  });

  it("bounds validation by validationTimeoutMs: a validate() that never settles counts as a failure", async () => {
    const { pool, factory } = makePool({ max: 2, validateAfterIdleMs: 10, validationTimeoutMs: 50, acquireTimeoutMs: 2_000 });
    const first = await pool.acquire();
    pool.release(first);
    await sleep(30);
    factory.onValidate = () => new Promise<boolean>(() => undefined);
    const started = performance.now();
    const next = await pool.acquire();
    const elapsed = performance.now() - started;
    assert.notEqual(next.resource, first.resource);
    assert.ok(elapsed >= 45 && elapsed < 150, `took ${elapsed} ms`);
    assert.equal(first.resource.destroyed, true);
    assert.equal(pool.metrics().validationFailures, 1);
    pool.release(next);
    await pool.close();
  });

  it("fails a waiter at connectTimeoutMs when create never settles, and destroys a resource that arrives late", async () => {
    const { pool, factory } = makePool({ max: 1, connectTimeoutMs: 100, acquireTimeoutMs: 2_000 });
    let arrive!: (r: Fake) => void;
    factory.onCreate = () => new Promise<Fake>((resolve) => (arrive = resolve));
    const started = performance.now();
    const err = await rejectsWith(pool.acquire(), "connection_failure");
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 95 && elapsed < 200, `failed after ${elapsed} ms`);
    assert.match(err.message, /100 ms/);
    assert.equal(pool.metrics().pendingCreates, 0);
    const late = factory.make();
    arrive(late);
    await sleep(5);
    assert.equal(late.destroyed, true, "the late resource was destroyed, not pooled");
    assert.equal(pool.metrics().total, 0);
    factory.onCreate = undefined;
    const ok = await pool.acquire();
    pool.release(ok);
    assert.equal(pool.metrics().connectionErrors, 1);
    await pool.close();
  });

  it("passes a create error to the oldest waiter only", async () => {
    const { pool, factory } = makePool({ max: 1, acquireTimeoutMs: 300 });
    factory.onCreate = async () => {
      throw new Error("refused");
    };
    await assert.rejects(pool.acquire(), /refused/);
    factory.onCreate = undefined;
    const lease = await pool.acquire();
    pool.release(lease);
    await pool.close();
  });

  it("throws pool_misuse on a second release, and never lends one resource to two borrowers", async () => {
    const { pool } = makePool({ max: 2 });
    const a = await pool.acquire();
    pool.release(a);
    const b = await pool.acquire();
    assert.equal(b.resource, a.resource, "the same resource, lent again");
    assert.throws(
      () => pool.release(a),
      (e: PolysqlError) => e.code === "pool_misuse",
    );
    const c = await pool.acquire();
    assert.notEqual(c.resource, b.resource, "b still holds it: c gets another");
    assert.equal(pool.metrics().active, 2);
    pool.release(b);
    pool.release(c);
    assert.throws(
      () => pool.release(c),
      (e: PolysqlError) => e.code === "pool_misuse",
    );
    assert.deepEqual([pool.metrics().idle, pool.metrics().active], [2, 0]);
    await pool.close();
  });

  it("warns about a resource held past leakDetectionMs, with the acquiring stack", async () => {
    const warnings: string[] = [];
    const { pool } = makePool({ max: 2, leakDetectionMs: 30 }, new Factory(), (m) => warnings.push(m));
    async function acquiredByLeakyCaller(): Promise<Lease<Fake>> {
      return pool.acquire();
    }
    const leaked = await acquiredByLeakyCaller();
    const returned = await pool.acquire();
    pool.release(returned);
    await sleep(60);
    assert.equal(warnings.length, 1, "only the resource still held is reported");
    assert.match(warnings[0], /held for over 30 ms/);
    assert.match(warnings[0], /acquiredByLeakyCaller/);
    pool.release(leaked);
    await pool.close();
  });

  it("counts acquires, creates, destroys, timeouts, validation failures and connection errors, with wait percentiles", async () => {
    const { pool, factory } = makePool({ max: 1, acquireTimeoutMs: 60, validateAfterIdleMs: 30 });
    for (let i = 0; i < 20; i++) pool.release(await pool.acquire());
    const held = await pool.acquire();
    const waited = pool.acquire();
    await sleep(50);
    pool.release(held);
    pool.release(await waited);
    await rejectsWith(
      (async () => {
        const h = await pool.acquire();
        try {
          return await pool.acquire();
        } finally {
          pool.release(h);
        }
      })(),
      "pool_timeout",
    );
    const idle = await pool.acquire();
    pool.release(idle);
    idle.resource.valid = false;
    await sleep(40);
    factory.onCreate = async () => {
      throw new Error("refused");
    };
    await assert.rejects(pool.acquire(), /refused/);
    factory.onCreate = undefined;
    const m = pool.metrics();
    assert.equal(m.acquired, 24);
    assert.equal(m.created, 1);
    assert.equal(m.destroyed, 1);
    assert.equal(m.acquireTimeouts, 1);
    assert.equal(m.validationFailures, 1);
    assert.equal(m.connectionErrors, 1);
    assert.deepEqual([m.total, m.active, m.idle, m.waiting, m.pendingCreates], [0, 0, 0, 0, 0]);
    assert.ok(m.acquireWaitMs.p50 < 5, `p50 ${m.acquireWaitMs.p50}`);
    assert.ok(m.acquireWaitMs.p99 >= 45 && m.acquireWaitMs.p99 < 100, `p99 ${m.acquireWaitMs.p99}`);
    await pool.close();
  });

  it("close() rejects waiters with pool_closed, ends idle resources, and ends busy ones when they come back", async () => {
    const { pool, factory } = makePool({ max: 2, acquireTimeoutMs: 5_000 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(b);
    const c = await pool.acquire();
    const waiter = pool.acquire();
    await pool.close();
    await rejectsWith(waiter, "pool_closed");
    await rejectsWith(pool.acquire(), "pool_closed");
    assert.equal(a.resource.destroyed, false, "a borrowed resource is not pulled from its borrower");
    pool.release(a);
    pool.release(c);
    assert.equal(factory.destroyed.length, 2);
  });

  it("destroys a resource whose validation finishes after close (regression: it was left open)", async () => {
    const { pool, factory } = makePool({ max: 1, validateAfterIdleMs: 5, validationTimeoutMs: 1_000, acquireTimeoutMs: 2_000 });
    const first = await pool.acquire();
    pool.release(first);
    await sleep(20);
    let pass!: (ok: boolean) => void;
    factory.onValidate = () => new Promise<boolean>((resolve) => (pass = resolve));
    const waiter = pool.acquire();
    await until(() => pass !== undefined);
    await pool.close();
    await rejectsWith(waiter, "pool_closed");
    pass(true);
    await sleep(5);
    assert.equal(first.resource.destroyed, true);
  });

  it("close() waits for a resource still being opened and destroys it (regression: close() returned while it was still opening)", async () => {
    const { pool, factory } = makePool({ max: 1, acquireTimeoutMs: 5_000, connectTimeoutMs: 5_000 });
    let open!: () => void;
    factory.onCreate = () => new Promise<Fake>((resolve) => (open = () => resolve(factory.make())));
    const waiter = pool.acquire();
    await until(() => open !== undefined);
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await rejectsWith(waiter, "pool_closed");
    await sleep(20);
    assert.equal(closed, false, "close() resolved while a resource was still being opened");
    open();
    await closing;
    assert.equal(factory.made.length, 1);
    assert.equal(factory.made[0].destroyed, true, "the resource that opened after close() is destroyed before close() resolves");
  });

  it("evicts a resource that died while idle, unseen by the borrower", async () => {
    const { pool } = makePool({ max: 1 });
    const a = await pool.acquire();
    pool.release(a);
    a.resource.alive = false;
    const b = await pool.acquire();
    assert.notEqual(b.resource, a.resource);
    assert.equal(a.resource.destroyed, true);
    pool.release(b);
    await pool.close();
  });
});
