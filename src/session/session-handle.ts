import type { Dialect, Row } from "../dialects/contract/index.js";
import { PolysqlError } from "../errors.js";
import { Queryable } from "../queryable.js";
import type { Session } from "./session.js";
import type { CompiledQuery } from "../sql/index.js";

/**
 * The query methods on one session held for the length of a callback (a
 * transaction or a `db.connection()` call); unusable once the callback ended.
 */
export abstract class HeldSession extends Queryable {
  private finished = false;

  constructor(
    protected readonly session: Session,
    private readonly endedMessage: string,
  ) {
    super();
  }

  get dialect(): string {
    return this.session.dialect.name;
  }

  protected get facts(): Dialect {
    return this.session.dialect;
  }

  /** Marks this handle unusable once its callback ended. */
  finish(): void {
    this.finished = true;
  }

  protected check(): void {
    if (this.finished) throw new PolysqlError("transaction_error", this.endedMessage);
  }

  protected withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    this.check();
    return fn(this.session);
  }

  protected runQuery(query: CompiledQuery) {
    this.check();
    return this.session.run(query);
  }

  protected streamQuery(query: CompiledQuery, batchSize: number): AsyncGenerator<Row> {
    this.check();
    return this.session.stream(query, batchSize);
  }
}
