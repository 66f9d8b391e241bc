const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
  "ER_SOCKET_UNEXPECTED_CLOSE",
  "ER_CONNECTION_TIMEOUT",
  "ER_CONNECTION_ALREADY_CLOSED",
  "ER_CMD_CONNECTION_CLOSED",
  "ER_SOCKET_TIMEOUT",
  "ER_GET_CONNECTION_TIMEOUT",
]);

const NETWORK_MESSAGES =
  /Connection terminated|connection (?:is )?closed|Client has encountered a connection error|socket hang up|Connection lost|server closed the connection|timeout expired/i;

/** A socket write that failed: the statement never reached the server. */
export function failedWrite(err: unknown): boolean {
  return (err as { syscall?: unknown })?.syscall === "write";
}

/** The socket-level error code of a driver error, if it is one (shared by the network engines). */
export function networkErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown; fatal?: unknown };
  if (typeof e?.code === "string" && NETWORK_CODES.has(e.code)) return e.code;
  if (typeof e?.message === "string" && NETWORK_MESSAGES.test(e.message)) return "CONNECTION_LOST";
  return undefined;
}
