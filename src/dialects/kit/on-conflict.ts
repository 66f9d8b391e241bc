/**
 * The standard SQL upsert clause, `ON CONFLICT (...) DO UPDATE SET c = excluded.c`,
 * as PostgreSQL and SQLite spell it, from quoted names: a dialect's `upsertClause`.
 * With no column to update, the first conflict column is set to itself, so the
 * statement still touches (and with RETURNING, returns) the existing row.
 *
 * @example onConflictUpdate(['"email"'], ['"name"']) // ' ON CONFLICT ("email") DO UPDATE SET "name" = excluded."name"'
 */
export function onConflictUpdate(conflict: readonly string[], update: readonly string[]): string {
  const sets = update.length > 0 ? update : conflict.slice(0, 1);
  return ` ON CONFLICT (${conflict.join(", ")}) DO UPDATE SET ${sets.map((c) => `${c} = excluded.${c}`).join(", ")}`;
}
