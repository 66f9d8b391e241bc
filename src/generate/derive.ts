import "../index.js";
import { backendForScheme, type BigintMode, type Dialect, type DriverConnection, type StatementDescription } from "../dialects/index.js";
import type { QueryDefinition } from "../queries/query-file.js";
import { compile } from "../sql/compile.js";
import { analyzeStatement, type Catalog } from "./nullability.js";
import { tsTypeOf } from "./ts-types.js";

/** One result column as generate types it. */
export interface DerivedColumn {
  readonly name: string;
  /** The TypeScript type without `| null`. */
  readonly ts: string;
  readonly nullable: boolean;
  /** The engine's type name, for reports. */
  readonly engineType?: string;
}

/** One parameter as generate types it. */
export interface DerivedParam {
  readonly name: string;
  readonly ts: string;
  readonly nullable: boolean;
}

/** A query's types as one engine gives them. */
export interface DerivedQuery {
  readonly name: string;
  readonly kind: QueryDefinition["kind"];
  /** The SQL the generated function sends (`"name!"` overrides written `"name"`). */
  readonly sql: string;
  readonly params: readonly DerivedParam[];
  readonly columns: readonly DerivedColumn[];
}

/** A table's row type as one engine's catalog gives it. */
export interface DerivedTable {
  readonly name: string;
  readonly columns: readonly DerivedColumn[];
}

/** An open connection to one engine, for describing statements. */
export interface Describer {
  readonly engine: string;
  readonly dialect: Dialect;
  readonly catalog: Catalog;
  describe(sql: string): Promise<StatementDescription>;
  tables(): DerivedTable[];
  close(): Promise<void>;
}

/**
 * Opens one driver connection for `url` through its backend (the built-in engines or a
 * registered plugin) and reads the catalog (every table's columns, through the dialect's
 * introspection SQL). Throws when the backend cannot describe statements.
 */
export async function openDescriber(url: string, bigint: BigintMode): Promise<Describer> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const backend = scheme === undefined ? undefined : backendForScheme(scheme);
  if (backend === undefined) throw new Error(`No backend for URL scheme ${scheme ?? "(none)"}`);
  const config = backend.parseUrl(url);
  backend.validateConfig?.(config);
  const dialect = backend.dialectFor?.(config) ?? backend.dialect;
  const driver: DriverConnection = await backend.connect(config, { bigint });
  if (driver.describe === undefined) {
    await driver.close();
    throw new Error(`The ${backend.name} backend cannot describe statements (its driver has no describe()): polysql generate needs it`);
  }
  const describe = driver.describe.bind(driver);
  const rows = async (sql: string, params?: Record<string, unknown>) => {
    const q = compile(dialect.syntax, sql, params);
    const result = await driver.query(q.sql, q.values);
    return "columns" in result ? [] : result.rows;
  };
  const catalog = new Map<string, Map<string, { type: string; nullable: boolean }>>();
  for (const t of await rows(dialect.introspection.tablesSql)) {
    const table = String(t.name);
    const columns = new Map<string, { type: string; nullable: boolean }>();
    for (const c of await rows(dialect.introspection.columnsSql, { table }))
      columns.set(String(c.name).toLowerCase(), { type: String(c.type ?? ""), nullable: truthy(c.nullable) });
    catalog.set(table.toLowerCase(), columns);
  }
  return {
    engine: backend.name,
    dialect,
    catalog,
    describe,
    tables: () =>
      [...catalog]
        .filter(([name]) => !name.startsWith("polysql_"))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, columns]) => ({
          name,
          columns: [...columns].map(([column, info]) => ({
            name: column,
            ts: tsTypeOf(info.type, bigint, backend.name),
            nullable: info.nullable,
            engineType: info.type,
          })),
        })),
    close: () => driver.close(),
  };
}

function truthy(value: unknown): boolean {
  if (typeof value === "string") return /^(?:yes|y|true|t|1)$/i.test(value);
  if (typeof value === "bigint") return value !== 0n;
  return Boolean(value);
}

/**
 * Derives one query's parameter and row types on one engine: the engine describes the
 * statement (types, and NOT NULL of base columns); the SQL text adds what the engine does
 * not report (outer joins, aggregates, COALESCE, UNION, CTEs, overrides: see nullability.ts).
 * A column is nullable unless the engine or the text shows it cannot be NULL.
 */
export async function deriveQuery(describer: Describer, query: QueryDefinition, bigint: BigintMode): Promise<DerivedQuery> {
  const facts = analyzeStatement(query.sql, describer.catalog);
  const params = Object.fromEntries(query.parameters.map((p) => [p, null]));
  const compiled = compile(describer.dialect.syntax, facts.sql, params);
  const description = await describer.describe(compiled.sql);
  // Which compiled placeholder belongs to which parameter: compile() emits the values in slot order.
  const slotNames = slotOrder(describer.dialect, facts.sql, query.parameters);
  const engine = describer.engine;
  const derivedParams = query.parameters.map((name): DerivedParam => {
    const slot = slotNames.indexOf(name);
    const engineType = slot >= 0 ? description.parameters[slot]?.type : undefined;
    const text = facts.params.get(name.toUpperCase());
    const ts = engineType !== undefined ? tsTypeOf(engineType, bigint, engine) : tsTypeOf(text?.type, bigint, engine);
    // Alone inside IN (...), an array expands to one placeholder per element (compile()).
    return { name, ts: text?.list === true ? `${ts} | readonly ${ts}[]` : ts, nullable: text?.nullable === true };
  });
  const columns = description.columns.map((column, i): DerivedColumn => {
    const item = facts.items.length === description.columns.length ? facts.items[i] : undefined;
    let nullable: boolean;
    if (item?.override !== undefined) nullable = item.override === "?";
    else if (item?.nullable !== undefined) nullable = item.nullable;
    else nullable = column.nullable ?? true;
    const engineType = column.type ?? item?.type;
    return { name: column.name, ts: tsTypeOf(engineType, bigint, engine), nullable, ...(engineType === undefined ? {} : { engineType }) };
  });
  return { name: query.name, kind: query.kind, sql: facts.sql, params: derivedParams, columns };
}

/** The parameter name of each placeholder compile() writes, in order. */
function slotOrder(dialect: Dialect, sql: string, parameters: readonly string[]): string[] {
  const marks = Object.fromEntries(parameters.map((p, i) => [p, `\u0000${i}`]));
  const compiled = compile(dialect.syntax, sql, marks);
  return compiled.values.map((v) => parameters[Number(String(v).slice(1))]);
}
