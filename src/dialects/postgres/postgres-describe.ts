import type { DescribedColumn, StatementDescription } from "../contract/index.js";

/** pg's connection as the extended protocol's Parse/Describe/Sync need it (pg-cursor uses the same calls). */
interface PgWire {
  parse(query: { text: string; name?: string; types?: number[] }): void;
  describe(msg: { type: "S" | "P"; name?: string }): void;
  sync(): void;
  once(event: "parameterDescription", cb: (msg: { dataTypeIDs: number[] }) => void): void;
  removeListener(event: string, cb: (...args: never[]) => void): void;
}
interface PgField {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
}
interface DescribeClient {
  query(config: object): unknown;
}

async function arrays(client: DescribeClient, text: string, values: unknown[]): Promise<unknown[][]> {
  return ((await client.query({ text, values, rowMode: "array" })) as { rows: unknown[][] }).rows;
}

/** Type names by OID, per connection (a type's OID does not change while it exists). */
const typeNames = new WeakMap<object, Map<number, string>>();

/**
 * Asks PostgreSQL for a statement's types through the extended protocol: Parse (unnamed),
 * Describe statement, Sync. The answer is a ParameterDescription (one type OID per `$n`)
 * and a RowDescription (per column: type OID, and the table OID and attribute number of
 * a base column), or NoData. Nothing runs and no named statement is left behind. The
 * request is a pg "submittable" (the way pg-cursor talks to the connection), so the
 * client's queue and error handling stay in charge. The OIDs are then named with
 * `format_type` and the origin columns' `attnotnull` read from `pg_attribute`.
 */
export async function describePostgres(client: DescribeClient, sql: string): Promise<StatementDescription> {
  const { parameterTypes, fields } = await new Promise<{ parameterTypes: number[]; fields: PgField[] }>((resolve, reject) => {
    let parameterTypes: number[] = [];
    let fields: PgField[] = [];
    let wire: PgWire | undefined;
    const onParameters = (msg: { dataTypeIDs: number[] }) => {
      parameterTypes = msg.dataTypeIDs;
    };
    client.query({
      submit(connection: PgWire) {
        wire = connection;
        connection.once("parameterDescription", onParameters);
        connection.parse({ text: sql, types: [] });
        connection.describe({ type: "S" });
        connection.sync();
      },
      handleRowDescription(msg: { fields: PgField[] }) {
        fields = msg.fields;
      },
      // pg's client drops the active query when an ErrorResponse arrives (the Sync already sent
      // brings the ReadyForQuery it then handles itself): settle here, not on ReadyForQuery.
      handleError(err: unknown) {
        wire?.removeListener("parameterDescription", onParameters as never);
        reject(err);
      },
      handleReadyForQuery() {
        wire?.removeListener("parameterDescription", onParameters as never);
        resolve({ parameterTypes, fields });
      },
      handleDataRow() {},
      handleCommandComplete() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
    });
  });
  let names = typeNames.get(client);
  if (names === undefined) typeNames.set(client, (names = new Map()));
  const oids = [...new Set([...parameterTypes, ...fields.map((f) => f.dataTypeID)])].filter((oid) => !names.has(oid));
  if (oids.length > 0) {
    const rows = await arrays(client, "SELECT oid::int8::text, format_type(oid, NULL) FROM pg_type WHERE oid = ANY($1::oid[])", [oids]);
    for (const r of rows) names.set(Number(r[0]), String(r[1]));
  }
  const origins = fields.filter((f) => f.tableID !== 0);
  const attributes = new Map<string, { table: string; column: string; notNull: boolean }>();
  if (origins.length > 0) {
    const rows = await arrays(
      client,
      "SELECT a.attrelid::int8::text, a.attnum::int, c.relname, a.attname, a.attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE (a.attrelid, a.attnum) IN (SELECT * FROM unnest($1::oid[], $2::int2[]))",
      [origins.map((f) => f.tableID), origins.map((f) => f.columnID)],
    );
    for (const r of rows) attributes.set(`${r[0]}.${r[1]}`, { table: String(r[2]), column: String(r[3]), notNull: r[4] === true });
  }
  const columns = fields.map((f): DescribedColumn => {
    const origin = attributes.get(`${f.tableID}.${f.columnID}`);
    const type = names.get(f.dataTypeID);
    const column: { -readonly [K in keyof DescribedColumn]: DescribedColumn[K] } = { name: f.name };
    if (type !== undefined) column.type = type;
    if (origin !== undefined) Object.assign(column, { table: origin.table, column: origin.column, nullable: !origin.notNull });
    return column;
  });
  return { parameters: parameterTypes.map((oid) => (names.has(oid) ? { type: names.get(oid) } : {})), columns };
}
