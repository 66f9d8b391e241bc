import { queryContenders, RAW, RAW_ARRAYS } from "../contenders/index.js";
import { ENGINES, type Engine } from "./types.js";

/** Workload sizes; `--quick` scales them down so a whole run takes about three minutes. */
export interface Sizes {
  rounds: number;
  bulkRounds: number;
  serial: Record<Engine, number>;
  concurrent: Record<Engine, number>;
  wide: Record<Engine, number>;
  tx: Record<Engine, number>;
  bulkRows: number;
  growthSizes: number[];
  growthMinRows: number;
  latencyOps: Record<Engine, number>;
  latencyLevels: number[];
  streamRows: number;
  streamRounds: number;
  compileIterations: Record<string, number>;
  poolCycles: number;
  /** Fresh processes per round of the cold-start scenario. */
  coldRuns: number;
}

export const FULL: Sizes = {
  rounds: 4,
  bulkRounds: 2,
  serial: { sqlite: 100_000, postgres: 5_000, mysql: 5_000 },
  concurrent: { sqlite: 100_000, postgres: 10_000, mysql: 10_000 },
  wide: { sqlite: 300, postgres: 200, mysql: 200 },
  tx: { sqlite: 20_000, postgres: 2_000, mysql: 2_000 },
  bulkRows: 1_000_000,
  growthSizes: [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000],
  growthMinRows: 2_000,
  latencyOps: { sqlite: 20_000, postgres: 3_000, mysql: 3_000 },
  latencyLevels: [1, 4, 16, 64, 256],
  streamRows: 1_000_000,
  streamRounds: 2,
  compileIterations: { "polysql (cached)": 1_000_000, "polysql (uncached)": 50_000, "knex raw": 100_000, "knex builder": 50_000, "kysely builder": 50_000 },
  poolCycles: 200_000,
  coldRuns: 10,
};

export const QUICK: Sizes = {
  rounds: 2,
  bulkRounds: 1,
  serial: { sqlite: 20_000, postgres: 800, mysql: 800 },
  concurrent: { sqlite: 20_000, postgres: 2_000, mysql: 2_000 },
  wide: { sqlite: 60, postgres: 40, mysql: 40 },
  tx: { sqlite: 4_000, postgres: 400, mysql: 400 },
  bulkRows: 100_000,
  growthSizes: [1, 10, 100, 1_000, 10_000, 100_000],
  growthMinRows: 300,
  latencyOps: { sqlite: 4_000, postgres: 600, mysql: 600 },
  latencyLevels: [1, 4, 16, 64, 256],
  streamRows: 1_000_000,
  streamRounds: 1,
  compileIterations: { "polysql (cached)": 200_000, "polysql (uncached)": 10_000, "knex raw": 20_000, "knex builder": 10_000, "kysely builder": 10_000 },
  poolCycles: 50_000,
  coldRuns: 5,
};

export interface ScenarioInfo {
  id: string;
  title: string;
  unit: string;
  /** True for throughput (ops/s), false for costs (ns/op). */
  higherIsBetter: boolean;
  /** Groups (engines, or modes for CPU-only scenarios) and their contenders; polysql first. */
  groups: { group: string; contenders: string[] }[];
  rounds: (s: Sizes) => number;
}

const perEngine = (contenders: (e: Engine) => string[]) => ENGINES.map((e) => ({ group: e, contenders: contenders(e) }));

