import type { Dialect, Row } from "../dialects/contract/index.js";
import { NotFoundError, ParameterError } from "../errors.js";
import * as crud from "./crud.js";
import { encodeCursor, decodeCursor } from "./cursor.js";
import { placeholder } from "../sql/index.js";
import { quoteName } from "./names.js";
import { whereCondition, whereSql, type Where } from "./where.js";

/** Options of `db.table()`. */
export interface TableOptions {
  /** The key column. Default `id`. */
  key?: string;
}

/** One ORDER BY term: a column, or a column and a direction. `"score desc"` also works. */
export type OrderBy = string | { column: string; direction?: "asc" | "desc" };

/** Options of `list`. */
export interface ListOptions {
  where?: Where;
  orderBy?: OrderBy | OrderBy[];
  /** Page size. Default 50. */
  limit?: number;
  /** The `next` cursor of the previous page. */
  after?: string | null;
}

/** A page of `list`: the rows and the cursor of the next page (`null` on the last page). */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/**
 * A repository over one table, typed by `T`: not an ORM (no relations, no
 * change tracking), just the everyday reads and writes with keyset pagination.
 *
 * @example
 * const players = db.table<Player>("players");
 * const ada = await players.create({ name: "Ada", discord_id: "ada#1" });
 * let page = await players.list({ orderBy: [{ column: "rating", direction: "desc" }], limit: 20 });
 * while (page.next) page = await players.list({ orderBy: [{ column: "rating", direction: "desc" }], limit: 20, after: page.next });
 */
export class Table<T extends object = Row> {
  readonly key: string;

  constructor(
    private readonly runner: crud.Runner,
    readonly name: string,
    options: TableOptions = {},
  ) {
    this.key = options.key ?? "id";
    quoteName(runner.dialect, name);
  }

  /** The row with this key; `not_found` when there is none. */
  async get(id: unknown): Promise<T> {
    const row = (await crud.get(this.runner, this.name, { [this.key]: id }, { key: this.key })) as T | undefined;
    if (row === undefined) throw this.notFound(id);
    return row;
  }

  /** Every row matching the where object (all rows when omitted). */
  find(where: Where = {}): Promise<T[]> {
    const values: unknown[] = [];
    const sql = `SELECT * FROM ${quoteName(this.runner.dialect, this.name)}${this.where(where, values)}`;
    return this.runner.runSql(sql, values).then((r) => r.rows as T[]);
  }

  /** The number of rows matching the where object. */
  async count(where: Where = {}): Promise<number> {
    const values: unknown[] = [];
    const sql = `SELECT count(*) AS n FROM ${quoteName(this.runner.dialect, this.name)}${this.where(where, values)}`;
    const result = await this.runner.runSql(sql, values);
    return Number(result.rows[0]?.n ?? 0);
  }

  /** Inserts a row and returns it as stored (with its generated key and defaults). */
  async create(row: Partial<T>): Promise<T> {
    const id = await crud.insert(this.runner, this.name, row, { key: this.key });
    return this.get(id);
  }

  /** Updates the row with this key; `not_found` when there is none. Returns the updated row. */
  async update(id: unknown, patch: Partial<T>): Promise<T> {
    const count = await crud.update(this.runner, this.name, { [this.key]: id }, patch, { key: this.key });
    if (count === 0) throw this.notFound(id);
    return this.get(id);
  }

  /** Deletes the row with this key; returns whether it existed. */
  async delete(id: unknown): Promise<boolean> {
    return (await crud.remove(this.runner, this.name, { [this.key]: id }, { key: this.key })) > 0;
  }

  /**
   * One page in a stable order, by keyset (no OFFSET): the key column is added
   * as the last tiebreaker, so ties in the order columns never skip or repeat rows.
   */
  async list(options: ListOptions = {}): Promise<Page<T>> {
    const dialect = this.runner.dialect;
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1) throw new ParameterError("invalid_parameter", `list option "limit" must be a whole number >= 1`);
    const order = normalizeOrder(options.orderBy, this.key);
    const values: unknown[] = [];
    const conditions: string[] = [];
    if (options.where && Object.keys(options.where).length > 0) conditions.push(whereCondition(dialect, options.where, this.key, values));
    if (options.after) {
      const cursor = decodeCursor(options.after, order.length);
      conditions.push(keysetCondition(dialect, order, cursor, values));
    }
    const orderSql = order.map((o) => `${quoteName(dialect, o.column, false)} ${o.direction.toUpperCase()}`).join(", ");
    const sql = `SELECT * FROM ${quoteName(dialect, this.name)}${whereSql(conditions)} ORDER BY ${orderSql} LIMIT ${limit + 1}`;
    const rows = (await this.runner.runSql(sql, values)).rows;
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows) as T[];
    const last = items[items.length - 1] as Row | undefined;
    return { items, next: more && last ? encodeCursor(order.map((o) => last[o.column])) : null };
  }

  /** ` WHERE ...` for a where object, or "" for an empty one (every row). */
  private where(where: Where, values: unknown[]): string {
    return whereSql(Object.keys(where).length === 0 ? [] : [whereCondition(this.runner.dialect, where, this.key, values)]);
  }

  private notFound(id: unknown): NotFoundError {
    return new NotFoundError(`No row in ${this.name} with ${crud.describe(id, this.key)}`, { table: this.name });
  }
}

interface Order {
  column: string;
  direction: "asc" | "desc";
}

function normalizeOrder(orderBy: OrderBy | OrderBy[] | undefined, key: string): Order[] {
  const list = orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy];
  const order = list.map((o): Order => {
    if (typeof o === "string") {
      const m = /^\s*(\S+?)(?:\s+(asc|desc))?\s*$/i.exec(o);
      if (!m) throw new ParameterError("invalid_parameter", `Bad orderBy ${JSON.stringify(o)}: expected "column" or "column desc"`);
      return { column: m[1], direction: (m[2]?.toLowerCase() ?? "asc") as Order["direction"] };
    }
    if (o.direction !== undefined && o.direction !== "asc" && o.direction !== "desc") {
      throw new ParameterError("invalid_parameter", `orderBy direction must be "asc" or "desc"`);
    }
    return { column: o.column, direction: o.direction ?? "asc" };
  });
  if (!order.some((o) => o.column === key)) order.push({ column: key, direction: order[order.length - 1]?.direction ?? "asc" });
  return order;
}

/** `(a > x) OR (a = x AND b > y) OR ...`, each comparison in its column's direction. */
function keysetCondition(dialect: Dialect, order: Order[], cursor: unknown[], values: unknown[]): string {
  const bind = (v: unknown) => {
    if (v === null) throw new ParameterError("invalid_parameter", "Keyset pagination needs NOT NULL order columns; the cursor holds a NULL");
    return placeholder(dialect.syntax.placeholders, values.push(v));
  };
  const terms = order.map((o, i) => {
    const parts = order.slice(0, i).map((p, j) => `${quoteName(dialect, p.column, false)} = ${bind(cursor[j])}`);
    parts.push(`${quoteName(dialect, o.column, false)} ${o.direction === "asc" ? ">" : "<"} ${bind(cursor[i])}`);
    return `(${parts.join(" AND ")})`;
  });
  return `(${terms.join(" OR ")})`;
}
