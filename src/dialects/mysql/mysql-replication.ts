import type { ReplicationFacts } from "../contract/index.js";

/** `domain-server-sequence` entries of a GTID position, as the highest sequence per domain. */
function sequences(position: string): Map<string, bigint> | undefined {
  const out = new Map<string, bigint>();
  for (const entry of position.split(",")) {
    const gtid = entry.trim();
    if (gtid === "") continue;
    const m = /^(\d+)-(\d+)-(\d+)$/.exec(gtid);
    if (m === null) return undefined;
    const seq = BigInt(m[3]);
    if ((out.get(m[1]) ?? -1n) < seq) out.set(m[1], seq);
  }
  return out;
}

/**
 * Whether a replica at GTID position `replayed` has applied everything up to `wanted`
 * (MariaDB's `domain-server-seq` lists): in every replication domain of `wanted`, the
 * replica's sequence number is at least as high. An empty `wanted` is always reached.
 */
export function gtidReached(replayed: string, wanted: string): boolean {
  const want = sequences(wanted);
  const have = sequences(replayed);
  if (want === undefined || have === undefined) return false;
  for (const [domain, seq] of want) if ((have.get(domain) ?? -1n) < seq) return false;
  return true;
}

/**
 * MariaDB replication by GTID: the primary's binlog position covers every commit, a replica's
 * `gtid_slave_pos` is what it applied, and `MASTER_GTID_WAIT` waits for a position on the server.
 */
export const mariadbReplication: ReplicationFacts = {
  primaryPositionSql: "SELECT @@GLOBAL.gtid_binlog_pos",
  replayedPositionSql: "SELECT @@GLOBAL.gtid_slave_pos",
  reached: gtidReached,
  waitSql: "SELECT MASTER_GTID_WAIT(:position, :seconds) = 0",
  readOnlySql: "SELECT @@GLOBAL.read_only",
  // Galera: Synced (4) and ready; any node of a server without Galera (wsrep_on OFF) is ready.
  nodeReadySql: `SELECT @@GLOBAL.wsrep_on = 0 OR (
    (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE') = '4'
    AND (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_READY') = 'ON')`,
};
