import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { connect, ConnectionError, PolysqlError, type ConnectOptions, type Database } from "../src/index.js";
import { engines, type Engine } from "./support/engines.js";
import { NoTlsProxy } from "./support/no-tls-proxy.js";

/**
 * The throwaway PKI `scripts/db.sh start` generates: the servers' certificate is
 * signed by ca.pem and names DNS:localhost only (so verify-full to "localhost"
 * passes and to "127.0.0.1" fails the host check); other-ca.pem signed nothing
 * the servers present; client.pem is a client certificate (CN=polysql-client) from ca.pem.
 */
const TLS = path.join(process.env.POLYSQL_ENGINE_DIR ?? "/tmp/polysql-engines", "tls");
const CA = path.join(TLS, "ca.pem");
const OTHER_CA = path.join(TLS, "other-ca.pem");
const CLIENT_CERT = path.join(TLS, "client.pem");
const CLIENT_KEY = path.join(TLS, "client.key");
const noPki = !existsSync(CA) && `no test certificates in ${TLS} (the servers were not started by scripts/db.sh)`;

type Mode = "disable" | "prefer" | "require" | "verifyCa" | "verifyFull";

/** Each engine's spelling of the same TLS settings, and how to ask the server whether this session is encrypted. */
interface Spelling {
  mode: Record<Mode, string>;
  modeParam: string;
  caParam: string;
  certParam: string;
  keyParam: string;
  options(settings: { mode?: Mode; ca?: string; cert?: string; key?: string }): Record<string, string>;
  encrypted(db: Pick<Database, "value" | "one">): Promise<boolean>;
}

const SPELLING: Record<"postgres" | "mysql", Spelling> = {
  postgres: {
    mode: { disable: "disable", prefer: "prefer", require: "require", verifyCa: "verify-ca", verifyFull: "verify-full" },
    modeParam: "sslmode",
    caParam: "sslrootcert",
    certParam: "sslcert",
    keyParam: "sslkey",
    options: (s) => ({
      ...(s.mode && { sslmode: SPELLING.postgres.mode[s.mode] }),
      ...(s.ca && { sslrootcert: s.ca }),
      ...(s.cert && { sslcert: s.cert, sslkey: s.key! }),
    }),
    encrypted: async (db) => (await db.value<boolean>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) === true,
  },
  mysql: {
    mode: { disable: "DISABLED", prefer: "PREFERRED", require: "REQUIRED", verifyCa: "VERIFY_CA", verifyFull: "VERIFY_IDENTITY" },
    modeParam: "ssl-mode",
    caParam: "ssl-ca",
    certParam: "ssl-cert",
    keyParam: "ssl-key",
    options: (s) => ({
      ...(s.mode && { sslMode: SPELLING.mysql.mode[s.mode] }),
      ...(s.ca && { sslCa: s.ca }),
      ...(s.cert && { sslCert: s.cert, sslKey: s.key! }),
    }),
    encrypted: async (db) => ((await db.one<{ Value: string }>("SHOW STATUS LIKE 'Ssl_version'"))?.Value ?? "") !== "",
  },
};

