import path from "node:path";
import type { PgliteConfig } from "./pglite-config.js";
import { encode, parsersFor, SERIALIZERS } from "./pglite-types.js";
import {
  ConfigError,
  DriverMissingError,
  makeRow,
  pgTypeName,
  type Columns,
  type DriverArrayResult,
  type DriverConnection,
  type DriverQueryOptions,
  type DriverResult,
  type DriverStreamOptions,
  type ResultColumn,
  type Row,
  type ValueOptions,
} from "./polysql.js";

/** The subset of `@electric-sql/pglite` this driver uses (its types are not imported). */
interface PgliteField {
  name: string;
  dataTypeID: number;
}
interface PgliteResults {
  rows: unknown[][];
  fields: PgliteField[];
  affectedRows?: number;
}
interface PgliteQueryOptions {
  rowMode: "array";
  parsers: Record<number, (text: string, typeId: number) => unknown>;
  serializers: Record<number, (value: unknown) => string>;
}
interface PgliteInstance {
  readonly closed: boolean;
  readonly waitReady: Promise<void>;
  query(sql: string, params: unknown[], options: PgliteQueryOptions): Promise<PgliteResults>;
  close(): Promise<void>;
}
interface PgliteModule {
  PGlite: new (options: { dataDir?: string; relaxedDurability?: boolean }) => PgliteInstance;
}

const PACKAGE: string = "@electric-sql/pglite";
/** PostgreSQL's "DECLARE CURSOR can only be used in transaction blocks". */
const NO_ACTIVE_TRANSACTION = "25P01";

/** A data directory's instance: still opening, open since `openedAt`, or closing. */
interface OpenDir {
  opening?: Promise<unknown>;
  openedAt?: number;
  closing?: Promise<void>;
}

/** Data directories open in this process: PGlite allows one instance per directory. */
const openDirs = new Map<string, OpenDir>();

/** How long after an instance finished opening a second open waits for it to start closing. */
const ORPHAN_GRACE_MS = 2_000;

/**
 * Waits while the directory's instance is opening or has just opened: a pool whose caller gave up
 * (its acquire deadline passed while PGlite started, which takes seconds on a loaded machine) closes
 * that instance as soon as it is ready, and the next open should get the directory, not a refusal.
 */
async function orphanSettled(dir: string, entry: OpenDir): Promise<void> {
  await entry.opening?.catch(() => undefined);
  while (openDirs.get(dir) === entry && entry.closing === undefined && entry.openedAt !== undefined && performance.now() - entry.openedAt < ORPHAN_GRACE_MS) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function loadPglite(): Promise<PgliteModule> {
  try {
    return (await import(PACKAGE)) as PgliteModule;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") throw new DriverMissingError(PACKAGE, "pglite", err);
    throw err;
  }
}

function columnsOf(fields: readonly PgliteField[]): Columns {
  return { names: fields.map((f) => f.name), decoders: [] };
}

/** The result's columns with PostgreSQL's type names (the parsers already decoded the values). */
function resultColumns(fields: readonly PgliteField[]): ResultColumn[] {
  return fields.map((f) => {
    const type = pgTypeName(f.dataTypeID);
    return type === undefined ? { name: f.name } : { name: f.name, type };
  });
}

class PgliteConnection implements DriverConnection {
  private readonly options: PgliteQueryOptions;
  private cursors = 0;

  constructor(
    private readonly db: PgliteInstance,
    values: ValueOptions,
    private readonly release: () => Promise<void>,
  ) {
    this.options = { rowMode: "array", parsers: parsersFor(values), serializers: SERIALIZERS };
  }

  private run(sql: string, values: readonly unknown[] = []): Promise<PgliteResults> {
    return this.db.query(sql, values.map(encode), this.options);
  }

  async query(sql: string, values: readonly unknown[], options?: DriverQueryOptions): Promise<DriverResult | DriverArrayResult> {
    const result = await this.run(sql, values);
    const rowCount = result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0);
    if (options?.rowMode === "array") return { columns: resultColumns(result.fields), rows: result.rows, rowCount };
    const columns = columnsOf(result.fields);
    return { rows: result.rows.map((r) => makeRow(columns, r)), rowCount };
  }

  /** A server-side cursor (DECLARE/FETCH), inside the caller's transaction or one of its own. */
  async *stream(sql: string, values: readonly unknown[], options: DriverStreamOptions): AsyncIterable<Row | unknown[]> {
    const cursor = `polysql_cursor_${++this.cursors}`;
    const declare = `DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`;
    let ownTransaction = false;
    try {
      await this.run(declare, values);
    } catch (err) {
      if ((err as { code?: unknown }).code !== NO_ACTIVE_TRANSACTION) throw err;
      await this.run("BEGIN READ ONLY");
      ownTransaction = true;
      await this.run(declare, values).catch(async (e: unknown) => {
        await this.run("ROLLBACK");
        ownTransaction = false;
        throw e;
      });
    }
    const arrays = options.rowMode === "array";
    try {
      for (let first = true; ; first = false) {
        const batch = await this.run(`FETCH ${options.batchSize} FROM ${cursor}`);
        if (first && arrays) options.onColumns?.(resultColumns(batch.fields));
        if (batch.rows.length === 0) return;
        if (arrays) yield* batch.rows;
        else {
          const columns = columnsOf(batch.fields);
          for (const r of batch.rows) yield makeRow(columns, r);
        }
      }
    } finally {
      await this.run(`CLOSE ${cursor}`).catch(() => undefined);
      // COMMIT of a transaction an error aborted rolls it back.
      if (ownTransaction) await this.run("COMMIT");
    }
  }

  async reset(): Promise<void> {
    await this.run("ROLLBACK");
    await this.run("DISCARD ALL");
  }

  isAlive(): boolean {
    return !this.db.closed;
  }

  async close(): Promise<void> {
    await this.release();
  }

  onError(): void {
    // An embedded database raises no errors while idle.
  }
}

/**
 * Opens a PGlite database (in memory, or in `dataDir`). One instance per
 * directory per process: a second open of the same directory is refused.
 */
export async function connectPglite(config: PgliteConfig, values: ValueOptions): Promise<DriverConnection> {
  const { PGlite } = await loadPglite();
  const dir = config.dataDir === undefined ? undefined : path.resolve(config.dataDir);
  if (dir !== undefined) {
    const opening = openDirs.get(dir);
    if (opening !== undefined && opening.closing === undefined) await orphanSettled(dir, opening);
    const existing = openDirs.get(dir);
    if (existing?.closing !== undefined) await existing.closing;
    else if (existing) throw new ConfigError(`PGlite database ${config.dataDir} is already open in this process (PGlite allows one instance per directory)`);
  }
  const entry: OpenDir = {};
  if (dir !== undefined) openDirs.set(dir, entry);
  try {
    const db = new PGlite({ dataDir: config.dataDir, relaxedDurability: config.relaxedDurability });
    entry.opening = db.waitReady;
    await db.waitReady;
    entry.opening = undefined;
    entry.openedAt = performance.now();
    const release = () => {
      entry.closing ??= db
        .close()
        .catch(() => undefined)
        .finally(() => {
          if (dir !== undefined && openDirs.get(dir) === entry) openDirs.delete(dir);
        });
      return entry.closing;
    };
    return new PgliteConnection(db, values, release);
  } catch (err) {
    if (dir !== undefined) openDirs.delete(dir);
    throw err;
  }
}
