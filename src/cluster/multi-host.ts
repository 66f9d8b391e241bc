import type { BackendDefinition, Dialect, DriverConnection } from "../dialects/contract/index.js";
import { redactUrl } from "../config/redact.js";
import { takeUrlParam } from "../config/url-params.js";
import { ConfigError } from "../errors.js";
import { withTimeout } from "../util/timeout.js";

/** libpq's `target_session_attrs`: which hosts of a list a new connection may settle on. */
export type SessionAttrs = "any" | "read-write" | "read-only" | "primary" | "standby" | "prefer-standby";
const ATTRS: readonly SessionAttrs[] = ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"];

/** A host list from a URL: one single-host URL per host, and how new connections pick among them. */
export interface HostList {
  /** The URL with one host each (`postgres://u:p@h1:5432/db?...`), in the list's order. */
  urls: string[];
  attrs: SessionAttrs;
  /** `random` (libpq's `load_balance_hosts`): each new connection starts at a random host; `disable`: in order. */
  balance: "disable" | "random";
  /** Per-host connect deadline (`connect_timeout`, seconds in the URL), so a dead host does not stall the rest. */
  hostTimeoutMs: number;
  /** MariaDB Galera `wsrep_sync_wait` for every session (causal reads across nodes), when asked for. */
  syncWait?: number;
}

/** Default per-host connect deadline of a host list. */
const HOST_TIMEOUT_MS = 2_000;

/**
 * Splits `scheme://user:pass@h1:p1,h2:p2/db?params` into one URL per host, and takes out
 * polysql's host-list parameters: `target_session_attrs`, `load_balance_hosts`,
 * `connect_timeout` (per host, seconds) and `wsrep_sync_wait`. Undefined for a single host
 * (its URL then goes to the backend as it is).
 */
