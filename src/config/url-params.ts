/**
 * Takes one query parameter out of a database URL before the backend parses it: polysql's
 * own settings (`?pooler=transaction`) are not the driver's. Works on the text, so a URL
 * that `new URL()` refuses (a multi-host list `h1:5432,h2:5433`) is handled the same; the
 * rest of the URL is left byte for byte as it was.
 *
 * @example takeUrlParam("postgres://h/db?pooler=transaction&sslmode=require", "pooler")
 * // { url: "postgres://h/db?sslmode=require", value: "transaction" }
 */
export function takeUrlParam(url: string, name: string): { url: string; value?: string } {
  const q = url.indexOf("?");
  if (q < 0) return { url };
  const hash = url.indexOf("#", q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  let value: string | undefined;
  const kept = query.split("&").filter((pair) => {
    const eq = pair.indexOf("=");
    const key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replaceAll("+", " "));
    if (key !== name) return true;
    value = eq < 0 ? "" : decodeURIComponent(pair.slice(eq + 1).replaceAll("+", " "));
    return false;
  });
  if (value === undefined) return { url };
  const rest = kept.filter((pair) => pair !== "").join("&");
  return { url: url.slice(0, q) + (rest === "" ? "" : `?${rest}`) + (hash < 0 ? "" : url.slice(hash)), value };
}
