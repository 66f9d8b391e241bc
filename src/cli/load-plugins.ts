import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { BackendDefinition } from "../dialects/contract/index.js";
import { ConfigError } from "../errors.js";
import { backendByName, registerBackend } from "../dialects/registry.js";

/** Module specifiers from `POLYSQL_PLUGINS` (comma or space separated) followed by `--plugin` flags. */
export function pluginSpecifiers(env: string | undefined, flags: readonly string[] = []): string[] {
  return [...(env ?? "").split(/[\s,]+/).filter(Boolean), ...flags];
}

/**
 * Imports plugin modules before a command runs. A module may call
 * `registerBackend` itself when imported, or default-export a backend
 * definition, which is registered here. Paths (`./x.js`, `/abs/x.js`) resolve
 * from `cwd`, package names from `cwd`'s node_modules.
 *
 * @example await loadPlugins(["polysql-pglite", "./my-backend.js"], process.cwd());
 */
export async function loadPlugins(specifiers: readonly string[], cwd: string): Promise<void> {
  for (const spec of specifiers) {
    let mod: { default?: unknown };
    try {
      mod = (await import(resolvePlugin(spec, cwd))) as { default?: unknown };
    } catch (cause) {
      throw new ConfigError(`Could not load plugin "${spec}": ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
    const def = mod.default as BackendDefinition<object> | undefined;
    if (isDefinition(def) && backendByName(def.name) !== def) registerBackend(def);
  }
}

function resolvePlugin(spec: string, cwd: string): string {
  if (spec.startsWith(".") || path.isAbsolute(spec)) return pathToFileURL(path.resolve(cwd, spec)).href;
  try {
    return pathToFileURL(createRequire(path.join(cwd, "package.json")).resolve(spec)).href;
  } catch {
    return spec; // an ESM-only package without a "require" condition: let import() find it
  }
}

function isDefinition(value: unknown): value is BackendDefinition<object> {
  const v = value as Partial<BackendDefinition<object>> | undefined;
  return typeof v === "object" && v !== null && typeof v.name === "string" && Array.isArray(v.schemes) && typeof v.connect === "function";
}
