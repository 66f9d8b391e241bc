import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Where the polysql under test lives: the working tree's `src/` by default, or
 * `POLYSQL_SRC` (set by `run.ts --head` to a snapshot of the last commit, so a
 * tree being edited concurrently cannot break or skew a run).
 */
export function polysqlSrc(): string {
  return resolve(process.env.POLYSQL_SRC ?? fileURLToPath(new URL("../../src", import.meta.url)));
}

/** Imports a module of the polysql under test, e.g. `polysqlModule<typeof import("../../src/connect.js")>("connect.js")`. */
export function polysqlModule<T>(path: string): Promise<T> {
  return import(pathToFileURL(join(polysqlSrc(), path)).href) as Promise<T>;
}
