import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "../errors.js";
import { versionParts } from "./version.js";

/**
 * Creates the next `V` file (and its `U` file) in `dir`, numbered after the
 * highest existing version with the same zero padding (default 3 digits).
 *
 * @example await newMigration("./migrations", "add users") // { up: "migrations/V004__add_users.sql", down: "migrations/U004__add_users.sql" }
 */
export async function newMigration(dir: string, name: string): Promise<{ up: string; down: string }> {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (slug === "") throw new ConfigError(`Migration name "${name}" has no letters or digits`);
  await mkdir(dir, { recursive: true });
  let highest = 0;
  let width = 3;
  for (const file of await readdir(dir)) {
    const m = /^V(\d+(?:[._]\d+)*)__/.exec(file);
    if (m === null) continue;
    const major = versionParts(m[1])[0];
    if (major >= highest) {
      highest = major;
      width = m[1].split(/[._]/)[0].length;
    }
  }
  const version = String(highest + 1).padStart(width, "0");
  const up = path.join(dir, `V${version}__${slug}.sql`);
  const down = path.join(dir, `U${version}__${slug}.sql`);
  await writeFile(
    up,
    `-- ${name}\n-- Portable types: INTEGER BIGINT DECIMAL(p,s) BOOLEAN TEXT VARCHAR(n) JSON UUID TIMESTAMP DATE BYTES; SERIAL PRIMARY KEY\n\n`,
    { flag: "wx" },
  );
  await writeFile(down, `-- Undoes V${version}__${slug}.sql\n\n`, { flag: "wx" });
  return { up, down };
}
