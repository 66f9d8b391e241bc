import { AsyncLocalStorage } from "node:async_hooks";
import type { BackendDefinition, Dialect, Row, TransactionOptions } from "./backend.js";
import type { ValueOptions } from "./decoders.js";
import { ConnectionError, PolysqlError, PoolError } from "./errors.js";
import { Lease, Pool, type PoolMetrics } from "./pool/pool.js";
import type { PoolOptions } from "./pool/pool-options.js";
import { Queryable } from "./queryable.js";
import { resetSession, Session } from "./session.js";
import type { CompiledQuery } from "./sql/index.js";
import { Connection } from "./connection.js";
import { checkTransactionOptions, runInTransaction, Transaction } from "./transaction.js";

/** What `health()` reports; it never throws. */
export interface HealthReport {
  ok: boolean;
  latencyMs: number;
  backend: string;
  serverVersion?: string;
  pool: PoolMetrics;
  error?: { code: string; message: string };
}

/** Databases whose transaction callback is running in the current async context. */
const openTransactions = new AsyncLocalStorage<ReadonlySet<Database>>();

/**
 * A pool of connections to one database, with the query methods, transactions,
 * health and metrics. Get one from `connect()`.
 *
 * @example
 * const db = await connect("sqlite:./app.db");
 * await db.execute("INSERT INTO users (name) VALUES (:name)", { name: "Ada" });
 * await db.close();
 */
export class Database extends Queryable {
  private readonly pool: Pool<Session>;
  private serverVersion?: string;

  constructor(
    private readonly backend: BackendDefinition<object>,
    config: object,
    values: ValueOptions,
    poolOptions: PoolOptions,
  ) {
    super();
    this.pool = new Pool<Session>(
      {
        create: async () => {
          try {
            return new Session(await backend.connect(config, values), backend);
          } catch (err) {
            throw connectError(backend, err);
          }
        },
        destroy: (s) => s.driver.close(),
        validate: async (s) => {
          if (s.broken) return false;
          await s.run({ sql: "SELECT 1", values: [] });
          return !s.broken;
        },
        isAlive: (s) => !s.broken,
      },
      poolOptions,
    );
  }

  get dialect(): string {
    return this.backend.dialect.name;
  }

  protected get facts(): Dialect {
    return this.backend.dialect;
  }

  /** Opens the first connection so a bad URL or password fails at `connect()`. */
  async open(): Promise<this> {
    const lease = await this.acquire();
    try {
      const result = await lease.resource.run({ sql: this.facts.serverVersionSql, values: [] });
      this.serverVersion = firstValue(result.rows[0]);
    } finally {
      await this.release(lease);
    }
    return this;
  }

  /**
   * Runs `fn` in a transaction on one connection: commit when it returns, roll
   * back and rethrow when it throws. With `retries`, a transient failure
   * (serialization failure, deadlock, lock timeout) reruns the whole callback.
   *
   * @example
   * const id = await db.transaction(async (tx) => tx.insert("accounts", { owner, balance: 0 }), { isolation: "serializable", retries: 3 });
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T, options: TransactionOptions = {}): Promise<T> {
    checkTransactionOptions(options);
    const retries = options.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.runTransaction(fn, options);
      } catch (err) {
        const retry = attempt < retries && err instanceof PolysqlError && err.transient && err.code !== "pool_timeout";
        if (!retry) throw err;
        await sleep(Math.min(1_000, 10 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
  }

  private async runTransaction<T>(fn: (tx: Transaction) => Promise<T> | T, options: TransactionOptions): Promise<T> {
    const lease = await this.acquire();
    try {
      const inside = new Set(openTransactions.getStore() ?? []).add(this);
      return await runInTransaction(lease.resource, options, (tx) => openTransactions.run(inside, () => fn(tx)));
    } finally {
      await this.release(lease);
    }
  }

  /**
   * Runs `fn` with one connection held for its whole duration, outside any
   * transaction: for session-bound work such as advisory locks or `SET`.
   * The connection is checked back in afterwards (rolled back if a transaction
   * was left open, destroyed if it broke).
   *
   * @example
   * await db.connection(async (conn) => { await conn.execute("SELECT pg_advisory_lock(1)"); ... });
   */
  async connection<T>(fn: (conn: Connection) => Promise<T> | T): Promise<T> {
    const lease = await this.acquire();
    const conn = new Connection(lease.resource);
    // Anything may happen to a pinned session: always reset it before reuse.
    lease.resource.dirty = true;
    try {
      const inside = new Set(openTransactions.getStore() ?? []).add(this);
      return await openTransactions.run(inside, () => fn(conn));
    } finally {
      conn.finish();
      await this.release(lease);
    }
  }

