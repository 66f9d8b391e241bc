import { cpus, loadavg, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** What the numbers were measured on. */
export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverage: number[];
  engines: Record<string, string>;
  packages: Record<string, string>;
}

const PACKAGES = ["better-sqlite3", "pg", "pg-cursor", "pg-copy-streams", "postgres", "mariadb", "mysql2", "knex", "kysely", "tarn", "generic-pool"];

export function describeMachine(engines: Record<string, string>): Machine {
  const require = createRequire(import.meta.url);
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    try {
      const main = require.resolve(name);
      const root = main.slice(0, main.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length);
      packages[name] = (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string }).version;
    } catch {
      packages[name] = "not installed";
    }
  }
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    engines,
    packages,
  };
}
