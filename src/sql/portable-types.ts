/**
 * The portable column types migrations and schemas are written with. `SERIAL` and
 * `BIGSERIAL` stand for the whole phrase `SERIAL PRIMARY KEY` (an auto-increment key).
 */
export type PortableType = (typeof PORTABLE_TYPES)[number];

/** Every portable type; a dialect's `types` map spells each one. */
export const PORTABLE_TYPES = [
  "INTEGER",
  "BIGINT",
  "DECIMAL",
  "BOOLEAN",
  "TEXT",
  "VARCHAR",
  "JSON",
  "UUID",
  "TIMESTAMP",
  "DATE",
  "BYTES",
  "SERIAL",
  "BIGSERIAL",
] as const;

/** Portable type → one engine's spelling; arguments such as `(10,2)` are kept after it. */
export type PortableTypeSpellings = Readonly<Record<PortableType, string>>;