  /** Pool state and counters: total, active, idle, waiting, pendingCreates, acquire-wait percentiles. */
  metrics(): PoolMetrics {
    return this.pool.metrics();
  }

  /** Checks the database answers, within `timeoutMs`; never throws. */
  async health(timeoutMs = 5_000): Promise<HealthReport> {
    const started = performance.now();
    const report = (extra: Partial<HealthReport>): HealthReport => ({
      ok: false,
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
      backend: this.backend.name,
      serverVersion: this.serverVersion,
      pool: this.pool.metrics(),
      ...extra,
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PolysqlError("query_timeout", `Health check took over ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const version = await Promise.race([this.value<string>(this.facts.serverVersionSql), deadline]);
      this.serverVersion = String(version);
      return report({ ok: true, serverVersion: this.serverVersion });
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      return report({ error: { code: typeof e.code === "string" ? e.code : "unknown", message: String(e.message ?? err) } });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes every connection; waiting callers get `pool_closed`. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private acquire(): Promise<Lease<Session>> {
    if (this.pool.exhausted && openTransactions.getStore()?.has(this)) {
      return Promise.reject(
        new PoolError(
          "pool_exhausted",
          `No free connection: this call runs inside a transaction callback that holds one of the pool's ${this.pool.options.max} connection(s). Use the transaction handle (tx) instead of the database, or raise pool.max.`,
        ),
      );
    }
    return this.pool.acquire();
  }

  /** Returns a connection; one whose session state changed is reset first, or destroyed if that fails. */
  private release(lease: Lease<Session>): void | Promise<void> {
    const session = lease.resource;
    if (!session.dirty && !session.inTransaction) return this.pool.release(lease, session.broken);
    return resetSession(session, this.pool.options.validationTimeoutMs).then((clean) => this.pool.release(lease, !clean));
  }

  protected async withSession<T>(fn: (session: Session) => Promise<T>, transactional: boolean): Promise<T> {
    const lease = await this.acquire();
    try {
      return await (transactional ? runInTransaction(lease.resource, {}, () => fn(lease.resource)) : fn(lease.resource));
    } finally {
      await this.release(lease);
    }
  }

  protected async runQuery(query: CompiledQuery) {
    const lease = await this.acquire();
    try {
      return await lease.resource.run(query);
    } finally {
      await this.release(lease);
    }
  }

  protected async *streamQuery(query: CompiledQuery, batchSize: number): AsyncGenerator<Row> {
    const lease = await this.acquire();
    try {
      yield* lease.resource.stream(query, batchSize);
    } finally {
      await this.release(lease);
    }
  }
}

/** A failure to open a connection, as a `connection_failure` unless the engine says more (e.g. bad password). */
function connectError(backend: BackendDefinition<object>, err: unknown): unknown {
  if (err instanceof PolysqlError) return err;
  const mapped = backend.dialect.mapError(err);
  const message = `Could not connect to ${backend.name}: ${String((err as Error)?.message ?? err)}`;
  return new ConnectionError(message, { ...mapped, engine: backend.name, cause: err, transient: mapped === undefined || mapped.code === "connection_failure" });
}

function firstValue(row: Row | undefined): string | undefined {
  if (row === undefined) return undefined;
  for (const key in row) return String(row[key]);
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
