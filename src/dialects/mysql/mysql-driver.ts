import type { ConnectionOptions } from "node:tls";
import type {
  DriverArrayResult,
  DriverConnection,
  DriverQueryOptions,
  DriverResult,
  DriverStreamOptions,
  ResultColumn,
  Row,
  StatementDescription,
} from "../contract/index.js";
import { bigintDecoder, decodeBoolean, decodeUtcTimestamp, type ValueOptions } from "../../values/decoders.js";
import { formatUtcTimestamp } from "../../values/encoders.js";
import { loadDriver } from "../kit/load-driver.js";
import { decodeValues, makeRow, type Columns, type Decoder } from "../../values/rows.js";
import { connectWithTls } from "../kit/tls-connect.js";
import { describeMysql } from "./mysql-describe.js";
import { readBatches, type RowReadable } from "./mysql-row-batches.js";
import { mysqlTlsSettings, type MysqlConfig, type MysqlSqlMode } from "./mysql-config.js";

/** The subset of the `mariadb` connector this driver uses. */
interface FieldInfo {
  type: string;
  /** MariaDB's extended metadata: the type's own name where the protocol type is generic (`uuid`, `inet6`, geometries). */
  readonly dataTypeName?: string;
  /** MariaDB's extended metadata: a JSON column (sent as a BLOB). */
  isDataTypeFormatJson?(): boolean;
  /** Index 63 is `binary`: bytes, not text. */
  readonly collation?: { index: number };
  columnLength: number;
  name(): string;
}
interface OkPacket {
  affectedRows: number;
  insertId: bigint | number;
}
type Rows = unknown[][] & { meta?: FieldInfo[] };
interface MariadbConnection {
  execute(options: { sql: string; rowsAsArray: true }, values: unknown[]): Promise<Rows | OkPacket>;
  query(options: { sql: string; rowsAsArray: true }, values: unknown[]): Promise<Rows | OkPacket>;
  queryStream(options: { sql: string; rowsAsArray: true }, values: unknown[]): RowReadable & { once(event: "fields", cb: (meta: FieldInfo[]) => void): void };
  end(): Promise<void>;
  /** The server's id of this session (CONNECTION_ID()). */
  readonly threadId: number | null;
  isValid(): boolean;
  reset(): Promise<void>;
  destroy(): void;
  on(event: "error", handler: (err: unknown) => void): void;
}
interface MariadbModule {
  createConnection(config: Record<string, unknown>): Promise<MariadbConnection>;
}

const BINARY_COLLATION = 63;

/**
 * A result column: its name and type, MariaDB's extended type when it sends one (JSON, UUID),
 * else the protocol's (INT, BIGINT, NEWDECIMAL, VAR_STRING, DATETIME...), with TEXT for a
 * BLOB-typed column of characters (the protocol sends TEXT columns as BLOBs).
 */
function resultColumn(field: FieldInfo): ResultColumn {
  if (field.isDataTypeFormatJson?.()) return { name: field.name(), type: "JSON" };
  let type = field.dataTypeName?.toUpperCase() ?? field.type;
  if (type.endsWith("BLOB") && field.collation !== undefined && field.collation.index !== BINARY_COLLATION) type = "TEXT";
  return { name: field.name(), type };
}

function decoderFor(field: FieldInfo, bigint: Decoder): Decoder {
  switch (field.type) {
    case "BIGINT":
      return bigint;
    case "TINY":
      return field.columnLength === 1 ? decodeBoolean : undefined;
    case "DATETIME":
    case "TIMESTAMP":
      return decodeUtcTimestamp;
    default:
      return undefined;
  }
}

/** "This command is not supported in the prepared statement protocol yet". */
const ER_UNSUPPORTED_PS = 1295;

/**
 * Session settings polysql relies on, run when a connection opens and again after a reset
 * (COM_RESET_CONNECTION restores the global settings). A new session's sql_mode also has
 * IGNORE_SPACE (the connector asks for it in the handshake); a reset drops it, so a reset
 * session would parse `count (*)` differently. The portable profile adds the modes that make
 * `"name"`, `||` and backslashes in strings mean what they mean on PostgreSQL and SQLite.
 */
function sessionSetup(mode: MysqlSqlMode): string {
  const modes = mode === "native" ? "'IGNORE_SPACE'" : "'IGNORE_SPACE', 'ANSI_QUOTES', 'PIPES_AS_CONCAT', 'NO_BACKSLASH_ESCAPES'";
  return `SET time_zone = '+00:00', sql_mode = CONCAT_WS(',', NULLIF(@@GLOBAL.sql_mode, ''), ${modes})`;
}

function encode(value: unknown): unknown {
  return value instanceof Date ? formatUtcTimestamp(value) : value;
}

class MysqlConnection implements DriverConnection {
  /** The connector pipelines commands by default (its `pipelining` option): see `DriverConnection.pipelining`. */
  readonly pipelining = true;
  private readonly bigint: Decoder;

  constructor(
    private readonly conn: MariadbConnection,
    values: ValueOptions,
    /** The session settings statement, re-run after a reset. */
    private readonly setup: string,
    /** Opens a side connection to the same server (for `KILL QUERY`). */
    private readonly openSide?: () => Promise<MariadbConnection>,
  ) {
    this.bigint = bigintDecoder(values.bigint);
  }

  private columnsOf(meta: FieldInfo[]): Columns {
    return { names: meta.map((f) => f.name()), decoders: meta.map((f) => decoderFor(f, this.bigint)) };
  }

