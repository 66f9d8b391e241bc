import { createRequire } from "node:module";
import type { BackendDefinition } from "./backend.js";
import { ConfigError } from "./errors.js";

const byName = new Map<string, BackendDefinition<object>>();
const byScheme = new Map<string, BackendDefinition<object>>();
const CAPABILITY_KEYS = ["returning", "transactionalDdl", "savepoints", "concurrentConnections"] as const;
const FUNCTION_MEMBERS = ["parseUrl", "connect"] as const;

/** What `backends()` reports for each registered backend. */
export interface BackendInfo {
  name: string;
  schemes: string[];
  version: string;
  capabilities: Record<string, boolean>;
  drivers: { package: string; installed: boolean }[];
  installed: boolean;
}

function validate(def: BackendDefinition<object>): void {
  const where = `registerBackend(${typeof def?.name === "string" ? JSON.stringify(def.name) : "?"})`;
  if (!def || typeof def !== "object") throw new ConfigError("registerBackend: the definition must be an object");
  if (typeof def.name !== "string" || !/^[a-z][a-z0-9_-]*$/.test(def.name)) {
    throw new ConfigError(`${where}: "name" must be a lowercase identifier`);
  }
  if (!Array.isArray(def.schemes) || def.schemes.length === 0) {
    throw new ConfigError(`${where}: "schemes" must be a non-empty array of URL schemes`);
  }
  for (const scheme of def.schemes) {
    if (typeof scheme !== "string" || !/^[a-z][a-z0-9+.-]*$/.test(scheme)) {
      throw new ConfigError(`${where}: scheme ${JSON.stringify(scheme)} is not a valid URL scheme (no colon)`);
    }
    const owner = byScheme.get(scheme);
    if (owner && owner.name !== def.name) {
      throw new ConfigError(`${where}: scheme "${scheme}" is already registered by backend "${owner.name}"`);
    }
  }
  for (const member of FUNCTION_MEMBERS) {
    if (typeof def[member] !== "function") throw new ConfigError(`${where}: "${member}" must be a function`);
  }
  if (typeof def.version !== "string") throw new ConfigError(`${where}: "version" must be a string`);
  if (!Array.isArray(def.driverPackages)) throw new ConfigError(`${where}: "driverPackages" must be an array`);
  if (!Array.isArray(def.configKeys)) throw new ConfigError(`${where}: "configKeys" must be an array`);
  const dialect = def.dialect;
  if (!dialect || typeof dialect !== "object") throw new ConfigError(`${where}: "dialect" is missing`);
  if (typeof dialect.begin !== "function" || typeof dialect.mapError !== "function") {
    throw new ConfigError(`${where}: "dialect.begin" and "dialect.mapError" must be functions`);
  }
  if (!dialect.syntax || typeof dialect.syntax !== "object") throw new ConfigError(`${where}: "dialect.syntax" is missing`);
  for (const key of CAPABILITY_KEYS) {
    if (typeof dialect.capabilities?.[key] !== "boolean") {
      throw new ConfigError(`${where}: capability "dialect.capabilities.${key}" must be true or false`);
    }
  }
}

/**
 * Registers a backend under its URL schemes. Re-registering the same name replaces it.
 *
 * @example
 * registerBackend(myBackend); await connect("mydb://...");
 */
export function registerBackend<C extends object>(definition: BackendDefinition<C>): void {
  const def = definition as unknown as BackendDefinition<object>;
  validate(def);
  unregisterBackend(def.name);
  byName.set(def.name, def);
  for (const scheme of def.schemes) byScheme.set(scheme, def);
}

/** Removes a backend; databases already open on it keep working. Returns whether it existed. */
export function unregisterBackend(name: string): boolean {
  const def = byName.get(name);
  if (!def) return false;
  byName.delete(name);
  for (const scheme of def.schemes) if (byScheme.get(scheme) === def) byScheme.delete(scheme);
  return true;
}

/** The backend serving a URL scheme (without the colon). */
export function backendForScheme(scheme: string): BackendDefinition<object> | undefined {
  return byScheme.get(scheme);
}

/** The backend registered under a name. */
export function backendByName(name: string): BackendDefinition<object> | undefined {
  return byName.get(name);
}

const require = createRequire(import.meta.url);

/** Whether an npm package can be resolved from here. */
export function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  }
}

/** Lists every registered backend with its schemes, capabilities and driver status. */
export function backends(): BackendInfo[] {
  return [...byName.values()].map((def) => {
    const drivers = def.driverPackages.map((pkg) => ({ package: pkg, installed: isInstalled(pkg) }));
    return {
      name: def.name,
      schemes: [...def.schemes],
      version: def.version,
      capabilities: { ...def.dialect.capabilities },
      drivers,
      installed: drivers.every((d) => d.installed),
    };
  });
}
