import { setTimeout as sleep } from "node:timers/promises";
import type { Dialect, ReplicationFacts, RowMode } from "../dialects/contract/index.js";
import { redactUrl } from "../config/redact.js";
import { PolysqlError } from "../errors.js";
import type { PoolMetrics } from "../pool/pool.js";
import { whenAborted, type CallControl } from "../session/call.js";
import type { ResultOf } from "../session/result-shape.js";
import type { RowBatch } from "../session/row-batches.js";
import { changesSession, type Session } from "../session/session.js";
import type { SessionPool } from "../session/session-pool.js";
import { compile, type CompiledQuery } from "../sql/index.js";
import { isPlainRead } from "../sql/plain-read.js";
import { withTimeout } from "../util/timeout.js";
import { firstValue } from "../values/rows.js";
import { beginWrite, currentMark, freshContext, type WriteMark } from "./read-your-writes.js";

/** A node's part: the primary takes writes, transactions and held connections; replicas take plain reads. */
export type NodeRole = "primary" | "replica";
/** `up`: in the rotation; `lagging`: behind by more than `maxReplicaLagMs`, out until it catches up; `down`: its last check failed. */
export type NodeState = "up" | "lagging" | "down";

/** Settings of the replica router, validated by `connect()`. */
export interface ReplicaOptions {
  /** A replica further behind than this leaves the read rotation until it catches up. */
  maxReplicaLagMs: number;
  /** Reads after a write in the same async context see it: they wait up to `timeoutMs` for a replica to reach it, else go to the primary. */
  readYourWrites: false | { timeoutMs: number };
  /** How often the background monitor measures each replica's lag. */
  checkIntervalMs: number;
}

/** One node in `metrics().nodes`. */
export interface NodeMetrics {
  /** The node's URL, password masked. */
  url: string;
  role: NodeRole;
  state: NodeState;
  /** How far behind the primary the last check found it (ms, to the check interval); 0 for the primary; null when unknown. */
  lagMs: number | null;
  /** Statements routed to this node by the router (reads on replicas; writes and fallbacks on the primary). */
  statements: number;
  pool: PoolMetrics;
  circuit: string;
  /** Why the last check failed, for a `down` node. */
  error?: { code: string; message: string };
}

/** What the router did with reads after writes (read-your-writes). */
export interface ReadYourWritesMetrics {
  /** Reads in a context that had written. */
  reads: number;
  /** Of those, served by a replica (at once, or after waiting for it). */
  onReplica: number;
  /** Of those, sent to the primary: no replica could reach the write's position within `timeoutMs`. */
  onPrimary: number;
  /** Time from such a read's start to its statement being sent to a replica: fetching the position and waiting (ms). */
  waitMs: { p50: number; p99: number };
}

/** One node in `health().nodes`. */
export interface NodeHealth {
  url: string;
  role: NodeRole;
  state: NodeState;
  lagMs: number | null;
  ok: boolean;
  latencyMs: number;
  error?: { code: string; message: string };
}

/** A node's pool and what the router knows about it. */
class ClusterNode {
  state: NodeState = "up";
  lagMs: number | null;
  /** The last position it was seen to have applied (replicas). */
  replayed?: string;
  statements = 0;
  error?: { code: string; message: string };

  constructor(
    readonly url: string,
    readonly role: NodeRole,
    readonly sessions: SessionPool,
  ) {
    this.lagMs = role === "primary" ? 0 : null;
  }
}

/** How a caller forced the route: `db.primary` or `db.replica`. */
export type ForcedRoute = "primary" | "replica";

/** A database's own primary path (retries, the synchronous fast path), for what the router sends to the primary. */
export type PrimaryRun = <M extends RowMode = "object">(query: CompiledQuery, rowMode?: M, call?: CallControl) => Promise<ResultOf<M>>;

const WAIT_SAMPLES = 10_000;
const NOT_REACHED = Symbol("not reached");

function describe(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === "string" ? e.code : "unknown", message: String(e?.message ?? err) };
}

/** `pending`, or the call's stop error as soon as its signal aborts (the call's own deadline included). */
function unlessStopped<T>(pending: Promise<T>, call: CallControl | undefined): Promise<T> {
  if (call === undefined) return pending;
  if (call.aborted) return Promise.reject(call.error());
  const stop = whenAborted(call.signal);
  return Promise.race([pending, stop.promise.catch(() => Promise.reject(call.error()))]).finally(stop.off);
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 100) / 100;
}

