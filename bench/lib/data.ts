import type { BulkRow } from "./types.js";

const EPOCH = Date.UTC(2024, 0, 1);

/** The bulk rows every contender inserts: the same values, built before the clock starts. */
export function bulkRows(count: number, firstId = 1): BulkRow[] {
  const rows = new Array<BulkRow>(count);
  for (let i = 0; i < count; i++) {
    const id = firstId + i;
    rows[i] = { id, name: `name-${id}`, qty: id % 1000, price: (id % 10_000) / 4, created_at: new Date(EPOCH + id * 1000) };
  }
  return rows;
}

/** A deterministic id sequence in [1, max], the same for every contender. */
export function idSequence(count: number, max: number, seed = 12345): Int32Array {
  const ids = new Int32Array(count);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    ids[i] = (x % max) + 1;
  }
  return ids;
}

/** `YYYY-MM-DD HH:MM:SS.fff` in UTC, as MariaDB and SQLite store timestamps. */
export function utcText(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}
