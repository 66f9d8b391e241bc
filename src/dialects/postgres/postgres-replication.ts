import type { ReplicationFacts } from "../contract/index.js";

/** A WAL page: an LSN just past a page header is where the next record will go, not a record's end. */
const PAGE = 8192n;
/** Short and long (first page of a segment) page header sizes. */
const HEADERS = new Set([24n, 40n]);

/** `X/Y` (hex) as a 64-bit position. */
function lsn(text: string): bigint {
  const slash = text.indexOf("/");
  return (BigInt(`0x${text.slice(0, slash)}`) << 32n) | BigInt(`0x${text.slice(slash + 1)}`);
}

/**
 * Whether a standby that replayed up to `replayed` shows everything up to `wanted` (both
 * `pg_lsn` text). `pg_current_wal_insert_lsn()` on an idle primary whose last record ended at
 * a page boundary points past the next page's header, where the standby's replay position
 * (the record's end) never goes: that counts as reached.
 */
export function lsnReached(replayed: string, wanted: string): boolean {
  if (!replayed.includes("/") || !wanted.includes("/")) return false;
  const have = lsn(replayed);
  const want = lsn(wanted);
  return have >= want || (HEADERS.has(want % PAGE) && have >= want - (want % PAGE));
}

/**
 * PostgreSQL streaming replication: positions are WAL LSNs. The primary's insert position
 * covers every commit so far (also with synchronous_commit off, whose commits may not be
 * flushed yet); a standby reports what it replayed. No server-side wait before PostgreSQL 17:
 * the core polls.
 */
export const postgresReplication: ReplicationFacts = {
  primaryPositionSql: "SELECT pg_current_wal_insert_lsn()::text",
  replayedPositionSql: "SELECT pg_last_wal_replay_lsn()::text",
  reached: lsnReached,
  readOnlySql: "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'",
};
