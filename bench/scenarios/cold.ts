import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { check, quantile, type Measurement } from "../lib/measure.js";
import { URLS, type Engine } from "../lib/types.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const probe = fileURLToPath(new URL("../cold/probe.mjs", import.meta.url));

/** What one fresh process measured (bench/cold/probe.mjs), in ms. */
interface Probe {
  importMs: number;
  connectMs: number;
  newConnectionMs: number;
  firstQueryMs: number;
  secondQueryMs: number;
}

function runProbe(contender: string, engine: Engine): Promise<Probe> {
  const job = { contender, engine, url: URLS[engine], file: URLS.sqlite };
  return new Promise((resolve, reject) => {
    // A plain `node`, no tsx: its loader hooks would slow every import measured.
    const child = spawn(process.execPath, [probe, JSON.stringify(job)], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice(7)) as Probe);
      else reject(new Error(err.trim().split("\n").slice(0, 3).join(" | ") || `probe exit ${code}`));
    });
  });
}

/**
 * Scenario "cold": `runs` fresh processes one after the other, each importing the library as an
 * application does (polysql from its built `dist/`, through the package's own name), connecting to
 * the first row of a point lookup, then opening a second connection and timing its first and second
 * lookups. The value is the median time to the first row (import + connect + lookup); the extras are
 * each phase's median and p95 over the runs.
 */
export async function coldStart(contender: string, engine: Engine, runs: number): Promise<Measurement> {
  if (contender === "polysql" && !existsSync(`${root}/dist/index.js`)) return { value: NaN, skipped: "no dist/: run npm run build first" };
  const probes: Probe[] = [];
  for (let i = 0; i < runs; i++) probes.push(await runProbe(contender, engine));
  check(probes.length === runs, `ran ${probes.length} of ${runs} probes`);
  const pick = (f: (p: Probe) => number) => probes.map(f);
  const extra: Record<string, number> = {};
  const phases: [string, (p: Probe) => number][] = [
    ["importMs", (p) => p.importMs],
    ["connectMs", (p) => p.connectMs],
    // A new connection to its first row: libraries that connect lazily do it inside the first query.
    ["newConnFirstRowMs", (p) => p.newConnectionMs + p.firstQueryMs],
    ["secondQueryMs", (p) => p.secondQueryMs],
  ];
  for (const [name, f] of phases) {
    extra[name] = quantile(pick(f), 0.5);
    extra[`${name.replace(/Ms$/, "")}P95Ms`] = quantile(pick(f), 0.95);
  }
  return {
    value: quantile(
      pick((p) => p.importMs + p.connectMs),
      0.5,
    ),
    extra,
  };
}
