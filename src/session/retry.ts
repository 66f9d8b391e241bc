import { setTimeout as sleep } from "node:timers/promises";
import { PolysqlError } from "../errors.js";
import { resolveNumbers } from "../config/options.js";

/** Retry settings for transient failures. */
export interface RetryOptions {
  /** Extra attempts after the first. Default 2. */
  retries: number;
  /** First backoff delay; doubles each attempt. Default 20 ms. */
  baseDelayMs: number;
  /** Largest single delay. Default 1,000 ms. */
  maxDelayMs: number;
  /** Total time spent on one call including retries; no new attempt starts past it. Default 10,000 ms. */
  budgetMs: number;
}

export const RETRY_DEFAULTS: RetryOptions = { retries: 2, baseDelayMs: 20, maxDelayMs: 1_000, budgetMs: 10_000 };

/** Codes the engine reports after it rolled the statement back: retrying is safe. */
const ROLLED_BACK = new Set(["serialization_failure", "deadlock", "lock_timeout"]);

/**
 * Whether a failed call may run again: a conflict the engine rolled back, or a
 * connection failure before the statement was sent. Never a unique violation,
 * a syntax error, or a write whose outcome is unknown (the connection broke
 * after the statement was sent).
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof PolysqlError)) return false;
  if (ROLLED_BACK.has(err.code)) return true;
  return err.code === "connection_failure" && (err as { phase?: string }).phase === "connect";
}

/** Capped exponential backoff with full jitter. */
export function backoffMs(attempt: number, options: RetryOptions): number {
  return Math.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
}

/** Runs `fn`, retrying transient failures within the attempt count and the time budget; `fn` gets the attempt number (1 first). */
export function withRetries<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions, retries = options.retries): Promise<T> {
  const started = Date.now();
  const first = fn(1);
  // The common case succeeds first time: no async frame, no extra tick.
  return retries === 0 ? first : first.catch((err) => retryAfter(err, fn, options, retries, started));
}

async function retryAfter<T>(err: unknown, fn: (attempt: number) => Promise<T>, options: RetryOptions, retries: number, started: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const delay = backoffMs(attempt, options);
    if (attempt >= retries || !isRetryable(err) || Date.now() - started + delay > options.budgetMs) throw err;
    await sleep(delay);
    try {
      return await fn(attempt + 2);
    } catch (next) {
      err = next;
    }
  }
}

/** Checks a `retry` option object; unknown keys are errors. */
export function resolveRetryOptions(input: unknown): RetryOptions {
  return resolveNumbers("retry", input, RETRY_DEFAULTS);
}
