import { createRequire } from "node:module";
import path from "node:path";
import { PolysqlError } from "../errors.js";

/** The subset of the TypeScript compiler API `polysql check` uses. */
export type TypeScriptApi = typeof import("typescript");

/**
 * Loads the `typescript` package (an optional peer dependency, used by `polysql check`
 * only): the project's own first (resolved from `cwd`), else the one next to polysql.
 * Missing, it is a `driver_missing` error saying what to install.
 */
export function loadTypescript(cwd: string, pkg = "typescript"): TypeScriptApi {
  for (const from of [path.join(cwd, "package.json"), import.meta.url]) {
    try {
      return createRequire(from)(pkg) as TypeScriptApi;
    } catch (err) {
      if ((err as { code?: string }).code !== "MODULE_NOT_FOUND") throw err;
    }
  }
  throw new PolysqlError(
    "driver_missing",
    `polysql check reads SQL in TypeScript and JavaScript sources with the "${pkg}" package: npm install --save-dev ${pkg} (or check .sql files only)`,
  );
}
