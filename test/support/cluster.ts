import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

// The clusters of scripts/cluster.sh, as `npm test` passes them to test/cluster/*.test.ts
// (each file names its targets in a `// @cluster ...` line). A URL that is missing is an
// error, never a skip: a cluster test that cannot reach its cluster fails.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** One URL from the environment; throws when `npm test` did not set it. */
export function clusterUrl(name: string): string {
  const url = process.env[name];
  if (!url) {
    throw new Error(
      `${name} is not set: this test needs a cluster from scripts/cluster.sh. Run it with \`npm test -- <file>\` (which starts the clusters the file's @cluster line names), or start them with \`bash scripts/cluster.sh start all\` and export its URLs`,
    );
  }
  return url;
}

/** A comma-separated list of URLs from the environment. */
export function clusterUrls(name: string): string[] {
  return clusterUrl(name).split(",");
}

/** One URL per host of a multi-host URL (`mysql://u:p@h1:1,h2:2/db` → `mysql://u:p@h1:1/db`, ...). */
export function hostUrls(url: string): string[] {
  const m = /^([a-z]+:\/\/(?:[^@/]*@)?)([^/?]+)(.*)$/i.exec(url);
  if (!m) throw new Error(`not a URL: ${url}`);
  return m[2].split(",").map((host) => `${m[1]}${host}${m[3]}`);
}

/** The same MariaDB URL with the admin account of scripts/cluster.sh (every privilege). */
export function adminUrl(url: string): string {
  return url.replace(/^(mysql|mariadb):\/\/[^@]*@/, "$1://polysql_admin:polysql_admin@");
}

/** The port of a single-host URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Runs `bash scripts/cluster.sh ...` and resolves with its stdout; rejects with its stderr's tail. */
export function clusterScript(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("bash", [path.join(ROOT, "scripts", "cluster.sh"), ...args], { cwd: ROOT, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`cluster.sh ${args.join(" ")} failed: ${err.message}\n${stderr.split("\n").slice(-20).join("\n")}`));
      else resolve(stdout);
    });
  });
}

/** Polls `check` until it is true, or fails the test after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, what = "condition"): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) assert.fail(`${what} not reached within ${ms} ms`);
    await sleep(20);
  }
}

/** p50 and p99 of a list of numbers (ms), rounded to 0.01. */
export function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] ?? 0) };
}
