/**
 * PostgreSQL's built-in type OIDs (stable across versions) and their `pg_type.typname`,
 * for the `type` of a result column; array types are the element name with `[]`.
 */
const NAMES = new Map<number, string>([
  [16, "bool"],
  [17, "bytea"],
  [18, "char"],
  [19, "name"],
  [20, "int8"],
  [21, "int2"],
  [23, "int4"],
  [25, "text"],
  [26, "oid"],
  [114, "json"],
  [142, "xml"],
  [700, "float4"],
  [701, "float8"],
  [790, "money"],
  [869, "inet"],
  [650, "cidr"],
  [829, "macaddr"],
  [1042, "bpchar"],
  [1043, "varchar"],
  [1082, "date"],
  [1083, "time"],
  [1114, "timestamp"],
  [1184, "timestamptz"],
  [1186, "interval"],
  [1266, "timetz"],
  [1560, "bit"],
  [1562, "varbit"],
  [1700, "numeric"],
  [2249, "record"],
  [2278, "void"],
  [2950, "uuid"],
  [3802, "jsonb"],
  [705, "unknown"],
  [1000, "bool[]"],
  [1001, "bytea[]"],
  [1005, "int2[]"],
  [1007, "int4[]"],
  [1009, "text[]"],
  [1015, "varchar[]"],
  [1016, "int8[]"],
  [1021, "float4[]"],
  [1022, "float8[]"],
  [1115, "timestamp[]"],
  [1182, "date[]"],
  [1185, "timestamptz[]"],
  [1231, "numeric[]"],
  [199, "json[]"],
  [2951, "uuid[]"],
  [3807, "jsonb[]"],
]);

/**
 * The name of a PostgreSQL type by OID (`int4`, `numeric`, `timestamptz`, `int4[]`), or
 * `undefined` for a type created in the database (enum, domain, extension), whose OID
 * differs from one database to the next.
 *
 * @example pgTypeName(1184) // "timestamptz"
 */
export function pgTypeName(oid: number): string | undefined {
  return NAMES.get(oid);
}
