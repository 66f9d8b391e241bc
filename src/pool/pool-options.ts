import { ConfigError } from "../errors.js";
import { resolveNumbers } from "../config/options.js";

/** Pool settings; every one is checked when the pool is built, unknown keys are errors. */
export interface PoolOptions {
  /** Connections kept open even when idle. Default 0. */
  min: number;
  /** Most connections open at once. Default 10 (1 for single-writer engines). */
  max: number;
  /** Absolute deadline for `acquire`: a connection by then or a `pool_timeout` error. Default 10,000. */
  acquireTimeoutMs: number;
  /** Deadline for opening one connection. Default 10,000. */
  connectTimeoutMs: number;
  /** An idle connection above `min` is closed after this long. 0 = never. Default 30,000. */
  idleTimeoutMs: number;
  /** A connection is retired (when idle) after about this long, minus up to 2.5% jitter. 0 = never. Default 1,800,000. */
  maxLifetimeMs: number;
  /** A connection idle longer than this is validated before it is handed out. Default 1,000. */
  validateAfterIdleMs: number;
  /** Deadline for that validation. Default 2,000. */
  validationTimeoutMs: number;
  /** Warn (with the acquiring stack) when a connection is held longer than this. 0 = off. Default 0. */
  leakDetectionMs: number;
}

export const POOL_DEFAULTS: PoolOptions = {
  min: 0,
  max: 10,
  acquireTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxLifetimeMs: 1_800_000,
  validateAfterIdleMs: 1_000,
  validationTimeoutMs: 2_000,
  leakDetectionMs: 0,
};

/** Merges and checks pool options; names the option and the accepted values on error. */
export function resolvePoolOptions(input: unknown, base: PoolOptions = POOL_DEFAULTS): PoolOptions {
  const out = resolveNumbers("pool", input, base);
  if (out.max < 1) throw new ConfigError(`Pool option "max" must be at least 1, got ${out.max}`);
  if (out.min > out.max) throw new ConfigError(`Pool option "min" (${out.min}) must not exceed "max" (${out.max})`);
  if (out.acquireTimeoutMs < 1) throw new ConfigError(`Pool option "acquireTimeoutMs" must be at least 1`);
  return out;
}
