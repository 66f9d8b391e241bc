import type { BackendDefinition, Dialect } from "../dialects/contract/index.js";
import { ConfigError, ConnectionError, PolysqlError } from "../errors.js";
import { validateBackendConfig } from "../dialects/registry.js";
import { checkKnownKeys } from "./options.js";

/**
 * A password as text, or as a function called for every new connection, for
 * rotating tokens (cloud IAM authentication). Connections already open keep working.
 *
 * @example
 * const db = await connect({ url: "postgres://app@db.internal/app?sslmode=verify-full", postgres: { password: () => signer.getAuthToken() } });
 */
export type Secret = string | (() => string | Promise<string>);

/**
 * Backend options (`connect({ postgres: ... })`) as an object, or as a function
 * returning them, called for every new connection.
 *
 * @example
 * const db = await connect({ url: "mysql://app@db/app", mysql: async () => ({ password: await vault.read("db/app") }) });
 */
export type BackendOptions = Record<string, unknown> | (() => Record<string, unknown> | Promise<Record<string, unknown>>);

const OPTIONS_FUNCTION = Symbol("polysql.backendOptions");

/** Keeps a backend-options function in `config`, to be called by `resolveCredentials` for each connection. */
export function deferBackendOptions(config: object, fn: () => unknown): void {
  Object.defineProperty(config, OPTIONS_FUNCTION, { value: fn, enumerable: false });
}

/** A config ready for `backend.connect()`, and the secrets it holds (to keep out of messages). */
export interface ResolvedConfig {
  config: object;
  secrets: string[];
}

/**
 * The config of one new connection: the backend-options function's result merged
 * in (checked like static options), then a `password` function called.
 */
export async function resolveCredentials(backend: BackendDefinition<object>, base: object, dialect?: Dialect): Promise<ResolvedConfig> {
  const fn = (base as { [OPTIONS_FUNCTION]?: () => unknown })[OPTIONS_FUNCTION];
  const password = (base as { password?: unknown }).password;
  if (fn === undefined && typeof password !== "function") return { config: base, secrets: secretsOf(base) };
  const config: Record<string, unknown> = { ...base };
  if (fn !== undefined) {
    const own = await call(fn, `the ${backend.name} options function`, backend.name);
    if (own === null || typeof own !== "object") throw new ConfigError(`The ${backend.name} options function must return an object`);
    checkKnownKeys(backend.name, own, backend.configKeys, "the options function");
    for (const [key, value] of Object.entries(own)) config[key] = value;
    // The dialect was chosen once, at connect(): an option that would choose another cannot come from here.
    if (dialect !== undefined && backend.dialectFor !== undefined && backend.dialectFor(config) !== dialect) {
      throw new ConfigError(
        `The ${backend.name} options function returned an option that changes how SQL is read (the dialect, chosen at connect()): pass it in the URL or the options object`,
      );
    }
  }
  if (typeof config.password === "function") {
    const value = await call(config.password as () => unknown, `the ${backend.name} password function`, backend.name);
    if (typeof value !== "string") throw new ConfigError(`The ${backend.name} password function must return a string, got ${typeof value}`);
    config.password = value;
  }
  validateBackendConfig(backend, config);
  return { config, secrets: secretsOf(config) };
}

/** Replaces every occurrence of the secrets in `text` with `***`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== "") out = out.split(secret).join("***");
  return out;
}

async function call(fn: () => unknown, what: string, engine: string): Promise<unknown> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PolysqlError) throw err;
    throw new ConnectionError(`Could not open a ${engine} connection: ${what} failed: ${String((err as Error)?.message ?? err)}`, {
      phase: "connect",
      engine,
      cause: err,
    });
  }
}

/** The password option and any password inside a URL-valued option (`connectionString`). */
function secretsOf(config: object): string[] {
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== "string" || value === "") continue;
    if (key === "password") secrets.push(value);
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      try {
        const url = new URL(value);
        if (url.password) secrets.push(decodeURIComponent(url.password), url.password);
        for (const [k, v] of url.searchParams) if (/^(?:password|sslpassword)$/i.test(k) && v) secrets.push(v);
      } catch {
        // not a URL after all
      }
    }
  }
  return secrets;
}
