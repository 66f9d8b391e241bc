import type { Row } from "../dialects/contract/index.js";
import { ParameterError } from "../errors.js";
import type { Session } from "../session/session.js";
import { normalizeValue } from "../values/encoders.js";
import { firstValue } from "../values/rows.js";
import { placeholder } from "../sql/index.js";
import { quoteName } from "./names.js";

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
  const iterator = (Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : (rows as Iterable<object>)[Symbol.iterator]()) as
    | AsyncIterator<Row>
    | Iterator<Row>;
  const first = await iterator.next();
  if (first.done) return 0;
  const columns = Object.keys(first.value ?? {});
  if (columns.length === 0) throw new ParameterError("invalid_parameter", `insertMany(${JSON.stringify(table)}): row 0 has no columns`);
  const quoted = columns.map((c) => quoteName(dialect, c, false));
  const bulk = session.canBulkInsert;
  const byParams = bulk ? DEFAULT_CHUNK : Math.floor(dialect.maxParameters / columns.length);
  const limitRows = Math.max(1, Math.min(options.chunkSize ?? DEFAULT_CHUNK, byParams));
  const packetBudget = !bulk && dialect.packetLimitSql ? (await packetLimit(session)) / 2 : Infinity;

  let inserted = 0;
  const batches = chunks(first.value, iterator, columns, table, limitRows, packetBudget);
  if (bulk) {
    const counted = async function* () {
      for await (const batch of batches) {
        yield batch;
        inserted += batch.length;
        options.onProgress?.(inserted);
      }
    };
    return session.bulkInsert(quotedTable, quoted, counted());
  }
  for await (const batch of batches) {
    inserted += (await session.run({ sql: multiRowSql(session, quotedTable, quoted, batch.length), values: batch.flat() }, { batchSize: batch.length }))
      .rowCount;
    options.onProgress?.(inserted);
  }
  return inserted;
}

/** Cuts the rows into checked batches of at most `limit` rows and about `budget` bytes. */
async function* chunks(
  first: Row,
  rest: AsyncIterator<Row> | Iterator<Row>,
  columns: string[],
  table: string,
  limit: number,
  budget: number,
): AsyncGenerator<unknown[][]> {
  const check = rowChecker(columns, table);
  let batch: unknown[][] = [check(first, 0)];
  let bytes = budget === Infinity ? 0 : approximateBytes(batch[0]);
  for (let index = 1; ; index++) {
    const pending = rest.next();
    // A plain array's iterator is synchronous: awaiting it per row would cost a tick each.
    const next = pending instanceof Promise ? await pending : pending;
    if (next.done) break;
    const values = check(next.value, index);
    if (budget !== Infinity) bytes += approximateBytes(values);
    if (batch.length >= limit || bytes > budget) {
      yield batch;
      batch = [];
      bytes = budget === Infinity ? 0 : approximateBytes(values);
    }
    batch.push(values);
  }
  yield batch;
}

/** Checks each row has exactly the columns of row 0 and returns its values in column order. */
function rowChecker(columns: string[], table: string): (row: Row, index: number) => unknown[] {
  const known = new Set(columns);
  const fail = (row: Row, index: number): never => {
    if (row === null || typeof row !== "object") {
      throw new ParameterError("invalid_parameter", `insertMany(${JSON.stringify(table)}): row ${index} is not an object`);
    }
    const keys = Object.keys(row);
    const extra = keys.filter((k) => !known.has(k));
    const missing = columns.filter((c) => !Object.hasOwn(row, c));
    throw new ParameterError(
      "invalid_parameter",
      `insertMany(${JSON.stringify(table)}): row ${index} has different columns than row 0` +
        (missing.length ? `; missing ${missing.join(", ")}` : "") +
        (extra.length ? `; extra ${extra.join(", ")}` : ""),
    );
  };
  return (row, index) => {
    if (row === null || typeof row !== "object") return fail(row, index);
    let count = 0;
    for (const key in row) {
      if (!known.has(key)) return fail(row, index);
      count++;
    }
    if (count !== columns.length) return fail(row, index);
    const out = new Array<unknown>(columns.length);
    for (let i = 0; i < columns.length; i++) out[i] = normalizeValue(row[columns[i]], i);
    return out;
  };
}

const sqlCache = new WeakMap<Session, Map<string, string>>();

function multiRowSql(session: Session, table: string, columns: string[], count: number): string {
  const cacheKey = `${table}\0${columns.join("\0")}\0${count}`;
  let cache = sqlCache.get(session);
  if (cache === undefined) sqlCache.set(session, (cache = new Map()));
  let sql = cache.get(cacheKey);
  if (sql === undefined) {
    const style = session.dialect.syntax.placeholders;
    let n = 0;
    const tuples = new Array<string>(count);
    for (let r = 0; r < count; r++) tuples[r] = `(${columns.map(() => placeholder(style, ++n)).join(", ")})`;
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
    const result = await session.run({ sql: session.dialect.packetLimitSql!, values: [] }, { rowMode: "array" });
    limit = Number(firstValue(result)) || 4 * 1024 * 1024;
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
