// A TCP proxy for the chaos run's long form (scripts/chaos.ts --long): it sits between the pool and
// a database server and, while chaos is on, holds chunks back for a random while (in order, per
// direction) and drops whole connections at random points in their traffic — mid-handshake,
// mid-statement, mid-result, mid-transaction — with a reset (RST) on both sides.
import net from "node:net";

export interface ChaosProxyOptions {
  /** Probability that a chunk is held back (each direction). */
  delayRate: number;
  /** A held-back chunk waits 1..maxDelayMs ms; the chunks after it on that direction wait behind it. */
  maxDelayMs: number;
  /** Probability that a chunk (either direction) ends its connection instead of being forwarded. */
  dropRate: number;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

/**
 * @example
 * const proxy = await ChaosProxy.start({ host: "127.0.0.1", port: 55470 }, { delayRate: 0.05, maxDelayMs: 20, dropRate: 0.001 });
 * // connect the pool to 127.0.0.1:proxy.port; proxy.chaos = false for a quiet end; await proxy.close();
 */
export class ChaosProxy {
  /** While false the proxy forwards everything at once. */
  chaos = true;
  readonly stats = { accepted: 0, drops: 0, delayedChunks: 0, chunks: 0 };
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
    private readonly options: ChaosProxyOptions,
  ) {
    server.on("connection", (client) => this.accept(client));
  }

  /** Listens on 127.0.0.1 on a free port. */
  static async start(target: { host: string; port: number }, options: ChaosProxyOptions): Promise<ChaosProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return new ChaosProxy(server, target, options);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.end(pair, false);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.stats.accepted++;
    client.setNoDelay(true);
    const upstream = net.connect(this.target.port, this.target.host);
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    this.pairs.add(pair);
    for (const s of [client, upstream]) {
      s.on("error", () => this.end(pair, false));
      s.on("close", () => this.end(pair, false));
    }
    this.forward(pair, client, upstream);
    this.forward(pair, upstream, client);
  }

  /** Copies `from` to `to` in order; a chunk may wait, and may end the connection instead. */
  private forward(pair: Pair, from: net.Socket, to: net.Socket): void {
    let chain: Promise<void> | undefined;
    from.on("data", (chunk: Buffer) => {
      this.stats.chunks++;
      const { delayRate, maxDelayMs, dropRate } = this.options;
      if (this.chaos && Math.random() < dropRate) {
        this.stats.drops++;
        this.end(pair, true);
        return;
      }
      const wait = this.chaos && Math.random() < delayRate ? 1 + Math.floor(Math.random() * maxDelayMs) : 0;
      if (wait === 0 && chain === undefined) {
        write(to, chunk);
        return;
      }
      if (wait > 0) this.stats.delayedChunks++;
      const previous = chain ?? Promise.resolve();
      const mine: Promise<void> = previous.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              write(to, chunk);
              if (chain === mine) chain = undefined;
              resolve();
            }, wait),
          ),
      );
      chain = mine;
    });
  }

  private end(pair: Pair, reset: boolean): void {
    if (!this.pairs.delete(pair)) return;
    for (const s of [pair.client, pair.upstream]) {
      if (s.destroyed) continue;
      if (reset) s.resetAndDestroy();
      else s.destroy();
    }
  }
}

function write(socket: net.Socket, chunk: Buffer): void {
  if (!socket.destroyed && socket.writable) socket.write(chunk);
}
