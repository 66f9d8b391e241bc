import net from "node:net";

/** What the proxy does with traffic: forward it, swallow it, reset sockets, or forward it late. */
export type ProxyMode = "pass" | "blackhole" | "reset" | "delay";

interface Pair {
  client: net.Socket;
  upstream?: net.Socket;
}

/**
 * A loopback TCP proxy in the test process, in front of a real database server.
 * `blackhole` accepts connections and swallows traffic both ways (a silent peer);
 * `reset` destroys every open socket with RST and resets new ones on accept;
 * `delay` forwards every chunk `delayMs` late, in order. It closes itself after
 * `lifetimeMs` so a failed test never leaves it listening.
 *
 * @example
 * const proxy = await TcpProxy.start({ host: "127.0.0.1", port: 55432 });
 * proxy.set("blackhole");
 * await proxy.close();
 */
export class TcpProxy {
  /** Connections accepted so far (in any mode). */
  accepted = 0;
  private mode: ProxyMode = "pass";
  private delayMs = 0;
  /** Connections still to reset on accept before falling back to the current mode. */
  private resetBudget = 0;
  private readonly pairs = new Set<Pair>();
  private readonly lifetime: NodeJS.Timeout;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
    lifetimeMs: number,
  ) {
    server.on("connection", (client) => this.accept(client));
    this.lifetime = setTimeout(() => void this.close(), lifetimeMs).unref();
  }

  /** Listens on 127.0.0.1 on a free port. */
  static async start(target: { host: string; port: number }, lifetimeMs = 60_000): Promise<TcpProxy> {
    const server = net.createServer({ pauseOnConnect: false });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return new TcpProxy(server, target, lifetimeMs);
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Open client connections. */
  get open(): number {
    return this.pairs.size;
  }

  /** Switches mode; `reset` also destroys every open connection at once. */
  set(mode: ProxyMode, delayMs = 0): void {
    this.mode = mode;
    this.delayMs = delayMs;
    if (mode === "reset") for (const pair of [...this.pairs]) this.drop(pair, true);
  }

  /** Resets the next `n` accepted connections, then behaves per the current mode. */
  resetNext(n: number): void {
    this.resetBudget = n;
  }

  /** Destroys every open connection (RST) without changing the mode. */
  resetAll(): void {
    for (const pair of [...this.pairs]) this.drop(pair, true);
  }

  async close(): Promise<void> {
    clearTimeout(this.lifetime);
    for (const pair of [...this.pairs]) this.drop(pair, false);
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const pair: Pair = { client };
    this.pairs.add(pair);
    client.on("error", () => this.drop(pair, false));
    client.on("close", () => this.drop(pair, false));
    if (this.resetBudget > 0) {
      this.resetBudget--;
      this.drop(pair, true);
      return;
    }
    if (this.mode === "reset") {
      this.drop(pair, true);
      return;
    }
    if (this.mode === "blackhole") {
      client.resume(); // accepted, read and dropped (so its close is seen), never answered
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on("error", () => this.drop(pair, false));
    upstream.on("close", () => this.drop(pair, false));
    this.forward(client, () => pair.upstream);
    this.forward(upstream, () => pair.client);
  }

  /** Copies chunks from `from` to the other side per the mode at the time each chunk arrives. */
  private forward(from: net.Socket, to: () => net.Socket | undefined): void {
    let chain = Promise.resolve();
    from.on("data", (chunk: Buffer) => {
      const mode = this.mode;
      if (mode === "blackhole" || mode === "reset") return;
      if (mode === "pass") {
        chain = chain.then(() => void write(to(), chunk));
        return;
      }
      const ms = this.delayMs;
      chain = chain.then(() => new Promise<void>((resolve) => setTimeout(() => (write(to(), chunk), resolve()), ms).unref()));
    });
  }

  private drop(pair: Pair, reset: boolean): void {
    if (!this.pairs.delete(pair)) return;
    for (const s of [pair.client, pair.upstream]) {
      if (s === undefined || s.destroyed) continue;
      if (reset) s.resetAndDestroy();
      else s.destroy();
    }
  }
}

function write(socket: net.Socket | undefined, chunk: Buffer): void {
  if (socket !== undefined && !socket.destroyed && socket.writable) socket.write(chunk);
}
