import { createRequire } from "node:module";
import { DriverMissingError } from "../../errors.js";

const require = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

/**
 * Loads a driver package the first time its URL scheme is used; a missing one
 * is a `driver_missing` error naming the package to install.
 */
export function loadDriver<T>(pkg: string, scheme: string): T {
  let mod = loaded.get(pkg);
  if (mod === undefined) {
    try {
      mod = require(pkg);
    } catch (err) {
      if ((err as { code?: string }).code === "MODULE_NOT_FOUND" && String((err as Error).message).includes(pkg)) {
        throw new DriverMissingError(pkg, scheme, err);
      }
      throw err;
    }
    loaded.set(pkg, mod);
  }
  return mod as T;
}