export const SCENARIOS: ScenarioInfo[] = [
  {
    id: "1",
    title: "Serial point lookup by primary key (1 connection)",
    unit: "ops/s",
    higherIsBetter: true,
    groups: perEngine(queryContenders),
    rounds: (s) => s.rounds,
  },
  {
    id: "2",
    title: "Concurrent point lookups (64 callers, pool of 4)",
    unit: "ops/s",
    higherIsBetter: true,
    groups: perEngine(queryContenders),
    rounds: (s) => s.rounds,
  },
  {
    id: "3",
    title: "Wide rows: 1,000 rows x 10 mixed columns, decoded",
    unit: "rows/s",
    higherIsBetter: true,
    // polysql:query is db.query() (rows as arrays), against the raw drivers' own array mode.
    groups: perEngine((e) => [...queryContenders(e), "polysql:query", RAW_ARRAYS[e]]),
    rounds: (s) => s.rounds,
  },
  {
    id: "4",
    title: "Short transactions (BEGIN/SELECT/UPDATE/COMMIT), 64 callers, pool of 4",
    unit: "tx/s",
    higherIsBetter: true,
    groups: perEngine(queryContenders),
    rounds: (s) => s.rounds,
  },
  {
    id: "5",
    title: "Bulk insert of 1,000,000 rows x 5 mixed columns",
    unit: "rows/s",
    higherIsBetter: true,
    groups: [
      { group: "sqlite", contenders: ["polysql", "better-sqlite3:prepared-tx", "knex"] },
      { group: "postgres", contenders: ["polysql", "pg:copy", "pg:multirow", "knex"] },
      { group: "mysql", contenders: ["polysql", "mariadb:multirow", "mariadb:batch", "knex"] },
    ],
    rounds: (s) => s.bulkRounds,
  },
  {
    id: "6",
    title: "Parameter compilation, 10 named parameters (CPU only)",
    unit: "ns/op",
    higherIsBetter: false,
    groups: [{ group: "cpu", contenders: ["polysql (cached)", "polysql (uncached)", "knex raw", "knex builder", "kysely builder"] }],
    rounds: (s) => s.rounds,
  },
  {
    id: "7",
    title: "Pool acquire/release, fake resources (CPU only)",
    unit: "ns/cycle",
    higherIsBetter: false,
    groups: ["serial", "contended"].map((group) => ({ group, contenders: ["polysql", "tarn", "generic-pool"] })),
    rounds: (s) => s.rounds,
  },
  {
    id: "8",
    title: "Streaming 1,000,000 rows x 5 columns",
    unit: "rows/s",
    higherIsBetter: true,
    groups: perEngine((e) => ["polysql", RAW[e][0]]),
    rounds: (s) => s.streamRounds,
  },
  {
    id: "latency",
    title: "Point-lookup latency as concurrency grows 1 to 256 (pool of 4)",
    unit: "ops/s at 64",
    higherIsBetter: true,
    groups: perEngine((e) => ["polysql", RAW[e][0]]),
    rounds: () => 1,
  },
  {
    id: "cold",
    title: "Cold start: import, connect() to the first row, a new connection's first query (fresh processes)",
    unit: "ms to first row",
    higherIsBetter: false,
    groups: [
      { group: "sqlite", contenders: ["polysql", "better-sqlite3", "knex", "kysely"] },
      { group: "postgres", contenders: ["polysql", "pg", "postgres.js", "knex", "kysely"] },
      { group: "mysql", contenders: ["polysql", "mariadb", "mysql2", "knex", "kysely"] },
    ],
    rounds: (s) => s.streamRounds,
  },
  {
    id: "growth",
    title: "Bulk insert rows/s as the batch grows 1 to 1,000,000",
    unit: "rows/s at largest",
    higherIsBetter: true,
    groups: [
      { group: "sqlite", contenders: ["polysql", "better-sqlite3:prepared-tx"] },
      { group: "postgres", contenders: ["polysql", "pg:copy", "pg:multirow"] },
      { group: "mysql", contenders: ["polysql", "mariadb:multirow"] },
    ],
    rounds: () => 1,
  },
  {
    id: "obs",
    title: "Observability overhead: serial point lookups with nothing observing, an onQuery hook, OpenTelemetry's SDK (in-memory exporters)",
    unit: "ops/s",
    higherIsBetter: true,
    // Issue 15: polysql alone, polysql:hook (onQuery), polysql:otel (BatchSpanProcessor + in-memory exporters, bench/lib/otel-sdk.ts).
    groups: perEngine(() => ["polysql", "polysql:hook", "polysql:otel"]),
    rounds: (s) => s.rounds * 2,
  },
];
