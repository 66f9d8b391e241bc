import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { formatReport, runConformance } from "../src/conformance/index.js";
import { backends } from "../src/index.js";
import { brokenBackend } from "./support/broken-backend.js";
import { assertConforms } from "./support/conformance.js";
import { engines } from "./support/engines.js";

for (const engine of engines()) {
  describe(`conformance kit on ${engine.name}`, () => {
    it("passes every check, skipping only what the backend declares it lacks", async () => {
      assertConforms(await runConformance({ url: engine.url }));
    });
  });
}

describe("conformance kit", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "polysql-kit-"));

  it("fails a broken backend with readable messages: unmapped errors, booleans as 0/1", async () => {
    const report = await runConformance({ url: `broken:${path.join(dir, "broken.db")}`, backend: brokenBackend });
    const text = formatReport(report);
    assert.equal(report.ok, false);
    assert.match(text, /^FAIL broken 0\.0\.1/);
    const failed = (name: RegExp) => report.checks.find((c) => c.status === "fail" && name.test(c.name));
    assert.equal(failed(/^BOOLEAN values/)?.error, "BOOLEAN true read back: expected true, got 1");
    assert.match(failed(/unique_violation/)?.error ?? "", /expected error code "unique_violation", got "unknown": UNIQUE constraint failed/);
    assert.match(failed(/syntax_error/)?.error ?? "", /expected error code "syntax_error", got "unknown"/);
    assert.ok(report.totals.fail >= 8, `${report.totals.fail} failures:\n${text}`);
    // What the broken backend does right still passes, and the run removed the backend it registered.
    assert.equal(report.checks.find((c) => c.name.startsWith("INTEGER values"))?.status, "pass");
    assert.equal(
      backends().some((b) => b.name === "broken"),
      false,
    );
  });

  it("skips by area or name, and reports a missing capability as the reason", async () => {
    const url = `sqlite:${path.join(dir, "select.db")}`;
    const report = await runConformance({ url, only: ["errors", "introspection"], skip: ["columns() of a missing table is empty"] });
    const statuses = new Set(report.checks.filter((c) => c.area === "values").map((c) => `${c.status}:${c.reason}`));
    assert.deepEqual([...statuses], ["skip:not selected (only)"]);
    assert.equal(report.checks.find((c) => c.name === "columns() of a missing table is empty")?.reason, "skipped by the caller (skip)");
    assert.equal(report.checks.find((c) => /deadlock/.test(c.name))?.reason, "concurrentConnections: false");
    assert.equal(report.checks.find((c) => /does not fit/.test(c.name))?.reason, "strictTypes: false");
    assert.equal(report.totals.fail, 0);
  });

  it("refuses a URL another backend serves", async () => {
    await assert.rejects(
      runConformance({ url: "postgres://x@127.0.0.1/db", backend: "sqlite" }),
      /scheme "postgres:" is served by backend "postgres", not "sqlite"/,
    );
  });
});
