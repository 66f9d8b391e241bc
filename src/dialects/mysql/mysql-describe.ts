import type { DescribedColumn, StatementDescription } from "../contract/index.js";

/** The column metadata of the mariadb connector's prepare answer (COM_STMT_PREPARE). */
interface PreparedField {
  readonly type: string;
  readonly flags: number;
  readonly columnLength: number;
  readonly dataTypeName?: string;
  readonly collation?: { index: number };
  isDataTypeFormatJson?(): boolean;
  name(): string;
  orgTable(): string;
  orgName(): string;
}
interface Prepared {
  readonly parameterCount: number;
  readonly columns?: PreparedField[] | null;
  close(): void;
}
interface PreparingConnection {
  prepare(sql: string): Promise<Prepared>;
}

/** Column flag NOT_NULL_FLAG of the protocol. */
const NOT_NULL = 1;
const BINARY_COLLATION = 63;

/**
 * Asks MariaDB/MySQL for a statement's types through COM_STMT_PREPARE (the connector's
 * `conn.prepare`): the parameter count (the server sends no useful parameter types) and
 * per column the protocol type, the NOT NULL flag and the origin table and column. The
 * statement is closed at once. A TINYINT(1) is reported as `BOOLEAN`, a JSON column as
 * `JSON`, a character BLOB as `TEXT` (as the driver decodes them).
 */
export async function describeMysql(conn: PreparingConnection, sql: string): Promise<StatementDescription> {
  const prepared = await conn.prepare(sql);
  try {
    const columns = (prepared.columns ?? []).map((field): DescribedColumn => {
      const table = field.orgTable();
      const column = field.orgName();
      const described: { -readonly [K in keyof DescribedColumn]: DescribedColumn[K] } = { name: field.name(), type: typeName(field) };
      // The flag is the server's own nullability analysis: base columns, and some expressions (count(*), literals).
      described.nullable = (field.flags & NOT_NULL) === 0;
      if (table !== "" && column !== "") Object.assign(described, { table, column });
      return described;
    });
    return { parameters: Array.from({ length: prepared.parameterCount }, () => ({})), columns };
  } finally {
    prepared.close();
  }
}

function typeName(field: PreparedField): string {
  if (field.isDataTypeFormatJson?.()) return "JSON";
  if (field.type === "TINY" && field.columnLength === 1) return "BOOLEAN";
  let type = field.dataTypeName?.toUpperCase() || field.type;
  if (type.endsWith("BLOB") && field.collation !== undefined && field.collation.index !== BINARY_COLLATION) type = "TEXT";
  return type;
}
