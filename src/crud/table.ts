import type { Row } from "../dialects/contract/index.js";
import { NotFoundError, ParameterError } from "../errors.js";
import type { Queryable } from "../queryable.js";
import { describe } from "./crud.js";
import { encodeCursor, decodeCursor } from "./cursor.js";
import { placeholder, quoteName } from "./names.js";
import { whereClause, type Where } from "./where.js";

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
    private readonly db: Queryable,
    readonly name: string,
    options: TableOptions = {},
  ) {
    this.key = options.key ?? "id";
    quoteName(db.engineFacts, name);
  }

  /** The row with this key; `not_found` when there is none. */
  async get(id: unknown): Promise<T> {
    const row = await this.db.get<T>(this.name, { [this.key]: id }, { key: this.key });
    if (row === undefined) throw new NotFoundError(`No row in ${this.name} with ${describe(id, this.key)}`, { table: this.name });
    return row;
  }

  /** Every row matching the where object (all rows when omitted). */
  find(where: Where = {}): Promise<T[]> {
    const values: unknown[] = [];
    const clause = Object.keys(where).length === 0 ? "" : whereClause(this.db.engineFacts, where, this.key, values);
    return this.db.runSql(`SELECT * FROM ${quoteName(this.db.engineFacts, this.name)}${clause}`, values).then((r) => r.rows as T[]);
  }

  /** The number of rows matching the where object. */
  async count(where: Where = {}): Promise<number> {
    const values: unknown[] = [];
    const clause = Object.keys(where).length === 0 ? "" : whereClause(this.db.engineFacts, where, this.key, values);
    const result = await this.db.runSql(`SELECT count(*) AS n FROM ${quoteName(this.db.engineFacts, this.name)}${clause}`, values);
    return Number(result.rows[0]?.n ?? 0);
  }

  /** Inserts a row and returns it as stored (with its generated key and defaults). */
  async create(row: Partial<T>): Promise<T> {
    const id = await this.db.insert(this.name, row, { key: this.key });
    return this.get(id);
  }

  /** Updates the row with this key; `not_found` when there is none. Returns the updated row. */
  async update(id: unknown, patch: Partial<T>): Promise<T> {
    const count = await this.db.update(this.name, { [this.key]: id }, patch, { key: this.key });
    if (count === 0) throw new NotFoundError(`No row in ${this.name} with ${describe(id, this.key)}`, { table: this.name });
    return this.get(id);
  }

  /** Deletes the row with this key; returns whether it existed. */
  async delete(id: unknown): Promise<boolean> {
    return (await this.db.delete(this.name, { [this.key]: id }, { key: this.key })) > 0;
  }

  /**
   * One page in a stable order, by keyset (no OFFSET): the key column is added
   * as the last tiebreaker, so ties in the order columns never skip or repeat rows.
   */
  async list(options: ListOptions = {}): Promise<Page<T>> {
    const facts = this.db.engineFacts;
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1) throw new ParameterError("invalid_parameter", `list option "limit" must be a whole number >= 1`);
    const order = normalizeOrder(options.orderBy, this.key);
    const values: unknown[] = [];
    const conditions: string[] = [];
    if (options.where && Object.keys(options.where).length > 0) conditions.push(whereClause(facts, options.where, this.key, values).slice(7));
    if (options.after) {
      const cursor = decodeCursor(options.after, order.length);
      conditions.push(keysetCondition(this.db, order, cursor, values));
    }
    const where = conditions.length ? ` WHERE ${conditions.join(" AND ")}` : "";
    const orderSql = order.map((o) => `${quoteName(facts, o.column, false)} ${o.direction.toUpperCase()}`).join(", ");
    const sql = `SELECT * FROM ${quoteName(facts, this.name)}${where} ORDER BY ${orderSql} LIMIT ${limit + 1}`;
    const rows = (await this.db.runSql(sql, values)).rows;
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows) as T[];
    const last = items[items.length - 1] as Row | undefined;
    return { items, next: more && last ? encodeCursor(order.map((o) => last[o.column])) : null };
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
function keysetCondition(db: Queryable, order: Order[], cursor: unknown[], values: unknown[]): string {
  const facts = db.engineFacts;
  const bind = (v: unknown) => {
    if (v === null) throw new ParameterError("invalid_parameter", "Keyset pagination needs NOT NULL order columns; the cursor holds a NULL");
    values.push(v);
    return placeholder(facts, values.length);
  };
  const terms = order.map((o, i) => {
    const parts = order.slice(0, i).map((p, j) => `${quoteName(facts, p.column, false)} = ${bind(cursor[j])}`);
    parts.push(`${quoteName(facts, o.column, false)} ${o.direction === "asc" ? ">" : "<"} ${bind(cursor[i])}`);
    return `(${parts.join(" AND ")})`;
  });
  return `(${terms.join(" OR ")})`;
}
