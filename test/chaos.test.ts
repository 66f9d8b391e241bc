import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { it } from "node:test";

// The short form of the chaos run (scripts/chaos.ts, `npm run chaos -- --ops 2000`) on the engines
// of this run: 64 callers, a pool of 4, random aborts and timeouts; it exits non-zero when any
// of its checks (ledger, echo, pool max, server sessions, running statements, unhandled rejections) fails.

it("chaos run, short form (2,000 operations per engine)", { timeout: 300_000 }, async (t) => {
  const script = path.join(import.meta.dirname, "..", "scripts", "chaos.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, "--ops", "2000"], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  for (const line of output.trim().split("\n")) t.diagnostic(line);
  assert.equal(code, 0, output);
  assert.match(output, /chaos: all checks passed/);
});
