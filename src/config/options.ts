import { ConfigError } from "../errors.js";

/**
 * The one wording of an unknown option, naming every accepted one:
 * `Unknown pool option "maxx" (accepted: min, max, ...)`. `from` says where the
 * options came from (`Unknown sqlite option "x" from the options function (...)`).
 */
export function unknownOptionMessage(what: string, key: string, accepted: readonly string[], from?: string): string {
  return `Unknown ${what} option "${key}"${from === undefined ? "" : ` from ${from}`} (accepted: ${accepted.length > 0 ? accepted.join(", ") : "none"})`;
}

/** The own enumerable keys of `object` that are not `accepted`, in the object's order. */
export function unknownKeys(object: object, accepted: readonly string[]): string[] {
  return Object.keys(object).filter((key) => !accepted.includes(key));
}

/**
 * Checks an options object's keys (before its values): the first key not in
 * `accepted` is a `ConfigError` worded by `unknownOptionMessage`. Checks that
 * collect problems or throw another error (the CLI's `UsageError`) use `unknownKeys`.
 *
 * @example checkKnownKeys("migration", options, ["dir", "to"]) // throws: Unknown migration option "dryrun" (accepted: dir, to)
 */
export function checkKnownKeys(what: string, object: object, accepted: readonly string[], from?: string): void {
  const [key] = unknownKeys(object, accepted);
  if (key !== undefined) throw new ConfigError(unknownOptionMessage(what, key, accepted, from));
}

/** Merges an options object of whole numbers >= 0 over defaults, naming any bad key. */
export function resolveNumbers<T extends object>(name: string, input: unknown, defaults: T): T {
  if (input === undefined) return { ...defaults };
  if (input === null || typeof input !== "object" || Array.isArray(input)) throw new ConfigError(`Option "${name}" must be an object`);
  checkKnownKeys(name, input, Object.keys(defaults));
  const out = { ...defaults } as Record<string, number>;
  for (const [key, value] of Object.entries(input)) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw new ConfigError(`${name} option "${key}" must be a whole number >= 0, got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return out as T;
}
