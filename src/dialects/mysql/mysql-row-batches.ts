/** The row stream `queryStream` returns: an object-mode Readable the connector pushes each row into, pausing the socket when it is full. */
export interface RowReadable {
  read(): unknown[] | null;
  on(event: "readable" | "end", listener: () => void): void;
  on(event: "error", listener: (err: unknown) => void): void;
  destroy(): void;
  /** Discards the rows still to come and resumes the socket (destroy alone leaves it paused). */
  close(): void;
}

/**
 * Reads the connector's row stream a batch at a time: each call answers every row already
 * buffered (at most `max`, never none) without waiting, and waits only when none is; `undefined`
 * once the stream ended, the error once it failed (after the rows that came before it). The
 * Readable's own async iterator costs a promise per row; this costs one per batch. Memory stays
 * bounded: rows are read only when asked for, and the connector pauses the socket meanwhile.
 */
export function readBatches(stream: RowReadable, max: number): () => Promise<unknown[][] | undefined> {
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  stream.on("readable", signal);
  stream.on("end", () => {
    ended = true;
    signal();
  });
  stream.on("error", (error) => {
    // The connector also reports its command closing with the connection this way, without an error.
    failure ??= { error: error ?? new Error("The connection closed before the stream ended") };
    signal();
  });
  return async () => {
    for (;;) {
      const batch: unknown[][] = [];
      while (batch.length < max) {
        const row = stream.read();
        if (row === null) break;
        batch.push(row);
      }
      if (batch.length > 0) return batch;
      if (failure !== undefined) throw failure.error;
      if (ended) return undefined;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
}
