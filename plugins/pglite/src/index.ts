import { PGLITE_CONFIG_KEYS, parsePgliteUrl, validatePgliteConfig, type PgliteConfig } from "./pglite-config.js";
import { pgliteDialect } from "./pglite-dialect.js";
import { connectPglite } from "./pglite-driver.js";
import type { BackendDefinition } from "./polysql.js";

/**
 * PostgreSQL in WebAssembly (`@electric-sql/pglite`) as a polysql backend:
 * embedded, no server, one connection.
 *
 * @example
 * import { connect, registerBackend } from "polysql";
 * import { pgliteBackend } from "polysql-pglite";
 * registerBackend(pgliteBackend);
 * const db = await connect("pglite:./data/app");
 */
export const pgliteBackend: BackendDefinition<PgliteConfig> = {
  name: "pglite",
  schemes: ["pglite"],
  version: "0.1.0",
  driverPackages: ["@electric-sql/pglite"],
  dialect: pgliteDialect,
  configKeys: PGLITE_CONFIG_KEYS,
  parseUrl: parsePgliteUrl,
  validateConfig: validatePgliteConfig,
  connect: connectPglite,
};

export default pgliteBackend;
export { pgliteDialect, parsePgliteUrl, type PgliteConfig };
