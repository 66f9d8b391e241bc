import { createHash } from "node:crypto";

/**
 * Normalizes migration text: drops a byte-order mark, turns CRLF and CR into LF.
 *
 * @example normalizeText("a\r\nb") // "a\nb"
 */
export function normalizeText(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
}

/**
 * SHA-256 (hex) of the LF-normalized text, so a CRLF checkout is not drift.
 *
 * @example checksum("SELECT 1;\r\n") === checksum("SELECT 1;\n") // true
 */
export function checksum(text: string): string {
  return createHash("sha256").update(normalizeText(text), "utf8").digest("hex");
}
