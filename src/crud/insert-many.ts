import type { Row } from "../backend.js";
import { ParameterError } from "../errors.js";
import type { Session } from "../session.js";
import { normalizeValue } from "../values.js";
import { placeholder, quoteName } from "./names.js";

/** Options of `insertMany`. */
export interface InsertManyOptions {
  /** Rows per statement (or per COPY). Default: as many as the engine's parameter and packet limits allow, at most 10,000. */
  chunkSize?: number;
  /** Called after each chunk with the number of rows inserted so far. */
  onProgress?: (inserted: number) => void;
  /** Run all chunks in one transaction (all or nothing). Default true; inside a transaction it always joins it. */
  transaction?: boolean;
}

const DEFAULT_CHUNK = 10_000;

/**
 * Inserts rows in chunks: the driver's bulk path where it has one (PostgreSQL
 * COPY, SQLite one prepared statement), else multi-row INSERTs sized under the
 * engine's parameter limit and packet size. Rows may come from an async
 * iterable (e.g. another database's `stream`), so memory stays constant.
 */
export async function insertMany(
  session: Session,
  table: string,
  rows: Iterable<object> | AsyncIterable<object>,
  options: InsertManyOptions = {},
): Promise<number> {
  const dialect = session.dialect;
  const quotedTable = quoteName(dialect, table);
  if (options.chunkSize !== undefined && (!Number.isInteger(options.chunkSize) || options.chunkSize < 1)) {
    throw new ParameterError("invalid_parameter", `insertMany option "chunkSize" must be a whole number >= 1`);
  }
  let columns: string[] | undefined;
  let quoted: string[] = [];
  let limitRows = DEFAULT_CHUNK;
  let packetBudget = Infinity;
  let chunk: unknown[][] = [];
  let chunkBytes = 0;
  let inserted = 0;
  let index = 0;

  const flush = async () => {
    if (chunk.length === 0) return;
    const values = chunk;
    chunk = [];
    chunkBytes = 0;
    inserted += session.driver.bulkInsert
      ? await session.driver.bulkInsert(quotedTable, quoted, values).catch((err) => Promise.reject(session.translate(err, `COPY/INSERT INTO ${quotedTable}`)))
      : (await session.run({ sql: multiRowSql(session, quotedTable, quoted, values.length), values: values.flat() })).rowCount;
    options.onProgress?.(inserted);
  };

  for await (const row of rows as AsyncIterable<Row>) {
    if (columns === undefined) {
      columns = Object.keys(row ?? {});
      if (columns.length === 0) throw new ParameterError("invalid_parameter", `insertMany(${JSON.stringify(table)}): row 0 has no columns`);
      quoted = columns.map((c) => quoteName(dialect, c, false));
      const byParams = session.driver.bulkInsert ? DEFAULT_CHUNK : Math.floor(dialect.maxParameters / columns.length);
      limitRows = Math.max(1, Math.min(options.chunkSize ?? DEFAULT_CHUNK, byParams));
      if (!session.driver.bulkInsert && dialect.packetLimitSql) packetBudget = (await packetLimit(session)) / 2;
    }
    chunk.push(rowValues(row, columns, index, table));
    if (packetBudget !== Infinity) chunkBytes += approximateBytes(chunk[chunk.length - 1]);
    index++;
    if (chunk.length >= limitRows || chunkBytes >= packetBudget) await flush();
  }
  await flush();
  return inserted;
}

function rowValues(row: Row, columns: string[], index: number, table: string): unknown[] {
  if (row === null || typeof row !== "object") throw new ParameterError("invalid_parameter", `insertMany(${JSON.stringify(table)}): row ${index} is not an object`);
  const keys = Object.keys(row);
  if (keys.length !== columns.length || !columns.every((c) => Object.hasOwn(row, c))) {
    const extra = keys.filter((k) => !columns.includes(k));
    const missing = columns.filter((c) => !Object.hasOwn(row, c));
    throw new ParameterError(
      "invalid_parameter",
      `insertMany(${JSON.stringify(table)}): row ${index} has different columns than row 0` +
        (missing.length ? `; missing ${missing.join(", ")}` : "") +
        (extra.length ? `; extra ${extra.join(", ")}` : ""),
    );
  }
  const out = new Array<unknown>(columns.length);
  for (let i = 0; i < columns.length; i++) out[i] = normalizeValue(row[columns[i]], i);
  return out;
}

const sqlCache = new WeakMap<Session, Map<string, string>>();

function multiRowSql(session: Session, table: string, columns: string[], count: number): string {
  const cacheKey = `${table}\0${columns.join("\0")}\0${count}`;
  let cache = sqlCache.get(session);
  if (cache === undefined) sqlCache.set(session, (cache = new Map()));
  let sql = cache.get(cacheKey);
  if (sql === undefined) {
    const dialect = session.dialect;
    let n = 0;
    const tuples = new Array<string>(count);
    for (let r = 0; r < count; r++) tuples[r] = `(${columns.map(() => placeholder(dialect, ++n)).join(", ")})`;
    sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")}`;
    if (cache.size > 16) cache.clear();
    cache.set(cacheKey, sql);
  }
  return sql;
}

const packetLimits = new WeakMap<Session, number>();

async function packetLimit(session: Session): Promise<number> {
  let limit = packetLimits.get(session);
  if (limit === undefined) {
    const result = await session.run({ sql: session.dialect.packetLimitSql!, values: [] });
    const row = result.rows[0] ?? {};
    limit = Number(Object.values(row)[0]) || 4 * 1024 * 1024;
    packetLimits.set(session, limit);
  }
  return limit;
}

/** A generous estimate of a row's size in an escaped text-protocol statement. */
function approximateBytes(values: unknown[]): number {
  let bytes = 8;
  for (const v of values) {
    if (typeof v === "string") bytes += v.length * 4 + 4;
    else if (Buffer.isBuffer(v)) bytes += v.length * 2 + 12;
    else bytes += 24;
  }
  return bytes;
}