/**
 * Routes one database's statements between its primary and its read replicas:
 *
 * - a plain read (the lexer's verdict, `isPlainRead`) outside a transaction goes to a replica
 *   in the rotation, round robin; writes, anything unclassifiable and anything that changes the
 *   session go to the primary (transactions and `connection()` never come here);
 * - read-your-writes: a write starts a mark in its async context; a later read there waits until
 *   a replica applied the primary's position after that write (WAL LSN, GTID), at most
 *   `timeoutMs`, else it reads on the primary. Contexts without writes never wait;
 * - a replica refusing a statement as a write (`read_only`: PostgreSQL 25006, MariaDB 1290/1836)
 *   sends it to the primary once; a replica that fails at the connection level leaves the
 *   rotation and the read goes to the primary;
 * - a background monitor samples the primary's position and each replica's applied position:
 *   a replica's lag is the age of the oldest sample it has not applied. Past `maxReplicaLagMs`
 *   it leaves the rotation until it is back under.
 */
export class ReplicaSet {
  readonly primary: ClusterNode;
  readonly replicas: readonly ClusterNode[];
  private readonly facts?: ReplicationFacts;
  private turn = 0;
  /** The primary's position over time: `at` is when the query was sent (performance.now()). */
  private samples: { at: number; position: string }[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  private ticking?: Promise<void>;
  private closed = false;
  /** Statements the router hands to the database's primary path, which asks `route` again. */
  private readonly pinned = new WeakSet<CompiledQuery>();
  /** One primary-position query shared by the reads that may use it. */
  private fetching?: { startedAt: number; position: Promise<string | undefined> };
  private readonly ryw = { reads: 0, onReplica: 0, onPrimary: 0, waits: [] as number[], next: 0 };

  constructor(
    private readonly dialect: Dialect,
    primary: { url: string; sessions: SessionPool },
    replicas: readonly { url: string; sessions: SessionPool }[],
    private readonly options: ReplicaOptions,
    private readonly onPrimary: PrimaryRun,
  ) {
    this.primary = new ClusterNode(redactUrl(primary.url), "primary", primary.sessions);
    this.replicas = replicas.map((r) => new ClusterNode(redactUrl(r.url), "replica", r.sessions));
    this.facts = dialect.replication;
  }

  /** Measures every node once (bounded by the check interval, at least 2 s), then keeps measuring in the background. */
  async open(): Promise<void> {
    // Statements on replicas reach the same onQuery hook and telemetry as the primary's.
    for (const r of this.replicas) r.sessions.observer ??= this.primary.sessions.observer;
    await this.tick();
    this.schedule();
  }

  /**
   * Decides where a statement outside a transaction runs: `undefined` means "on the primary,
   * through the database's own path"; otherwise the promise of its result elsewhere. Called
   * synchronously by the database, so a write's mark lands in the caller's async context.
   */
  route<M extends RowMode = "object">(
    query: CompiledQuery,
    rowMode: M | undefined,
    forced?: ForcedRoute,
    call?: CallControl,
  ): Promise<ResultOf<M>> | undefined {
    if (this.pinned.has(query)) {
      this.pinned.delete(query);
      return undefined;
    }
    if (forced === "replica") return this.onReplica(query, rowMode, call);
    const read = this.isRead(query.sql);
    if (forced === "primary" || !read) {
      if (read) return undefined;
      return this.write(query, rowMode, call);
    }
    return this.read(query, rowMode, currentMark(), call);
  }

  /** A stream outside a transaction: a plain read streams from a replica in the rotation (no read-your-writes wait), anything else from the primary. */
  routeStream(
    query: CompiledQuery,
    forced: ForcedRoute | undefined,
    stream: (sessions: SessionPool) => AsyncGenerator<RowBatch>,
  ): AsyncGenerator<RowBatch> | undefined {
    if (forced === "primary" || !(forced === "replica" || this.isRead(query.sql))) {
      if (forced !== "primary" || !this.isRead(query.sql)) this.markWrite();
      return undefined;
    }
    const mark = forced === "replica" ? undefined : currentMark();
    if (mark !== undefined && this.options.readYourWrites !== false && (mark.pending.size > 0 || mark.settledAt > 0)) return undefined;
    const node = this.pick() ?? (forced === "replica" ? this.anyReplica() : undefined);
    if (node === undefined) return undefined;
    node.statements++;
    return stream(node.sessions);
  }

  /**
   * Runs `run` (a transaction, `connection()`, `insertMany`: the primary, outside `route`) as a
   * write of the caller's async context: reads after it wait for its position. Called
   * synchronously by the caller, like `route`. A read-only transaction marks nothing.
   */
  tracked<T>(run: () => Promise<T>, readOnly = false): Promise<T> {
    if (readOnly || this.options.readYourWrites === false) return run();
    const mark = beginWrite();
    const result = run();
    mark.track(result);
    return result;
  }

  /** Starts a write mark in the caller's async context (a stream that writes). */
  private markWrite(): void {
    if (this.options.readYourWrites === false) return;
    beginWrite().settledAt = performance.now();
  }

  /** Runs `fn` in a fresh read-your-writes context. */
  context<T>(fn: () => T): T {
    return freshContext(fn);
  }

  metrics(): NodeMetrics[] {
    return [this.primary, ...this.replicas].map((n) => ({
      url: n.url,
      role: n.role,
      state: n.state,
      lagMs: n.lagMs,
      statements: n.statements,
      pool: n.sessions.metrics(),
      circuit: n.sessions.breaker.state,
      ...(n.error ? { error: n.error } : {}),
    }));
  }

  readYourWrites(): ReadYourWritesMetrics {
    const sorted = [...this.ryw.waits].sort((a, b) => a - b);
    return {
      reads: this.ryw.reads,
      onReplica: this.ryw.onReplica,
      onPrimary: this.ryw.onPrimary,
      waitMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) },
    };
  }

  /** Every replica answers within `timeoutMs` (the primary is checked by the database itself); never throws. */
  async health(timeoutMs: number): Promise<NodeHealth[]> {
    return Promise.all(
      this.replicas.map(async (n) => {
        const started = performance.now();
        let error: NodeHealth["error"];
        try {
          await withTimeout(
            n.sessions.use((s) => s.run({ sql: this.dialect.serverVersionSql, values: [] }, { timeoutMs, rowMode: "array" })),
            timeoutMs,
            () => new PolysqlError("query_timeout", `Health check took over ${timeoutMs} ms`),
          );
        } catch (err) {
          error = describe(err);
        }
        const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
        return { url: n.url, role: n.role, state: n.state, lagMs: n.lagMs, ok: error === undefined, latencyMs, ...(error ? { error } : {}) };
      }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.ticking?.catch(() => undefined);
    await Promise.all(this.replicas.map((n) => n.sessions.close()));
  }

  // ---------------------------------------------------------------- routing

  private isRead(sql: string): boolean {
    return isPlainRead(this.dialect.syntax, sql) && !changesSession(this.dialect, sql);
  }

  /** The next replica in the rotation, round robin. */
  private pick(among: readonly ClusterNode[] = this.replicas): ClusterNode | undefined {
    let healthy = 0;
    for (const n of among) if (n.state === "up") healthy++;
    if (healthy === 0) return undefined;
    let k = this.turn++ % healthy;
    for (const n of among) if (n.state === "up" && k-- === 0) return n;
    return undefined;
  }

  /** A replica even out of the rotation (`db.replica` when none is in it). */
  private anyReplica(): ClusterNode | undefined {
    return this.replicas[this.turn++ % this.replicas.length];
  }

  /** Sends a statement to the database's primary path. */
  private toPrimary<M extends RowMode>(query: CompiledQuery, rowMode: M | undefined, call?: CallControl): Promise<ResultOf<M>> {
    this.pinned.add(query);
    this.primary.statements++;
    return this.onPrimary(query, rowMode, call);
  }

  private write<M extends RowMode>(query: CompiledQuery, rowMode: M | undefined, call: CallControl | undefined): Promise<ResultOf<M>> {
    if (this.options.readYourWrites === false) return this.toPrimary(query, rowMode, call);
    const mark = beginWrite();
    const result = this.toPrimary(query, rowMode, call);
    mark.track(result);
    return result;
  }

  /** `db.replica`: a replica of the rotation (any replica when none is in it), no waiting, no fallback. */
  private async onReplica<M extends RowMode>(query: CompiledQuery, rowMode: M | undefined, call: CallControl | undefined): Promise<ResultOf<M>> {
    const node = this.pick() ?? this.anyReplica();
    if (node === undefined) return this.toPrimary(query, rowMode, call);
    node.statements++;
    return node.sessions.use((s) => s.run(query, { rowMode, call }), call);
  }

  private async read<M extends RowMode>(
    query: CompiledQuery,
    rowMode: M | undefined,
    mark: WriteMark | undefined,
    call: CallControl | undefined,
  ): Promise<ResultOf<M>> {
    const ryw = this.options.readYourWrites;
    if (ryw === false || mark === undefined || (mark.pending.size === 0 && mark.settledAt === 0)) {
      const node = this.pick();
      return node === undefined ? this.toPrimary(query, rowMode, call) : this.runOn(node, query, rowMode, mark, call);
    }
    this.ryw.reads++;
    const started = performance.now();
    const facts = this.facts;
    // The waits before the replica's statement obey the call too: an abort or the deadline ends them at once.
    await unlessStopped(mark.settled(), call);
    // Without positions to compare, a context reads from the primary for timeoutMs after its write.
    if (facts === undefined) {
      if (performance.now() - mark.settledAt < ryw.timeoutMs) return this.primaryForRyw(query, rowMode, call);
      const node = this.pick();
      return node === undefined ? this.toPrimary(query, rowMode, call) : this.runOn(node, query, rowMode, mark, call);
    }
    mark.position ??= this.primaryPosition(mark.settledAt);
    const wanted = await unlessStopped(mark.position, call);
    if (wanted === undefined) return this.primaryForRyw(query, rowMode, call);
    // A replica already known to be there: no wait at all.
    const up = this.replicas.filter((n) => n.state === "up");
    const ready = up.filter((n) => n.replayed !== undefined && facts.reached(n.replayed, wanted));
    const deadline = started + ryw.timeoutMs;
    if (ready.length > 0) {
      this.recordWait(started);
      return this.runOn(this.pick(ready) ?? ready[0], query, rowMode, mark, call);
    }
    // One expected to get there in time (its measured lag within the bound), waited for on the connection that then reads.
    const node = this.pick(up.filter((n) => (n.lagMs ?? Number.POSITIVE_INFINITY) <= ryw.timeoutMs));
    if (node === undefined) return this.primaryForRyw(query, rowMode, call);
    let outcome: ResultOf<M> | typeof NOT_REACHED;
    try {
      outcome = await node.sessions.use(async (session) => {
        if (!(await this.waitFor(session, node, wanted, deadline, facts, call))) return NOT_REACHED;
        this.recordWait(started);
        node.statements++;
        return session.run(query, { rowMode, call });
      }, call);
    } catch (err) {
      return this.afterReplicaError(node, err, query, rowMode, mark, call);
    }
    if (outcome === NOT_REACHED) return this.primaryForRyw(query, rowMode, call);
    this.ryw.onReplica++;
    return outcome;
  }

  private primaryForRyw<M extends RowMode>(query: CompiledQuery, rowMode: M | undefined, call: CallControl | undefined): Promise<ResultOf<M>> {
    this.ryw.onPrimary++;
    return this.toPrimary(query, rowMode, call);
  }

  private recordWait(started: number): void {
    const ms = performance.now() - started;
    const waits = this.ryw.waits;
    if (waits.length < WAIT_SAMPLES) waits.push(ms);
    else waits[this.ryw.next++ % WAIT_SAMPLES] = ms;
  }

  /** Runs a read on a replica; a refusal or a broken replica sends it to the primary once. */
  private async runOn<M extends RowMode>(
    node: ClusterNode,
    query: CompiledQuery,
    rowMode: M | undefined,
    mark: WriteMark | undefined,
    call: CallControl | undefined,
  ): Promise<ResultOf<M>> {
    node.statements++;
    const counted = mark !== undefined && (mark.pending.size > 0 || mark.settledAt > 0) && this.options.readYourWrites !== false;
    try {
      const result = await node.sessions.use((s) => s.run(query, { rowMode, call }), call);
      if (counted) this.ryw.onReplica++;
      return result;
    } catch (err) {
      return this.afterReplicaError(node, err, query, rowMode, mark, call);
    }
  }

  private afterReplicaError<M extends RowMode>(
    node: ClusterNode,
    err: unknown,
    query: CompiledQuery,
    rowMode: M | undefined,
    mark: WriteMark | undefined,
    call: CallControl | undefined,
  ): Promise<ResultOf<M>> {
    if (!(err instanceof PolysqlError)) return Promise.reject(err);
    if (err.code === "read_only") {
      // The replica refused it as a write (nextval(), a function that writes): nothing ran there.
      const result = this.toPrimary(query, rowMode, call);
      mark?.track(result);
      return result;
    }
    if (err.code === "connection_failure" || err.code === "circuit_open" || err.code === "pool_timeout") {
      // A read is safe to run again; the replica leaves the rotation until a check passes.
      node.state = "down";
      node.error = describe(err);
      return this.toPrimary(query, rowMode, call);
    }
    return Promise.reject(err);
  }

  /** Waits on `session` (a replica's) until it applied `wanted`, or the deadline passes. */
  private async waitFor(
    session: Session,
    node: ClusterNode,
    wanted: string,
    deadline: number,
    facts: ReplicationFacts,
    call: CallControl | undefined,
  ): Promise<boolean> {
    if (facts.waitSql !== undefined) {
      const seconds = Math.max(0.001, (deadline - performance.now()) / 1000);
      const reached = firstValue(await session.run(compile(this.dialect.syntax, facts.waitSql, { position: wanted, seconds }), { rowMode: "array", call }));
      if (reached !== true && Number(reached) !== 1) return false;
      this.seen(node, wanted, facts);
      return true;
    }
    for (let delay = 1; ; delay = Math.min(delay * 2, 16)) {
      const replayed = firstValue(await session.run({ sql: facts.replayedPositionSql, values: [] }, { rowMode: "array", call }));
      if (typeof replayed === "string" && replayed !== "") {
        this.seen(node, replayed, facts);
        if (facts.reached(replayed, wanted)) return true;
      }
      if (performance.now() + delay > deadline) return false;
      await unlessStopped(sleep(delay), call);
    }
  }

  /** Records a position a replica has applied, never moving it back. */
  private seen(node: ClusterNode, position: string, facts: ReplicationFacts): void {
    if (node.replayed === undefined || facts.reached(position, node.replayed)) node.replayed = position;
  }

  /** The primary's position, read after `after` (performance.now()): a monitor sample or a query shared with concurrent reads. */
  private primaryPosition(after: number): Promise<string | undefined> {
    const sample = this.samples[this.samples.length - 1];
    if (sample !== undefined && sample.at > after) return Promise.resolve(sample.position);
    if (this.fetching !== undefined && this.fetching.startedAt > after) return this.fetching.position;
    const startedAt = performance.now();
    const position = this.primary.sessions
      .use((s) => s.run({ sql: this.facts!.primaryPositionSql, values: [] }, { rowMode: "array" }))
      .then(
        (r) => {
          const p = firstValue(r);
          return p === null || p === undefined ? undefined : String(p);
        },
        () => undefined,
      );
    this.fetching = { startedAt, position };
    return position;
  }

  // ---------------------------------------------------------------- monitor

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule();
      });
    }, this.options.checkIntervalMs);
    this.timer.unref?.();
  }

  /** One round of checks: the primary's position first, then what each replica applied. */
  private async tick(): Promise<void> {
    const timeoutMs = Math.max(2_000, this.options.checkIntervalMs);
    const facts = this.facts;
    const ask = (node: ClusterNode, sql: string) =>
      withTimeout(
        node.sessions.use((s) => s.run({ sql, values: [] }, { rowMode: "array", timeoutMs })),
        timeoutMs,
        () => new PolysqlError("query_timeout", `Replica check took over ${timeoutMs} ms`),
      ).then(firstValue);
    const at = performance.now();
    try {
      const position = await ask(this.primary, facts?.primaryPositionSql ?? "SELECT 1");
      this.primary.state = "up";
      this.primary.error = undefined;
      if (facts !== undefined && position !== null && position !== undefined) this.sample(at, String(position));
    } catch (err) {
      this.primary.state = "down";
      this.primary.error = describe(err);
    }
    await Promise.all(
      this.replicas.map(async (node) => {
        try {
          const replayed = await ask(node, facts?.replayedPositionSql ?? "SELECT 1");
          node.error = undefined;
          if (facts === undefined) {
            node.state = "up";
            return;
          }
          if (replayed === null || replayed === undefined) {
            node.state = "down";
            node.lagMs = null;
            node.error = { code: "not_replicating", message: "The node reports no replication position: it is not a replica" };
            return;
          }
          this.seen(node, String(replayed), facts);
          node.lagMs = this.lagOf(String(replayed), facts);
          node.state = node.lagMs > this.options.maxReplicaLagMs ? "lagging" : "up";
        } catch (err) {
          node.state = "down";
          node.error = describe(err);
        }
      }),
    );
  }

  private sample(at: number, position: string): void {
    const samples = this.samples;
    samples.push({ at, position });
    // What is older than the lag bound plus a few rounds tells nothing more: a replica behind all of it is lagging anyway.
    const keep = this.options.maxReplicaLagMs + 5 * this.options.checkIntervalMs;
    let drop = 0;
    while (drop < samples.length - 1 && at - samples[drop].at > keep) drop++;
    if (drop > 0 || samples.length > 10_000) this.samples = samples.slice(Math.max(drop, samples.length - 10_000));
  }

  /** The age of the oldest primary position the replica has not applied (0 when it applied them all). */
  private lagOf(replayed: string, facts: ReplicationFacts): number {
    for (const s of this.samples) {
      if (!facts.reached(replayed, s.position)) return Math.round(performance.now() - s.at);
    }
    return 0;
  }
}
