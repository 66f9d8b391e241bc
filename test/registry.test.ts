import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { runCli } from "../src/cli/run-cli.js";
import { backends, connect, ConfigError, registerBackend, unregisterBackend } from "../src/index.js";
import { backendByName, type BackendDefinition } from "../src/dialects/index.js";
import { brokenBackend } from "./support/broken-backend.js";

const sqlite = backendByName("sqlite")!;
const dir = mkdtempSync(path.join(tmpdir(), "polysql-registry-"));

/** A valid backend over SQLite under another name and scheme, with `changes` applied. */
function variant(name: string, changes: Record<string, unknown> = {}): BackendDefinition<object> {
  return {
    ...sqlite,
    name,
    schemes: [name],
    parseUrl: (url: string) => sqlite.parseUrl(url.replace(/^[a-z]+:/, "sqlite:")),
    ...changes,
  } as BackendDefinition<object>;
}

function rejects(def: unknown, message: RegExp): void {
  assert.throws(
    () => registerBackend(def as BackendDefinition<object>),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
      assert.match(e.message, message);
      return true;
    },
  );
}

describe("backend registry", () => {
  it("rejects a definition with a missing member, naming it", () => {
    const { connect: _, ...noConnect } = variant("noconnect");
    rejects(noConnect, /registerBackend\("noconnect"\): missing "connect": must be a function/);
    rejects({ ...variant("nointro"), dialect: { ...sqlite.dialect, introspection: undefined } }, /missing "dialect\.introspection"/);
    const { BOOLEAN: __, ...types } = sqlite.dialect.types;
    rejects({ ...variant("notypes"), dialect: { ...sqlite.dialect, types } }, /missing "dialect\.types\.BOOLEAN": must be a non-empty string/);
    assert.equal(backendByName("noconnect"), undefined);
  });

  it("rejects a scheme another backend owns, or one listed twice", () => {
    rejects(variant("thief", { schemes: ["thief", "postgres"] }), /duplicate scheme "postgres": already registered by backend "postgres"/);
    rejects(variant("twice", { schemes: ["twice", "twice"] }), /duplicate scheme "twice" in "schemes"/);
    rejects(variant("colon", { schemes: ["colon:"] }), /scheme "colon:" is not a valid URL scheme/);
  });

  it("rejects malformed or unknown capability flags, listing every problem", () => {
    const capabilities = { ...sqlite.dialect.capabilities, returning: "yes", returnig: true };
    rejects(
      { ...variant("caps"), dialect: { ...sqlite.dialect, capabilities } },
      /2 problems:\n- capability "dialect\.capabilities\.returning" must be true or false, got "yes"\n- unknown capability "dialect\.capabilities\.returnig" \(accepted: returning, /,
    );
  });

  it("backends() lists name, schemes, version, every capability flag and whether the driver is installed", () => {
    registerBackend(variant("needsdriver", { driverPackages: ["polysql-no-such-driver"], version: "2.3.4" }));
    try {
      const list = backends();
      const sqliteInfo = list.find((b) => b.name === "sqlite")!;
      assert.deepEqual(sqliteInfo.schemes, ["sqlite", "sqlite3", "file"]);
      assert.deepEqual(sqliteInfo.drivers, [{ package: "better-sqlite3", installed: true }]);
      assert.equal(sqliteInfo.installed, true);
      assert.equal(sqliteInfo.capabilities.returning, true);
      assert.equal(sqliteInfo.capabilities.deadlockDetection, false);
      const missing = list.find((b) => b.name === "needsdriver")!;
      assert.deepEqual([missing.version, missing.installed, missing.drivers], ["2.3.4", false, [{ package: "polysql-no-such-driver", installed: false }]]);
    } finally {
      unregisterBackend("needsdriver");
    }
  });

  it("registering and removing backends at run time leaves open databases of other backends working", async () => {
    const plain = await connect(`sqlite:${path.join(dir, "plain.db")}`);
    registerBackend(brokenBackend);
    const broken = await connect(`broken:${path.join(dir, "broken.db")}`);
    try {
      registerBackend(variant("extra"));
      assert.equal(unregisterBackend("extra"), true);
      assert.equal(unregisterBackend("broken"), true);
      assert.equal(await broken.value("SELECT 1 = 1"), 1, "an open database of a removed backend keeps working");
      await assert.rejects(connect(`broken:${path.join(dir, "broken.db")}`), /No backend for URL broken:/);
      // Even replacing a built-in does not touch databases already open on it.
      registerBackend(variant("sqlite", { schemes: ["sqlite", "sqlite3", "file"], version: "9.9.9", parseUrl: sqlite.parseUrl }));
      assert.equal(await plain.value("SELECT 40 + 2"), 42);
      assert.equal(backendByName("sqlite")!.version, "9.9.9");
    } finally {
      registerBackend(sqlite);
      unregisterBackend("broken");
      await broken.close();
      await plain.close();
    }
    assert.equal(backendByName("sqlite"), sqlite);
  });

  it("validates backend config: unknown keys by configKeys, values by the backend's validateConfig hook", async () => {
    const checked = variant("checked", {
      validateConfig(config: { busyTimeoutMs?: unknown }) {
        if (typeof config.busyTimeoutMs !== "number" || config.busyTimeoutMs > 60_000) throw new Error(`"busyTimeoutMs" must be a number up to 60000`);
      },
    });
    registerBackend(checked);
    try {
      const url = `checked:${path.join(dir, "checked.db")}`;
      await assert.rejects(
        connect({ url, checked: { colour: "blue" } }),
        /Unknown checked option "colour" \(accepted: filename, mode, busyTimeoutMs, readers\)/,
      );
      await assert.rejects(connect({ url, checked: { busyTimeoutMs: 120_000 } }), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.message, `Invalid checked configuration: "busyTimeoutMs" must be a number up to 60000`);
        return true;
      });
      const db = await connect({ url, checked: { busyTimeoutMs: 100 } });
      await db.close();
    } finally {
      unregisterBackend("checked");
    }
  });
});

