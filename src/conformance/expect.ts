import { inspect, isDeepStrictEqual } from "node:util";
import { PolysqlError, type ErrorCode } from "../errors.js";

/** A conformance check's failed expectation; its message is the whole story. */
export class ConformanceFailure extends Error {
  override readonly name = "ConformanceFailure";
}

/** A value as a failure message shows it: types visible (`1` vs `true`, `"1"` vs `1`, Buffers as bytes). */
export function show(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 80 });
}

/** Fails unless `condition` holds. */
export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceFailure(message);
}

/** Fails unless `actual` deeply and strictly equals `expected`, naming `what` and both values. */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) throw new ConformanceFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/** Awaits `promise`, which must reject with a polysql error of `code`; returns that error. */
export async function expectCode(promise: Promise<unknown> | (() => Promise<unknown>), code: ErrorCode, what: string): Promise<PolysqlError> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (err) {
    if (!(err instanceof PolysqlError)) {
      throw new ConformanceFailure(
        `${what}: expected a PolysqlError with code "${code}", got ${describeError(err)} (the backend's mapError did not translate it)`,
      );
    }
    if (err.code !== code) throw new ConformanceFailure(`${what}: expected error code "${code}", got "${err.code}": ${err.message}`);
    return err;
  }
  throw new ConformanceFailure(`${what}: expected error code "${code}", but it succeeded`);
}

/** A thrown value as one line: `code: message` for polysql errors, `Name: message` otherwise. */
export function describeError(err: unknown): string {
  if (err instanceof ConformanceFailure) return err.message;
  if (err instanceof PolysqlError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return show(err);
}
