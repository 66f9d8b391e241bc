import net from "node:net";

/** PostgreSQL's SSLRequest and GSSENCRequest codes (the 4 bytes after the length 8). */
const PG_ENCRYPTION_REQUESTS = new Set([80877103, 80877104]);
/** CLIENT_SSL in the lower capability flags of MySQL's initial handshake packet. */
const MYSQL_CLIENT_SSL = 0x0800;

/**
 * A loopback proxy in front of a real server that makes it look exactly like
 * the same server with TLS turned off, and forwards everything else:
 * - PostgreSQL: it answers the client's SSLRequest with `N`, the byte a server
 *   with `ssl = off` sends, then forwards the plaintext session.
 * - MySQL/MariaDB: it clears CLIENT_SSL in the server's initial handshake
 *   packet, as a server started without certificates sends it.
 * So `require` must refuse it, and `prefer` must fall back to plaintext and
 * then work against the real server.
 *
 * @example
 * const proxy = await NoTlsProxy.start("postgres", { host: "127.0.0.1", port: 55432 });
 * await connect(`postgres://u:p@127.0.0.1:${proxy.port}/db?sslmode=require`); // rejects: TLS refused
 */
export class NoTlsProxy {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(engine: "postgres" | "mysql", target: { host: string; port: number }): Promise<NoTlsProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const proxy = new NoTlsProxy(server, (server.address() as net.AddressInfo).port);
    server.on("connection", (client) => {
      proxy.track(client);
      if (engine === "postgres") proxy.postgres(client, target);
      else proxy.mysql(client, target);
    });
    return proxy;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  }

  private upstream(client: net.Socket, target: { host: string; port: number }): net.Socket {
    const upstream = net.connect(target.port, target.host);
    this.track(upstream);
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
    return upstream;
  }

  private postgres(client: net.Socket, target: { host: string; port: number }): void {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 8) return;
      if (buffered.readInt32BE(0) === 8 && PG_ENCRYPTION_REQUESTS.has(buffered.readInt32BE(4))) {
        buffered = buffered.subarray(8);
        client.write("N");
        if (buffered.length < 8) return;
      }
      client.off("data", onData);
      const upstream = this.upstream(client, target);
      upstream.write(buffered);
      client.pipe(upstream);
      upstream.pipe(client);
    };
    client.on("data", onData);
  }

  private mysql(client: net.Socket, target: { host: string; port: number }): void {
    const upstream = this.upstream(client, target);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4 || buffered.length < 4 + buffered.readUIntLE(0, 3)) return;
      upstream.off("data", onData);
      // payload: protocol version, server version (NUL-terminated), thread id (4), scramble (8), filler (1), capabilities (2)
      const flags = buffered.indexOf(0, 5) + 1 + 4 + 8 + 1;
      buffered.writeUInt16LE(buffered.readUInt16LE(flags) & ~MYSQL_CLIENT_SSL, flags);
      client.write(buffered);
      upstream.pipe(client);
      client.pipe(upstream);
    };
    upstream.on("data", onData);
  }
}
