/**
 * Hides the password in a connection URL: `postgres://app:***@host/db`.
 *
 * @example redactUrl("mysql://root:secret@db/app") // "mysql://root:***@db/app"
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, "$1:***@").replace(/([?&](?:password|pass|pwd)=)[^&]*/gi, "$1***");
}
