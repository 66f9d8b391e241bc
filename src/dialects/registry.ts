import { createRequire } from "node:module";
import { OPTIONAL_CAPABILITIES, REQUIRED_CAPABILITIES, type BackendDefinition } from "./contract/index.js";
import { definitionProblems } from "./validate-backend.js";
import { ConfigError } from "../errors.js";

const byName = new Map<string, BackendDefinition<object>>();
const byScheme = new Map<string, BackendDefinition<object>>();
const CAPABILITIES = [...REQUIRED_CAPABILITIES, ...OPTIONAL_CAPABILITIES];

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
  const problems = definitionProblems(def, (scheme) => byScheme.get(scheme)?.name);
  if (problems.length === 0) return;
  const where = `registerBackend(${typeof def?.name === "string" ? JSON.stringify(def.name) : "?"})`;
  throw new ConfigError(problems.length === 1 ? `${where}: ${problems[0]}` : `${where}: ${problems.length} problems:\n- ${problems.join("\n- ")}`);
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

/** Runs a backend's `validateConfig` hook; anything it throws becomes a `ConfigError` naming the backend. */
export function validateBackendConfig(def: BackendDefinition<object>, config: object): void {
  try {
    def.validateConfig?.(config);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`Invalid ${def.name} configuration: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

/** The backend serving a URL scheme (without the colon). */
export function backendForScheme(scheme: string): BackendDefinition<object> | undefined {
  return byScheme.get(scheme);
}

/**
 * The definition registered under a name, e.g. to wrap a built-in engine in a new backend.
 * @example const sqlite = backendByName("sqlite")!; registerBackend({ ...sqlite, name: "traced", schemes: ["traced"] });
 */
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
      capabilities: Object.fromEntries(CAPABILITIES.map((key) => [key, def.dialect.capabilities[key] ?? false])),
      drivers,
      installed: drivers.every((d) => d.installed),
    };
  });
}