  async query(sql: string, values: readonly unknown[], options?: DriverQueryOptions): Promise<DriverResult | DriverArrayResult> {
    const result = await this.send(sql, values.map(encode));
    const arrays = options?.rowMode === "array";
    if (Array.isArray(result)) {
      const meta = result.meta ?? [];
      const columns = this.columnsOf(meta);
      if (arrays) {
        const rows = result.map((r) => decodeValues(columns, r));
        return { columns: meta.map(resultColumn), rows, rowCount: rows.length };
      }
      const rows = result.map((r) => makeRow(columns, r));
      return { rows, rowCount: rows.length };
    }
    const insertId = result.insertId === undefined || result.insertId === 0 || result.insertId === 0n ? undefined : this.bigint!(result.insertId);
    const done = { rows: [], rowCount: result.affectedRows, insertId: insertId as number | undefined };
    return arrays ? { columns: [], ...done } : done;
  }

  /**
   * Parameterized statements go through the binary protocol as server-side prepared
   * statements (cached by the connector); text without parameters, and the few
   * statements MariaDB cannot prepare, through the text protocol.
   */
  private async send(sql: string, values: unknown[]): Promise<Rows | OkPacket> {
    if (values.length === 0) return this.conn.query({ sql, rowsAsArray: true }, values);
    try {
      return await this.conn.execute({ sql, rowsAsArray: true }, values);
    } catch (err) {
      if ((err as { errno?: number }).errno !== ER_UNSUPPORTED_PS) throw err;
      return this.conn.query({ sql, rowsAsArray: true }, values);
    }
  }

  async *stream(sql: string, values: readonly unknown[], options: DriverStreamOptions): AsyncIterable<Row | unknown[]> {
    for await (const batch of this.streamBatches(sql, values, options)) yield* batch;
  }

  /** The connector's row stream read a batch at a time (see `readBatches`), each row decoded in place. */
  async *streamBatches(sql: string, values: readonly unknown[], options: DriverStreamOptions): AsyncIterable<Row[] | unknown[][]> {
    const stream = this.conn.queryStream({ sql, rowsAsArray: true }, values.map(encode));
    const arrays = options.rowMode === "array";
    let columns: Columns | undefined;
    stream.once("fields", (meta) => {
      columns = this.columnsOf(meta);
      if (arrays) options.onColumns?.(meta.map(resultColumn));
    });
    const next = readBatches(stream, options.batchSize);
    try {
      for (let batch = await next(); batch !== undefined; batch = await next()) {
        const rows = batch as unknown[];
        if (arrays) for (let i = 0; i < rows.length; i++) rows[i] = decodeValues(columns!, rows[i] as unknown[]);
        else for (let i = 0; i < rows.length; i++) rows[i] = makeRow(columns!, rows[i] as unknown[]);
        yield rows as Row[] | unknown[][];
      }
    } finally {
      // Regression (found by the conformance kit): destroy() alone left the socket paused after an
      // early break, so the connection never answered again.
      stream.close();
      stream.destroy();
    }
  }

  describe(sql: string): Promise<StatementDescription> {
    return describeMysql(this.conn as unknown as Parameters<typeof describeMysql>[0], sql);
  }

  async reset(): Promise<void> {
    // COM_RESET_CONNECTION: rollback, temporary tables, user variables, GET_LOCK locks, session variables.
    await this.conn.reset();
    await this.conn.query({ sql: this.setup, rowsAsArray: true }, []);
  }

  /**
   * `KILL QUERY <thread id>` on a side connection: the server marks the statement killed
   * before KILL returns; the statement then fails with 1317 (ER_QUERY_INTERRUPTED) and the
   * connection stays usable.
   */
  async cancel(): Promise<void> {
    const id = this.conn.threadId;
    if (id === null || this.openSide === undefined) throw new Error("No thread id for this connection");
    const side = await this.openSide();
    try {
      await side.query({ sql: `KILL QUERY ${Number(id)}`, rowsAsArray: true }, []);
    } finally {
      await side.end().catch(() => side.destroy());
    }
  }

  isAlive(): boolean {
    return this.conn.isValid();
  }

  async close(): Promise<void> {
    // end() waits for the server; a dead or silent peer gets its socket destroyed instead.
    const ended = await Promise.race([
      this.conn.end().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), 500).unref()),
    ]);
    if (!ended) this.conn.destroy();
  }

  onError(handler: (err: unknown) => void): void {
    this.conn.on("error", handler);
  }
}

/**
 * Opens one `mariadb` connection with the session time zone at UTC, the sql_mode of the
 * config's profile, dates as text (decoded here), BIGINT checked, JSON parsed and
 * duplicate column names allowed.
 */
export async function connectMysql(config: MysqlConfig, values: ValueOptions): Promise<DriverConnection> {
  const mariadb = loadDriver<MariadbModule>("mariadb", "mysql");
  const setup = sessionSetup(config.sqlMode ?? "portable");
  const open = (ssl: ConnectionOptions | undefined) =>
    mariadb.createConnection({
      ssl,
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      database: config.database,
      connectTimeout: config.connectTimeoutMs ?? 10_000,
      timezone: "+00:00",
      dateStrings: true,
      autoJsonMap: true,
      checkDuplicate: false,
      bigIntAsNumber: false,
      decimalAsNumber: false,
      insertIdAsNumber: false,
      logParam: false,
      permitSetMultiParamEntries: false,
      charset: "utf8mb4",
      initSql: setup,
    });
  const connectTo = () => connectWithTls("mysql", config, mysqlTlsSettings(config), open);
  const conn = await connectTo();
  conn.on("error", () => undefined);
  const openSide = async () => {
    const side = await connectTo();
    side.on("error", () => undefined);
    return side;
  };
  return new MysqlConnection(conn, values, setup, openSide);
}