describe("polysql backends", () => {
  function io(env: Record<string, string> = {}) {
    const out = { stdout: "", stderr: "" };
    return {
      out,
      io: { stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) }, env, cwd: process.cwd() },
    };
  }

  it("lists the registered backends with versions, capabilities and driver status", async () => {
    const { out, io: cli } = io();
    assert.equal(await runCli(["backends"], cli), 0);
    assert.match(out.stdout, /^name\s+\| schemes\s+\| version \| capabilities\s+\| installed/);
    assert.match(
      out.stdout,
      /\npostgres\s+\| postgres, postgresql\s+\| 1\.0\.0\s+\| returning, transactionalDdl, savepoints, concurrentConnections, deadlockDetection, serializationFailures, strictTypes \| yes/,
    );
  });

  it("loads plugins from --plugin and POLYSQL_PLUGINS before running the command", async () => {
    try {
      const { out, io: cli } = io();
      assert.equal(await runCli(["backends", "--json", "--plugin", "./test/support/broken-backend.ts"], cli), 0);
      assert.ok(JSON.parse(out.stdout).some((b: { name: string }) => b.name === "broken"));
      unregisterBackend("broken");
      const viaEnv = io({ POLYSQL_PLUGINS: "./test/support/broken-backend.ts" });
      assert.equal(await runCli(["query", "SELECT 1 AS one", "--json", "--url", `broken:${path.join(dir, "cli.db")}`], viaEnv.io), 0);
      assert.deepEqual(JSON.parse(viaEnv.out.stdout), { columns: [{ name: "one" }], rows: [[1]] });
    } finally {
      unregisterBackend("broken");
    }
  });

  it("a plugin that cannot be loaded is a usage error naming it", async () => {
    const { out, io: cli } = io();
    assert.equal(await runCli(["backends", "--plugin", "./no/such/plugin.js"], cli), 2);
    assert.match(out.stderr, /polysql: Could not load plugin "\.\/no\/such\/plugin\.js": /);
  });
});
