import { ConfigError } from "../errors.js";

/** Merges an options object of whole numbers >= 0 over defaults, naming any bad key. */
export function resolveNumbers<T extends object>(name: string, input: unknown, defaults: T): T {
  if (input === undefined) return { ...defaults };
  if (input === null || typeof input !== "object" || Array.isArray(input)) throw new ConfigError(`Option "${name}" must be an object`);
  const out = { ...defaults } as Record<string, number>;
  for (const [key, value] of Object.entries(input)) {
    if (!Object.hasOwn(defaults, key)) throw new ConfigError(`Unknown ${name} option "${key}" (accepted: ${Object.keys(defaults).join(", ")})`);
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw new ConfigError(`${name} option "${key}" must be a whole number >= 0, got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return out as T;
}
