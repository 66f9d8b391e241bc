import genericPool from "generic-pool";
import { Pool as TarnPool } from "tarn";
import { polysqlModule } from "../lib/polysql-src.js";
import { check, type Measurement } from "../lib/measure.js";

interface Fake {
  id: number;
  uses: number;
}

interface Cycle {
  acquire(): Promise<unknown>;
  release(handle: unknown): void;
  resource(handle: unknown): Fake;
  close(): Promise<void>;
}

async function makePool(contender: string, max: number): Promise<Cycle> {
  let made = 0;
  const create = (): Fake => ({ id: ++made, uses: 0 });
  switch (contender) {
    case "polysql": {
      const { Pool } = await polysqlModule<typeof import("../../src/pool/pool.js")>("pool/pool.js");
      const { POOL_DEFAULTS } = await polysqlModule<typeof import("../../src/pool/pool-options.js")>("pool/pool-options.js");
      const pool = new Pool<Fake>(
        { create: async () => create(), destroy: async () => undefined, validate: async () => true, isAlive: () => true },
        { ...POOL_DEFAULTS, max },
      );
      type L = Parameters<typeof pool.release>[0];
      return { acquire: () => pool.acquire(), release: (l) => pool.release(l as L), resource: (l) => (l as L).resource, close: () => pool.close() };
    }
    case "tarn": {
      const pool = new TarnPool<Fake>({ create: async () => create(), destroy: () => undefined, min: 0, max });
      return {
        acquire: () => pool.acquire().promise,
        release: (r) => void pool.release(r as Fake),
        resource: (r) => r as Fake,
        close: async () => void (await pool.destroy()),
      };
    }
    case "generic-pool": {
      const pool = genericPool.createPool<Fake>({ create: async () => create(), destroy: async () => undefined }, { max, min: 0 });
      return {
        acquire: () => pool.acquire(),
        release: (r) => void pool.release(r as Fake),
        resource: (r) => r as Fake,
        close: async () => {
          await pool.drain();
          await pool.clear();
        },
      };
    }
  }
  throw new Error(`unknown pool contender ${contender}`);
}

/** Scenario 7: ns per acquire+release of fake resources; "serial" = one caller, "contended" = 64 callers on max 4. */
export async function poolBench(contender: string, mode: string, cycles: number): Promise<Measurement> {
  const callers = mode === "serial" ? 1 : 64;
  const pool = await makePool(contender, 4);
  let done = 0;
  const run = async (count: number) => {
    let next = 0;
    const loop = async () => {
      while (next++ < count) {
        const handle = await pool.acquire();
        pool.resource(handle).uses++;
        if (callers > 1) await Promise.resolve();
        pool.release(handle);
        done++;
      }
    };
    await Promise.all(Array.from({ length: callers }, loop));
  };
  await run(Math.ceil(cycles / 5));
  done = 0;
  const started = process.hrtime.bigint();
  await run(cycles);
  const ns = Number(process.hrtime.bigint() - started);
  check(done === cycles, `completed ${done} cycles, expected ${cycles}`);
  await pool.close();
  return { value: ns / cycles };
}
