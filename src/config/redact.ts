/** Query and key=value parameters that hold a secret. */
const SECRET_PARAMS = /((?:^|[?&;\s])(?:password|sslpassword|pass|passwd|pwd|token|access_token|secret)=)(?:'(?:[^'\\]|\\.)*'|[^&;\s#]*)/gi;

/**
 * Hides the password in a connection URL, in its user info and in `password=`
 * style parameters: `postgres://app:***@host/db`. The user info ends at the last
 * `@` before the query, so a password holding `@` or `/` is hidden whole.
 *
 * @example redactUrl("mysql://root:secret@db/app?ssl-mode=REQUIRED") // "mysql://root:***@db/app?ssl-mode=REQUIRED"
 */
export function redactUrl(url: string): string {
  let out = url;
  const start = /^[a-z][a-z0-9+.-]*:\/\//i.exec(out)?.[0].length;
  if (start !== undefined) {
    const end = out.slice(start).search(/[?#]/);
    const authorityAndPath = end < 0 ? out.slice(start) : out.slice(start, start + end);
    const at = authorityAndPath.lastIndexOf("@");
    const colon = authorityAndPath.indexOf(":");
    if (at > 0 && colon >= 0 && colon < at) out = out.slice(0, start + colon + 1) + "***" + out.slice(start + at);
  }
  return out.replace(SECRET_PARAMS, "$1***");
}

/**
 * Whether a connection URL carries a password (in its user info or a `password=` parameter).
 *
 * @example urlHasPassword("postgres://app:secret@db/app") // true
 */
export function urlHasPassword(url: string): boolean {
  return redactUrl(url) !== url;
}
