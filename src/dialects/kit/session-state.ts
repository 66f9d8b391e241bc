/**
 * Builds a dialect's `sessionState` pattern: statements that can leave state in
 * a session for the next borrower of the connection. `leading` are keywords
 * that start such a statement (at the start of the text or after any `;`,
 * after comments); `anywhere` are fragments that mark one wherever they stand
 * (a lock function, a user-variable assignment).
 *
 * @example sessionStatePattern(["PRAGMA", "ATTACH"]) // SET, BEGIN, temp tables... and PRAGMA, ATTACH
 */
export function sessionStatePattern(leading: readonly string[] = [], anywhere: readonly string[] = []): RegExp {
  const words = [...STANDARD_LEADING, ...leading].join("|");
  const tail = anywhere.length > 0 ? `|${anywhere.join("|")}` : "";
  return new RegExp(`(?:^|;)\\s*(?:(?:--[^\\n]*(?:\\n|$)|\\/\\*[\\s\\S]*?\\*\\/)\\s*)*(?:${words})\\b${tail}`, "i");
}

/** Statements every SQL engine uses to change a session: settings, explicit transactions, locks, prepared statements, temporary tables. */
const STANDARD_LEADING = ["SET", "BEGIN", "START", "LOCK", "PREPARE", "DECLARE", "CREATE\\s+(?:GLOBAL\\s+|LOCAL\\s+)?TEMP(?:ORARY)?"];
