import { connect as netConnect } from "node:net";
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
import { bigintDecoder, decodeUtcTimestamp, type ValueOptions } from "../../values/decoders.js";
import { loadDriver } from "../kit/load-driver.js";
import { makeRow, type Columns } from "../../values/rows.js";
import { pgTypeName } from "../kit/pg-type-names.js";
import { connectWithTls } from "../kit/tls-connect.js";
import { pgConnectionString, type PostgresConfig } from "./postgres-config.js";
import { pgRetryWithoutTls, postgresTlsSettings } from "./postgres-tls.js";
import { copyRows } from "./postgres-copy.js";
import { describePostgres } from "./postgres-describe.js";

/** The subset of `pg` and `pg-cursor` this driver uses. */
type TypeParser = (text: string) => unknown;
interface TypeRegistry {
  getTypeParser(oid: number, format?: string): TypeParser;
}
interface PgField {
  name: string;
  dataTypeID: number;
}
interface PgResult {
  rows: unknown[][];
  fields: PgField[];
  rowCount: number | null;
}
interface PgClient {
  /** The server's address and this session's cancel key (BackendKeyData). */
  host?: string;
  port?: number;
  processID: number | null;
  secretKey: number | null;
  /** pg's pipeline mode: every query is written at once, each with its own Sync (custom submittables refused). */
  pipeline: boolean;
  connection?: { stream?: PgSocket; parsedStatements: Record<string, string> };
  connect(): Promise<void>;
  query(config: string | { name?: string; text: string; values: unknown[]; rowMode: "array" } | object): Promise<PgResult>;
  end(): Promise<void>;
  on(event: "error", handler: (err: unknown) => void): void;
  once(event: "end", handler: () => void): void;
  removeListener(event: "end", handler: () => void): void;
  /** Set once the connection ended. */
  _ended?: boolean;
}
interface PgSocket {
  destroyed?: boolean;
  destroy(): void;
  cork?(): void;
  uncork?(): void;
}
interface PgModule {
  Client: new (config: Record<string, unknown>) => PgClient;
  types: TypeRegistry;
}
interface PgCursor {
  read(rows: number, cb: (err: unknown, rows: unknown[][], result: { fields: PgField[] }) => void): void;
  close(): Promise<void>;
}
type CursorConstructor = new (text: string, values: unknown[], config: { rowMode: "array" }) => PgCursor;

const OID = { int8: 20, date: 1082, timestamp: 1114, numeric: 1700, int8Array: 1016 } as const;

function typesFor(pg: PgModule, values: ValueOptions): TypeRegistry {
  const int8 = bigintDecoder(values.bigint);
  const overrides = new Map<number, TypeParser>([
    [OID.int8, int8],
    [OID.numeric, (s) => s],
    [OID.date, (s) => s],
    [OID.timestamp, decodeUtcTimestamp],
  ]);
  return { getTypeParser: (oid, format) => overrides.get(oid) ?? pg.types.getTypeParser(oid, format) };
}

