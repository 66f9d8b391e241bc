import { readFileSync } from "node:fs";
import { connect } from "../connect.js";
import { redactUrl } from "../config/redact.js";
import { checkCommand } from "./check-command.js";
import { HELP, parseCommand } from "./cli-args.js";
import { resolveTarget } from "./cli-config.js";
import { backendsCommand, healthCommand, queryCommand } from "./db-commands.js";
import { healthWatch } from "./health-watch.js";
import type { QueryEvent } from "../telemetry/query-event.js";
import { errorJson, toJson, type CliIo } from "./cli-io.js";
import { EXIT, exitCodeOf, UsageError } from "./exit-codes.js";
import { generateCommand } from "./generate-command.js";
import { loadPlugins, pluginSpecifiers } from "./load-plugins.js";
import { migrateCommand, newCommand } from "./migrate-command.js";

/**
 * Runs one CLI invocation and returns its exit code; prints only to `io`.
 *
 * @example process.exitCode = await runCli(["migrate", "status"], { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let json = argv.includes("--json");
  try {
    const cmd = parseCommand(argv);
    json = cmd.flags.json ?? false;
    if (cmd.name === "help") {
      io.stdout.write(HELP);
      return EXIT.ok;
    }
    if (cmd.name === "version") {
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
      io.stdout.write(`${pkg.version}\n`);
      return EXIT.ok;
    }
    await loadPlugins(pluginSpecifiers(io.env.POLYSQL_PLUGINS, cmd.flags.plugins), io.cwd);
    if (cmd.name === "backends") return backendsCommand(json, io);
    if (cmd.name === "check") return await checkCommand(cmd.positionals, cmd.flags, io);
    if (cmd.name === "generate") return await generateCommand(cmd.flags, io);
    const target = resolveTarget(io, cmd.flags);
    if (cmd.name === "migrate new") return await newCommand(cmd.positionals[0], target.dir, cmd.flags, io);
    const tty = Boolean(io.stdout.isTTY) && !json;
    if (tty && cmd.name.startsWith("migrate")) io.stderr.write(`${redactUrl(target.url)} (from ${target.source}), migrations in ${target.dir}\n`);
    // Slow statements print a warning (the text with placeholders, never values).
    const slowQueryMs = cmd.flags.slowMs ?? 1_000;
    const onQuery = (e: QueryEvent) => {
      if (e.slow) io.stderr.write(`polysql: warning: slow statement (${Math.round(e.durationMs)} ms >= ${slowQueryMs} ms): ${e.sql}\n`);
    };
    const db = await connect(slowQueryMs > 0 ? { url: target.url, slowQueryMs, onQuery } : target.url);
    try {
      if (cmd.name === "health" && cmd.flags.watch) return await healthWatch(db, cmd.flags.intervalMs ?? 5_000, json, io);
      if (cmd.name === "health") return await healthCommand(db, json, io);
      if (cmd.name === "query") return await queryCommand(db, cmd.positionals[0], json, io);
      return await migrateCommand(cmd.name.slice("migrate ".length), db, target.dir, cmd.flags, io);
    } finally {
      await db.close();
    }
  } catch (err) {
    const code = exitCodeOf(err);
    if (json && !(err instanceof UsageError)) io.stdout.write(toJson({ ok: false, error: errorJson(err as Error) }) + "\n");
    io.stderr.write(`polysql: ${(err as Error)?.message ?? String(err)}\n`);
    if (code === EXIT.usage) io.stderr.write(`Run "polysql --help" for usage.\n`);
    return code;
  }
}