/** The engine's URL with query parameters, and another host, port or user. */
function urlFor(engine: Engine, params: Record<string, string>, host?: string, port?: number, user?: { name: string; password: string }): string {
  const url = new URL(engine.url);
  if (host !== undefined) url.hostname = host;
  if (port !== undefined) url.port = String(port);
  if (user !== undefined) [url.username, url.password] = [user.name, user.password];
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** Connects, asks whether the session is encrypted, closes. */
async function encryptedWith(engine: Engine, options: ConnectOptions): Promise<boolean> {
  const db = await connect({ pool: { min: 0, max: 1 }, ...options });
  try {
    return await SPELLING[engine.name as "postgres" | "mysql"].encrypted(db);
  } finally {
    await db.close();
  }
}

/** Asserts that connecting fails with a non-transient `connection_failure` naming the TLS check. */
async function refused(options: ConnectOptions, check: "refused" | "untrusted_ca" | "host_mismatch", text: RegExp): Promise<void> {
  await assert.rejects(connect({ pool: { min: 0, max: 1 }, ...options }), (err: unknown) => {
    assert.ok(err instanceof ConnectionError, `expected a ConnectionError, got ${String(err)}`);
    assert.equal(err.code, "connection_failure");
    assert.equal(err.phase, "connect");
    assert.equal(err.engineCode, `tls_${check}`);
    assert.equal(err.transient, false);
    assert.match(err.message, text);
    assert.ok(err.cause !== undefined, "the driver's error is the cause");
    return true;
  });
}

for (const engine of engines().filter((e) => e.name !== "sqlite")) {
  const s = SPELLING[engine.name as "postgres" | "mysql"];
  const target = { host: "127.0.0.1", port: Number(new URL(engine.url).port) };
  const at = (mode: Mode, extra: Record<string, string> = {}, host?: string, port?: number) =>
    urlFor(engine, { [s.modeParam]: s.mode[mode], ...extra }, host, port);

  describe(`TLS on ${engine.name}`, { skip: noPki }, () => {
    let noTls: NoTlsProxy;
    before(async () => {
      noTls = await NoTlsProxy.start(engine.name as "postgres" | "mysql", target);
    });
    after(() => noTls.close());

    it("without a TLS option the connection is plaintext (the Node drivers' default)", async () => {
      assert.equal(await encryptedWith(engine, { url: engine.url }), false);
    });

    it(`${s.mode.disable}: plaintext even though the server offers TLS`, async () => {
      assert.equal(await encryptedWith(engine, { url: at("disable") }), false);
    });

    it(`${s.mode.prefer}: TLS when the server offers it`, async () => {
      assert.equal(await encryptedWith(engine, { url: at("prefer") }), true);
    });

    it(`${s.mode.prefer}: falls back to plaintext when the server refuses TLS`, async () => {
      assert.equal(await encryptedWith(engine, { url: at("prefer", {}, "127.0.0.1", noTls.port) }), false);
    });

    it(`${s.mode.require}: TLS without checking the certificate (the test CA is not trusted)`, async () => {
      assert.equal(await encryptedWith(engine, { url: at("require") }), true);
    });

    it(`${s.mode.require}: refuses a server without TLS, saying TLS was refused`, async () => {
      await refused({ url: at("require", {}, "127.0.0.1", noTls.port) }, "refused", /TLS refused by the server/);
    });

    it(`${s.mode.verifyCa}: trusted CA, host name not checked (127.0.0.1 is not in the certificate)`, async () => {
      assert.equal(await encryptedWith(engine, { url: at("verifyCa", { [s.caParam]: CA }) }), true);
    });

    it(`${s.mode.verifyCa}: refuses an untrusted CA`, async () => {
      await refused({ url: at("verifyCa", { [s.caParam]: OTHER_CA }) }, "untrusted_ca", /untrusted CA/);
    });

    it(`${s.mode.verifyFull}: trusted CA and matching host name (localhost)`, async () => {
      assert.equal(await encryptedWith(engine, { url: at("verifyFull", { [s.caParam]: CA }, "localhost") }), true);
    });

    it(`${s.mode.verifyFull}: refuses a wrong host name (127.0.0.1 for a certificate naming localhost)`, async () => {
      await refused({ url: at("verifyFull", { [s.caParam]: CA }, "127.0.0.1") }, "host_mismatch", /host name mismatch/);
    });

    it(`${s.mode.verifyFull}: refuses an untrusted CA even with the right host name`, async () => {
      await refused({ url: at("verifyFull", { [s.caParam]: OTHER_CA }, "localhost") }, "untrusted_ca", /untrusted CA/);
    });

    it(`${s.mode.verifyFull} without a CA trusts only public root CAs, so the test CA is refused`, async () => {
      await refused({ url: at("verifyFull", {}, "localhost") }, "untrusted_ca", /untrusted CA/);
    });

    it(`${s.mode.verifyFull}: refuses a server without TLS`, async () => {
      await refused({ url: at("verifyFull", { [s.caParam]: CA }, "127.0.0.1", noTls.port) }, "refused", /TLS refused by the server/);
    });

    it("the same settings work as connect() options, with PEM text instead of a path", async () => {
      const options = { url: urlFor(engine, {}, "localhost"), [engine.name]: s.options({ mode: "verifyFull", ca: readFileSync(CA, "utf8") }) };
      assert.equal(await encryptedWith(engine, options), true);
    });

    it("every connection the pool opens uses TLS", async () => {
      const db = await connect({ url: at("verifyFull", { [s.caParam]: CA }, "localhost"), pool: { min: 0, max: 3 } });
      try {
        const seen = await Promise.all(
          [1, 2, 3].map(() =>
            db.transaction(async (tx) => {
              await new Promise((r) => setTimeout(r, 50));
              return s.encrypted(tx);
            }),
          ),
        );
        assert.deepEqual(seen, [true, true, true]);
        assert.equal(db.metrics().total, 3);
      } finally {
        await db.close();
      }
    });

    it("TLS options are checked at connect(), naming the option", async () => {
      const bad = async (options: ConnectOptions, text: RegExp) =>
        assert.rejects(connect(options), (err: unknown) => err instanceof PolysqlError && err.code === "config_error" && text.test(err.message));
      await bad({ url: urlFor(engine, { [s.modeParam]: "sometimes" }) }, new RegExp(`${s.modeParam}=sometimes is not one of`, "i"));
      await bad({ url: at("verifyCa") }, new RegExp(`${s.mode.verifyCa} needs ${s.caParam}`));
      await bad({ url: at("require", { [s.certParam]: CLIENT_CERT }) }, /go together/);
      await bad({ url: at("verifyFull", { [s.caParam]: "/nonexistent/ca.pem" }, "localhost") }, /cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
    });

    if (engine.name === "postgres") {
      it("require with sslrootcert checks the chain like verify-ca (libpq), but not the host name", async () => {
        await refused({ url: at("require", { sslrootcert: OTHER_CA }) }, "untrusted_ca", /\(sslmode=require\).*untrusted CA/);
        assert.equal(await encryptedWith(engine, { url: at("require", { sslrootcert: CA }) }), true);
      });

      it("sslcert/sslkey present a client certificate the server verifies", async () => {
        const db = await connect(at("verifyFull", { sslrootcert: CA, sslcert: CLIENT_CERT, sslkey: CLIENT_KEY }, "localhost"));
        try {
          assert.equal(await db.value("SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "/CN=polysql-client");
        } finally {
          await db.close();
        }
      });

      it("sslrootcert=system is only accepted with verify-full (libpq 16)", async () => {
        await assert.rejects(connect(at("verifyCa", { sslrootcert: "system" })), /sslrootcert=system needs sslmode=verify-full/);
      });
    } else {
      it("REQUIRED with ssl-ca does not check the certificate; ssl-ca alone means VERIFY_CA (MySQL client)", async () => {
        assert.equal(await encryptedWith(engine, { url: at("require", { "ssl-ca": OTHER_CA }) }), true);
        await refused({ url: urlFor(engine, { "ssl-ca": OTHER_CA }) }, "untrusted_ca", /\(ssl-mode=VERIFY_CA\).*untrusted CA/);
        assert.equal(await encryptedWith(engine, { url: urlFor(engine, { "ssl-ca": CA }) }), true);
      });

      it("ssl-cert/ssl-key present a client certificate: a user that REQUIRE SUBJECT it gets in only with it", async () => {
        const admin = await connect(engine.url);
        try {
          await admin.execute("DROP USER IF EXISTS 'polysql_x509'@'%'");
          await admin.execute("CREATE USER 'polysql_x509'@'%' IDENTIFIED BY 'x509-pass' REQUIRE SUBJECT '/CN=polysql-client'");
          await admin.execute("GRANT SELECT ON *.* TO 'polysql_x509'@'%'");
          const url = (extra: Record<string, string>) =>
            urlFor(engine, { "ssl-mode": "VERIFY_IDENTITY", "ssl-ca": CA, ...extra }, "localhost", undefined, { name: "polysql_x509", password: "x509-pass" });
          assert.equal(await encryptedWith(engine, { url: url({ "ssl-cert": CLIENT_CERT, "ssl-key": CLIENT_KEY }) }), true);
          await assert.rejects(
            connect(url({})),
            (err: unknown) => err instanceof PolysqlError && err.code === "connection_failure" && /Access denied/.test(err.message),
          );
        } finally {
          await admin.execute("DROP USER IF EXISTS 'polysql_x509'@'%'");
          await admin.close();
        }
      });
    }
  });
}