function encode(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

function columnsOf(fields: PgField[]): Columns {
  return { names: fields.map((f) => f.name), decoders: [] };
}

/** The result's columns with their type names (rows need no decoding here: the type parsers did it). */
function resultColumns(fields: PgField[]): ResultColumn[] {
  return fields.map((f) => {
    const type = pgTypeName(f.dataTypeID);
    return type === undefined ? { name: f.name } : { name: f.name, type };
  });
}

/**
 * pg fails every statement in flight with the one socket error that ended the connection. A failed
 * write ("nothing was sent", which the core may retry) is true only of the statement whose write
 * failed; another statement pipelined with it may have run: its error keeps the code, not the write.
 */
function sentBefore(err: unknown): unknown {
  const e = err as { syscall?: unknown; message?: unknown; code?: unknown };
  if (e?.syscall !== "write") return err;
  return Object.assign(new Error(String(e.message)), { code: e.code, cause: err });
}

/** Prepared statements kept per connection; past this, statements run unnamed. */
const PREPARED_LIMIT = 256;

class PostgresConnection implements DriverConnection {
  /** Statements from several callers go out without waiting for replies (pg's pipeline mode). */
  readonly pipelining = true;
  /** SQL text → server-side prepared statement name, for statements with parameters. */
  private readonly prepared = new Map<string, string>();
  /** Names handed out so far: a name is never reused for another text, even after one is forgotten. */
  private named = 0;
  /** The socket is corked until the next tick, so statements sent in one tick leave in one write. */
  private corked = false;
  /** Statements sent and not yet answered, and how many were ever sent (see `sentBefore`). */
  private inFlight = 0;
  private sent = 0;

  constructor(
    private readonly client: PgClient,
    private readonly Cursor: () => CursorConstructor,
    /** Statements prepared at most this many per connection (0: every statement unnamed, for transaction poolers). */
    private readonly preparedLimit = PREPARED_LIMIT,
  ) {}

  async query(sql: string, values: readonly unknown[], options?: DriverQueryOptions): Promise<DriverResult | DriverArrayResult> {
    // Parameterized statements are prepared once per connection (Bind/Execute afterwards);
    // parameterless text goes through the simple protocol, which allows several statements.
    let name = values.length > 0 ? this.prepared.get(sql) : undefined;
    if (name === undefined && values.length > 0 && this.prepared.size < this.preparedLimit) {
      name = `polysql_${++this.named}`;
      this.prepared.set(sql, name);
    }
    this.cork();
    const crowded = this.inFlight > 0;
    const turn = ++this.sent;
    this.inFlight++;
    let result: PgResult | PgResult[];
    try {
      result = await this.client.query({ name, text: sql, values: values.map(encode), rowMode: "array" });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (name === undefined || (code !== "0A000" && code !== "26000")) throw crowded || turn !== this.sent ? sentBefore(err) : err;
      // 0A000: a prepared SELECT * whose table changed shape: forget it and run the text once more.
      // 26000: pipelined behind the same text, whose Parse failed: nothing ran; send it again to get its own error.
      if (code === "0A000") this.prepared.delete(sql);
      result = await this.client.query({ name: code === "0A000" ? undefined : name, text: sql, values: values.map(encode), rowMode: "array" });
    } finally {
      this.inFlight--;
    }
    // A multi-statement text (no parameters) returns one result per statement: report the last.
    const last = (Array.isArray(result) ? result[result.length - 1] : result) as PgResult;
    const raw = last.rows ?? [];
    const rowCount = last.rowCount ?? raw.length;
    if (options?.rowMode === "array") return { columns: resultColumns(last.fields ?? []), rows: raw, rowCount };
    const columns = columnsOf(last.fields ?? []);
    return { rows: raw.map((r) => makeRow(columns, r)), rowCount };
  }

  /**
   * While other statements are in flight (pipelining), holds the socket's writes until the next tick:
   * the statements of many callers leave in one packet. A statement alone goes out at once.
   */
  private cork(): void {
    const socket = this.client.connection?.stream;
    if (this.corked || this.inFlight === 0 || socket?.cork === undefined) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork?.();
    });
  }

  /**
   * Runs `fn` with pg's pipeline mode off: pg refuses custom submittables (pg-cursor, COPY,
   * describe) in it. The core calls these only on a connection it holds alone, with nothing in
   * flight, so the switch never reorders anything.
   */
  private async alone<T>(fn: () => Promise<T>): Promise<T> {
    this.client.pipeline = false;
    try {
      return await fn();
    } finally {
      this.client.pipeline = true;
    }
  }

  async *stream(sql: string, values: readonly unknown[], options: DriverStreamOptions): AsyncIterable<Row | unknown[]> {
    this.client.pipeline = false;
    try {
      yield* this.cursorRows(sql, values, options);
    } finally {
      this.client.pipeline = true;
    }
  }

  private async *cursorRows(sql: string, values: readonly unknown[], options: DriverStreamOptions): AsyncIterable<Row | unknown[]> {
    const Cursor = this.Cursor();
    const cursor = this.client.query(new Cursor(sql, values.map(encode), { rowMode: "array" })) as unknown as PgCursor;
    const arrays = options.rowMode === "array";
    try {
      let columns: Columns | undefined;
      for (;;) {
        const [rows, fields] = await this.untilEnded(
          new Promise<[unknown[][], PgField[]]>((resolve, reject) =>
            cursor.read(options.batchSize, (err, r, result) => (err ? reject(err) : resolve([r, result?.fields ?? []]))),
          ),
        );
        if (columns === undefined) {
          columns = columnsOf(fields);
          if (arrays) options.onColumns?.(resultColumns(fields));
        }
        if (rows.length === 0) return;
        if (arrays) yield* rows;
        else for (const r of rows) yield makeRow(columns, r);
      }
    } finally {
      await this.untilEnded(cursor.close()).catch(() => undefined);
    }
  }

  /**
   * `pending`, or a connection failure once the connection ended: pg-cursor answers neither a read nor
   * a close that waits for ReadyForQuery when the connection dies after the portal's CommandComplete
   * (its error handler ignores a cursor already 'done'), so the stream would wait forever (found by the
   * chaos run's dropping proxy).
   */
  private untilEnded<T>(pending: Promise<T>): Promise<T> {
    // A listener per wait, removed when it settles: a race against one long-lived promise would keep
    // every batch of rows it ever resolved with reachable from that promise (37 MB over 200,000 rows).
    if (this.client._ended === true) return Promise.reject(new Error("Connection terminated unexpectedly"));
    return new Promise<T>((resolve, reject) => {
      const fail = () => reject(new Error("Connection terminated unexpectedly"));
      this.client.once("end", fail);
      pending.then(
        (value) => {
          this.client.removeListener("end", fail);
          resolve(value);
        },
        (err: unknown) => {
          this.client.removeListener("end", fail);
          reject(err);
        },
      );
    });
  }

  describe(sql: string): Promise<StatementDescription> {
    return this.alone(() => describePostgres(this.client, sql));
  }

  bulkInsert(table: string, columns: readonly string[], batches: AsyncIterable<readonly unknown[][]>): Promise<number> {
    return this.alone(() => copyRows(this.client, table, columns, batches));
  }

  async reset(): Promise<void> {
    // ROLLBACK outside a transaction is only a notice; DISCARD ALL cannot run inside one.
    await this.client.query("ROLLBACK");
    await this.client.query("DISCARD ALL");
    // DISCARD ALL dropped the server's prepared statements: forget them on this side too.
    this.prepared.clear();
    if (this.client.connection) this.client.connection.parsedStatements = {};
  }

  /**
   * PostgreSQL's cancel request: on a side connection to the same server, the 16-byte
   * CancelRequest with this session's process id and secret key; the server closes that
   * connection once it signalled the backend. The cancelled statement then fails with 57014.
   */
  cancel(): Promise<void> {
    const { host, port, processID, secretKey } = this.client;
    if (processID === null || secretKey === null || port === undefined) return Promise.reject(new Error("No cancel key for this connection"));
    return new Promise<void>((resolve, reject) => {
      const socket = host?.startsWith("/") ? netConnect(`${host}/.s.PGSQL.${port}`) : netConnect(port, host ?? "localhost");
      socket.setTimeout(2_000, () => socket.destroy(new Error("The cancel request got no answer")));
      socket.once("connect", () => {
        const packet = Buffer.alloc(16);
        packet.writeInt32BE(16, 0);
        packet.writeInt32BE(80877102, 4);
        packet.writeInt32BE(processID, 8);
        packet.writeInt32BE(secretKey, 12);
        socket.end(packet);
      });
      socket.once("error", reject);
      socket.once("close", () => resolve());
      socket.resume();
    });
  }

  isAlive(): boolean {
    return this.client.connection?.stream?.destroyed !== true;
  }

  async close(): Promise<void> {
    // end() waits for the server's goodbye; a dead or silent peer gets its socket destroyed instead.
    await Promise.race([this.client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 500).unref())]);
    this.client.connection?.stream?.destroy();
  }

  onError(handler: (err: unknown) => void): void {
    this.client.on("error", handler);
  }
}

/**
 * Opens one `pg` client with polysql's type parsers (int8 checked, numeric and
 * date as text, timestamp as UTC) and libpq's `sslmode` semantics.
 */
export async function connectPostgres(config: PostgresConfig, values: ValueOptions): Promise<DriverConnection> {
  const pg = loadDriver<PgModule>("pg", "postgres");
  const target = pgConnectionString(config);
  const open = async (ssl: ConnectionOptions | undefined) => {
    const client = new pg.Client({
      connectionString: target.connectionString,
      ssl: ssl ?? false,
      types: typesFor(pg, values),
      connectionTimeoutMillis: config.connectTimeoutMs,
      statement_timeout: config.statementTimeoutMs,
      application_name: config.applicationName,
      pipeline: true,
    });
    // Until the pool takes over, swallow idle errors so a dying socket never crashes the process.
    client.on("error", () => undefined);
    await client.connect();
    return client;
  };
  const client = await connectWithTls("postgres", target, postgresTlsSettings(config, target.host), open, pgRetryWithoutTls);
  return new PostgresConnection(client, () => loadDriver<CursorConstructor>("pg-cursor", "postgres"), config.preparedStatements === false ? 0 : PREPARED_LIMIT);
}
