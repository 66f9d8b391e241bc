import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { pgliteBackend, parsePgliteUrl } from "../plugins/pglite/src/index.js";
import { runConformance } from "../src/conformance/index.js";
import { backends, connect, ConfigError, registerBackend, unregisterBackend } from "../src/index.js";
import { assertConforms } from "./support/conformance.js";

const PLUGIN_SRC = path.join(import.meta.dirname, "..", "plugins", "pglite", "src");
const dir = mkdtempSync(path.join(tmpdir(), "polysql-pglite-"));

describe("the PGlite plugin's boundary", () => {
  it("imports polysql only through its public entry points (polysql, polysql/backend), in one file", () => {
    let imports = 0;
    for (const file of readdirSync(PLUGIN_SRC)) {
      const text = readFileSync(path.join(PLUGIN_SRC, file), "utf8");
      for (const [, spec] of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)) {
        const allowed =
          spec.startsWith("node:") ||
          /^\.\/[\w-]+\.js$/.test(spec) ||
          (file === "polysql.ts" && (spec === "../../../src/index.js" || spec === "../../../src/dialects/index.js"));
        assert.ok(allowed, `${file} imports "${spec}"`);
        imports++;
      }
    }
    assert.ok(imports >= 10, `found only ${imports} imports: the scan is broken`);
  });

  it("parses pglite: URLs", () => {
    assert.deepEqual(parsePgliteUrl("pglite::memory:"), {});
    assert.deepEqual(parsePgliteUrl("pglite:"), {});
    assert.deepEqual(parsePgliteUrl("pglite:./data/app"), { dataDir: "./data/app" });
    assert.deepEqual(parsePgliteUrl("pglite:///var/db"), { dataDir: "/var/db" });
    assert.throws(() => parsePgliteUrl("pglite:./x?fast=1"), ConfigError);
  });
});

registerBackend(pgliteBackend);
const installed = () => backends().find((b) => b.name === "pglite")?.installed === true;

describe("the PGlite plugin", () => {
  after(() => unregisterBackend("pglite"));

  it("is listed by backends() once registered, with its driver package", () => {
    const info = backends().find((b) => b.name === "pglite");
    assert.deepEqual([info?.schemes, info?.drivers.map((d) => d.package)], [["pglite"], ["@electric-sql/pglite"]]);
    assert.equal(info?.capabilities.concurrentConnections, false);
  });

  it("rejects unknown and malformed options before opening anything", async () => {
    await assert.rejects(
      connect({ url: "pglite::memory:", pglite: { colour: "blue" } }),
      /Unknown pglite option "colour" \(accepted: dataDir, relaxedDurability\)/,
    );
    await assert.rejects(connect({ url: "pglite::memory:", pglite: { relaxedDurability: "yes" } }), /PGlite option "relaxedDurability" must be true or false/);
  });

  it("passes the conformance kit, skipping only what one connection cannot do", {
    skip: !installed() && "@electric-sql/pglite is not installed (npm install -D @electric-sql/pglite@0.5.16)",
  }, async () => {
    const report = await runConformance({ url: `pglite:${path.join(dir, "kit")}`, backend: "pglite", timeoutMs: 60_000 });
    assertConforms(report);
    const skipped = report.checks.filter((c) => c.status === "skip").map((c) => `${c.name} → ${c.reason}`);
    assert.deepEqual(skipped, [
      "two transactions locking rows in opposite order: one gets a transient deadlock → concurrentConnections: false",
      "SERIALIZABLE write skew ends with a transient serialization_failure → concurrentConnections: false",
    ]);
  });

  it("refuses a second open of the same directory, and reopens it after close", { skip: !installed() && "@electric-sql/pglite is not installed" }, async () => {
    const url = `pglite:${path.join(dir, "single")}`;
    const first = await connect(url);
    await first.execute("CREATE TABLE kept (id INTEGER)");
    await assert.rejects(connect(url), /already open in this process/);
    await first.close();
    const again = await connect(url);
    assert.equal(await again.tableExists("kept"), true);
    await again.close();
  });
});
