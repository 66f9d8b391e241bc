import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { backendByName } from "../dialects/registry.js";
import { checksum, normalizeText } from "./checksum.js";
import { MigrationError } from "./migration-error.js";
import { compareVersions, versionKey } from "./version.js";

/** One script file as this engine runs it. */
export interface MigrationScript {
  /** File name, e.g. `V001__create_users.postgres.sql`. */
  readonly file: string;
  readonly path: string;
  /** LF-normalized text. */
  readonly text: string;
  readonly checksum: string;
  /** False when the file starts with `-- polysql:no-transaction`. */
  readonly transaction: boolean;
  /** True for the portable file, false for an engine override (run verbatim). */
  readonly portable: boolean;
}

/** A migration version: its `V` script and optional `U` (undo) script. */
export interface Migration {
  /** As written in the file name, e.g. `"001"`. */
  readonly version: string;
  /** Canonical version (`"1"`) used to match history rows. */
  readonly key: string;
  readonly description: string;
  readonly up: MigrationScript;
  readonly down?: MigrationScript;
}

/** `V001__create_users.sql`, `U001__create_users.sql`, `V001__create_users.postgres.sql`: kind, version, description, engine. */
export const MIGRATION_FILE_NAME = /^([VU])(\d+(?:[._]\d+)*)__([^.]+)(?:\.([a-z][a-z0-9_-]*))?\.sql$/;
const NO_TRANSACTION = /^(?:\s*(?:--[^\n]*|\/\*[\s\S]*?\*\/))*?\s*--\s*polysql:no-transaction\b/;

/**
 * Reads the migrations in `dir` for one engine, sorted by version. An engine
 * override (`V001__x.postgres.sql`) replaces the portable file on that engine.
 * Throws `MigrationError` ("bad_file") for a badly named or duplicate file.
 *
 * @example const migrations = await loadMigrations("./migrations", "postgres");
 */
export async function loadMigrations(dir: string, engine: string): Promise<Migration[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (err) {
    throw new MigrationError("bad_file", `Cannot read the migrations directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const ups = new Map<string, { version: string; description: string; scripts: MigrationScript[] }>();
  const downs = new Map<string, MigrationScript[]>();
  for (const file of names.filter((n) => n.endsWith(".sql")).sort()) {
    const m = MIGRATION_FILE_NAME.exec(file);
    if (m === null) {
      throw new MigrationError("bad_file", `${file}: expected a name like V001__create_users.sql, U001__create_users.sql or V001__create_users.postgres.sql`, {
        file,
      });
    }
    const [, kind, version, description, target] = m;
    // The registry only vouches for other engines' names: this engine's own files never depend on it.
    if (target !== undefined && target !== engine && backendByName(target) === undefined) {
      throw new MigrationError("bad_file", `${file}: "${target}" is not a backend name (e.g. postgres, mysql, sqlite)`, { file });
    }
    if (target !== undefined && target !== engine) continue;
    const script = await readScript(dir, file, target === undefined);
    const key = versionKey(version);
    if (kind === "V") {
      const entry = ups.get(key) ?? { version, description: description.replace(/_/g, " "), scripts: [] };
      entry.scripts.push(script);
      ups.set(key, entry);
    } else downs.set(key, [...(downs.get(key) ?? []), script]);
  }
  for (const [key, scripts] of downs) {
    if (!ups.has(key)) throw new MigrationError("bad_file", `${scripts[0].file}: no V migration has version ${key}`, { file: scripts[0].file });
  }
  const migrations = [...ups].map(([key, e]): Migration => {
    const up = pick(e.scripts);
    const down = downs.has(key) ? pick(downs.get(key)!) : undefined;
    return { version: e.version, key, description: e.description, up, ...(down ? { down } : {}) };
  });
  return migrations.sort((a, b) => compareVersions(a.version, b.version));
}

/** The engine override if there is one; two portable files for one version is an error. */
function pick(scripts: MigrationScript[]): MigrationScript {
  const overrides = scripts.filter((s) => !s.portable);
  const chosen = overrides.length > 0 ? overrides : scripts;
  if (chosen.length > 1) {
    const files = chosen.map((s) => s.file).join(", ");
    throw new MigrationError("bad_file", `Duplicate migration version: ${files}`, { file: chosen[1].file });
  }
  return chosen[0];
}

async function readScript(dir: string, file: string, portable: boolean): Promise<MigrationScript> {
  const full = path.join(dir, file);
  const text = normalizeText(await readFile(full, "utf8"));
  return { file, path: full, text, checksum: checksum(text), transaction: !NO_TRANSACTION.test(text), portable };
}