export function parseHostList(url: string): HostList | undefined {
  const m = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?)([^/?#]*)(.*)$/i.exec(url);
  if (m === null || !m[2].includes(",")) {
    for (const key of ["target_session_attrs", "load_balance_hosts", "wsrep_sync_wait"]) {
      if (takeUrlParam(url, key).value !== undefined) throw new ConfigError(`URL parameter "${key}" needs a host list (h1:port,h2:port)`);
    }
    return undefined;
  }
  let rest = m[3];
  const take = (key: string) => {
    const taken = takeUrlParam(`x:${rest}`, key);
    rest = taken.url.slice(2);
    return taken.value;
  };
  const attrs = (take("target_session_attrs") ?? "any") as SessionAttrs;
  if (!ATTRS.includes(attrs)) throw new ConfigError(`target_session_attrs=${attrs} is not one of ${ATTRS.join(", ")}`);
  const balance = take("load_balance_hosts") ?? "disable";
  if (balance !== "disable" && balance !== "random") throw new ConfigError(`load_balance_hosts=${balance} is not one of disable, random`);
  const timeout = take("connect_timeout");
  const hostTimeoutMs = timeout === undefined ? HOST_TIMEOUT_MS : Number(timeout) * 1000;
  if (!Number.isFinite(hostTimeoutMs) || hostTimeoutMs <= 0) throw new ConfigError(`connect_timeout=${timeout} must be a number of seconds > 0`);
  const syncWaitText = take("wsrep_sync_wait");
  const syncWait = syncWaitText === undefined ? undefined : Number(syncWaitText);
  if (syncWait !== undefined && (!Number.isInteger(syncWait) || syncWait < 0 || syncWait > 15)) {
    throw new ConfigError(`wsrep_sync_wait=${syncWaitText} must be a whole number from 0 to 15`);
  }
  const hosts = m[2].split(",");
  if (hosts.some((h) => h === "")) throw new ConfigError(`Empty host in the host list of ${redactUrl(url)}`);
  return { urls: hosts.map((host) => `${m[1]}${host}${rest}`), attrs, balance, hostTimeoutMs, ...(syncWait === undefined ? {} : { syncWait }) };
}

/** Reads the first value of a driver result (objects or arrays). */
async function ask(driver: DriverConnection, sql: string): Promise<unknown> {
  const result = await driver.query(sql, [], { rowMode: "array" });
  const row = result.rows[0] as unknown[] | Record<string, unknown> | undefined;
  if (row === undefined) return undefined;
  return Array.isArray(row) ? row[0] : Object.values(row)[0];
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === 1n || value === "ON" || value === "on" || value === "t";
}

/** A driver connection that re-applies a setting after every reset (a reset clears session settings). */
class SettingConnection implements DriverConnection {
  /** The inner driver's batched stream, when it has one. */
  readonly streamBatches?: DriverConnection["streamBatches"];
  constructor(
    private readonly inner: DriverConnection,
    private readonly setup: string,
  ) {
    if (inner.streamBatches !== undefined) this.streamBatches = (sql, values, options) => inner.streamBatches!(sql, values, options);
  }
  query: DriverConnection["query"] = (sql, values, options) => this.inner.query(sql, values, options);
  stream: DriverConnection["stream"] = (sql, values, options) => this.inner.stream(sql, values, options);
  async reset(): Promise<void> {
    await this.inner.reset();
    await this.inner.query(this.setup, []);
  }
  isAlive(): boolean {
    return this.inner.isAlive?.() ?? true;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  onError(handler: (err: unknown) => void): void {
    this.inner.onError(handler);
  }
}

/**
 * The backend with `connect` over a host list: each new connection tries the hosts (in order,
 * or from a random one), each within the per-host deadline; a host is taken when its session
 * fits `target_session_attrs` (checked with the dialect's `replication.readOnlySql`) and, where
 * the dialect says how (`replication.nodeReadySql`, a Galera node Synced), it is ready; else
 * the next host. `prefer-standby` takes a primary only when no standby answers. Every other
 * part of the backend is the original's.
 *
 * `configs[i]` is host i's config from its own URL; the pool resolves credentials on the first
 * one, and each host gets the resolved config with its own address fields.
 */
export function multiHostBackend(backend: BackendDefinition<object>, dialect: Dialect, hosts: HostList, configs: readonly object[]): BackendDefinition<object> {
  const first = configs[0] as Record<string, unknown>;
  // What differs per host (host/port, PostgreSQL's connection string): laid over the resolved config.
  const own = configs.map((c) => {
    const diff: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(c)) if (value !== first[key]) diff[key] = value;
    return diff;
  });
  const labels = hosts.urls.map((u) => /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(u)?.[1] ?? u);
  const facts = dialect.replication;
  const needsRole = hosts.attrs !== "any";
  if (needsRole && facts === undefined)
    throw new ConfigError(`target_session_attrs=${hosts.attrs} needs the ${backend.name} backend to say how a node reports read-only (dialect.replication)`);
  let turn = 0;
  const hostTimeoutMs = hosts.hostTimeoutMs;
  const withDeadline = backend.configKeys.includes("connectTimeoutMs");

  /** Opens host i and says whether it fits; closes it when it does not. */
  const tryHost = async (config: object, i: number, values: Parameters<BackendDefinition<object>["connect"]>[1], want: "primary" | "standby" | "any") => {
    const hostConfig = { ...config, ...own[i], ...(withDeadline ? { connectTimeoutMs: hostTimeoutMs } : {}) };
    const opening = backend.connect(hostConfig, values);
    let driver: DriverConnection;
    try {
      driver = await withTimeout(
        opening,
        hostTimeoutMs,
        () => new Error(`no answer within ${hostTimeoutMs} ms`),
        (late) => void late.close(),
      );
    } catch (err) {
      return { problem: String((err as Error)?.message ?? err) };
    }
    try {
      if (want !== "any") {
        const readOnly = truthy(await withTimeout(ask(driver, facts!.readOnlySql), hostTimeoutMs, () => new Error("role check timed out")));
        if (readOnly !== (want === "standby")) {
          await driver.close();
          return { problem: readOnly ? "read-only" : "read-write" };
        }
      }
      if (
        facts?.nodeReadySql !== undefined &&
        !truthy(await withTimeout(ask(driver, facts.nodeReadySql), hostTimeoutMs, () => new Error("node check timed out")))
      ) {
        await driver.close();
        return { problem: "not ready (a Galera node not Synced)" };
      }
      if (hosts.syncWait !== undefined) {
        const setup = `SET SESSION wsrep_sync_wait = ${hosts.syncWait}`;
        await driver.query(setup, []);
        return { driver: new SettingConnection(driver, setup) };
      }
      return { driver };
    } catch (err) {
      await driver.close();
      return { problem: String((err as Error)?.message ?? err) };
    }
  };

  return {
    ...backend,
    async connect(config, values) {
      const n = hosts.urls.length;
      const start = hosts.balance === "random" ? turn++ % n : 0;
      const order = Array.from({ length: n }, (_, k) => (start + k) % n);
      const passes: ("primary" | "standby" | "any")[] =
        hosts.attrs === "prefer-standby"
          ? ["standby", "any"]
          : hosts.attrs === "read-write" || hosts.attrs === "primary"
            ? ["primary"]
            : hosts.attrs === "read-only" || hosts.attrs === "standby"
              ? ["standby"]
              : ["any"];
      const problems: string[] = [];
      for (const want of passes) {
        for (const i of order) {
          const outcome = await tryHost(config, i, values, want);
          if (outcome.driver !== undefined) return outcome.driver;
          problems.push(`${labels[i]}: ${outcome.problem}`);
        }
      }
      throw new Error(`No host of the list gave a ${hosts.attrs === "any" ? "usable" : hosts.attrs} session (${problems.join("; ")})`);
    },
  };
}
