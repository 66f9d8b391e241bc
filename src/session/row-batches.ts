import type { Row } from "../dialects/contract/index.js";

/** Rows of a stream as they pass through the core's layers: a whole batch per step (see `DriverConnection.streamBatches`). */
export type RowBatch = readonly (Row | unknown[])[];

/**
 * A driver's one-row-at-a-time `stream` as batches of up to `size` rows, for a driver without
 * `streamBatches`: each layer above then steps once per batch instead of once per row.
 */
export async function* batchRows(rows: AsyncIterable<Row | unknown[]>, size: number): AsyncGenerator<RowBatch> {
  let batch: (Row | unknown[])[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * The rows of a stream of batches, one per `next()`: the only step per row, taken by the caller's
 * `for await`. A row already in hand costs one resolved promise, with no generator in between;
 * the next batch is asked for only once the current one is used up (constant memory). `return`
 * (a `break` out of the loop) and `throw` go to the batches' iterator, which closes the cursor.
 */
export class RowIterator<T> implements AsyncIterableIterator<T> {
  private batch: readonly T[] = [];
  private next_ = 0;
  private done = false;
  /** The fetch of the next batch in flight: a concurrent `next()` waits for it rather than fetching past it. */
  private fetching: Promise<IteratorResult<T>> | undefined;

  constructor(
    private readonly batches: AsyncIterator<readonly T[]>,
    /** True once the call's signal or deadline stopped it: the rows in hand are dropped and the batches' iterator asked, which fails with the call's error. */
    private readonly stopped?: () => boolean,
  ) {}

  next(): Promise<IteratorResult<T>> {
    if (this.next_ < this.batch.length && this.stopped?.() !== true) return Promise.resolve({ done: false, value: this.batch[this.next_++] });
    if (this.fetching !== undefined) return this.fetching.then(() => this.next());
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    const fetching = this.fill();
    this.fetching = fetching;
    const clear = () => {
      if (this.fetching === fetching) this.fetching = undefined;
    };
    fetching.then(clear, clear);
    return fetching;
  }

  private async fill(): Promise<IteratorResult<T>> {
    this.batch = [];
    this.next_ = 0;
    try {
      for (;;) {
        const step = await this.batches.next();
        if (step.done === true) break;
        if (step.value.length === 0) continue;
        this.batch = step.value;
        this.next_ = 1;
        return { done: false, value: step.value[0] };
      }
    } catch (err) {
      this.done = true;
      throw err;
    }
    this.done = true;
    return { done: true, value: undefined };
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.finish();
    await this.batches.return?.(value);
    return { done: true, value: undefined };
  }

  async throw(err?: unknown): Promise<IteratorResult<T>> {
    this.finish();
    if (this.batches.throw === undefined) throw err;
    await this.batches.throw(err);
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    this.done = true;
    this.batch = [];
    this.next_ = 0;
  }
}
