import type { DescribedColumn, StatementDescription } from "../contract/index.js";

interface DescribingStatement {
  readonly reader: boolean;
  columns(): { name: string; column: string | null; table: string | null; database: string | null; type: string | null }[];
}
interface DescribingDatabase {
  prepare(sql: string): DescribingStatement & { raw(on: boolean): unknown; all(...values: unknown[]): unknown[][] };
}

/**
 * Asks SQLite about a statement: better-sqlite3's `stmt.columns()` gives each result
 * column's declared type and origin table and column (none for an expression); the
 * origin's NOT NULL comes from `pragma_table_info` (an INTEGER PRIMARY KEY is the rowid,
 * never NULL). SQLite infers no parameter types: `parameters` is empty. Nothing is run.
 */
export function describeSqlite(db: DescribingDatabase, sql: string): StatementDescription {
  const stmt = db.prepare(sql);
  const columns = stmt.reader ? stmt.columns() : [];
  const notNull = new Map<string, boolean>();
  for (const table of new Set(columns.map((c) => c.table).filter((t): t is string => t !== null))) {
    const info = db.prepare("SELECT name, \"notnull\" OR (pk = 1 AND upper(type) = 'INTEGER') FROM pragma_table_info(?)");
    info.raw(true);
    for (const [name, nn] of info.all(table)) notNull.set(`${table}.${String(name)}`, Number(nn) === 1);
  }
  return {
    parameters: [],
    columns: columns.map((c): DescribedColumn => {
      const described: { -readonly [K in keyof DescribedColumn]: DescribedColumn[K] } = { name: c.name };
      if (c.type !== null) described.type = c.type;
      if (c.table !== null && c.column !== null) {
        described.table = c.table;
        described.column = c.column;
        const nn = notNull.get(`${c.table}.${c.column}`);
        if (nn !== undefined) described.nullable = !nn;
      }
      return described;
    }),
  };
}
