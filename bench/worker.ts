/**
 * One contender, one scenario, one round, in its own process:
 *   node --import tsx bench/worker.ts '<json job>'
 * Prints the measurement as the last stdout line, prefixed with RESULT.
 */
import { CONTENDERS } from "./contenders/index.js";
import type { Measurement } from "./lib/measure.js";
import type { Sizes } from "./lib/plan.js";
import type { Engine } from "./lib/types.js";
import { bulkGrowth, bulkInsert } from "./scenarios/bulk.js";
import { coldStart } from "./scenarios/cold.js";
import { compileBench } from "./scenarios/compile.js";
import { poolBench } from "./scenarios/pool.js";
import { concurrentLookups, latencySweep, serialLookups, transactions, wideRows } from "./scenarios/queries.js";
import { streamRows } from "./scenarios/stream.js";

export interface Job {
  scenario: string;
  group: string;
  contender: string;
  sizes: Sizes;
}

async function run(job: Job): Promise<Measurement> {
  const { scenario, group, sizes } = job;
  if (scenario === "6") return compileBench(job.contender, sizes.compileIterations[job.contender]);
  if (scenario === "7") return poolBench(job.contender, group, sizes.poolCycles);
  if (scenario === "cold") return coldStart(job.contender, group as Engine, sizes.coldRuns);
  const engine = group as Engine;
  const [name, variant] = job.contender.split(":");
  const pool = scenario === "1" || scenario === "obs" ? 1 : 4;
  const client = await CONTENDERS[name](engine, { pool, variant });
  try {
    switch (scenario) {
      case "1":
      case "obs":
        return await serialLookups(client, sizes.serial[engine]);
      case "2":
        return await concurrentLookups(client, sizes.concurrent[engine], 64);
      case "3":
        return await wideRows(client, sizes.wide[engine]);
      case "4":
        return await transactions(client, engine, sizes.tx[engine], 64);
      case "5":
        return await bulkInsert(client, engine, sizes.bulkRows);
      case "8":
        return await streamRows(client, sizes.streamRows);
      case "latency":
        return await latencySweep(client, sizes.latencyOps[engine], sizes.latencyLevels);
      case "growth":
        return await bulkGrowth(client, engine, sizes.growthSizes, sizes.growthMinRows);
    }
    throw new Error(`unknown scenario ${scenario}`);
  } finally {
    await client.close();
  }
}

const job = JSON.parse(process.argv[2]) as Job;
run(job).then(
  (m) => {
    process.stdout.write(`RESULT ${JSON.stringify(m)}\n`);
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
