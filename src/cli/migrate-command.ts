import type { Database } from "../database.js";
import { down } from "../migrate/down.js";
import { migrate, newMigration, type MigrateResult, type MigrationStep } from "../migrate/index.js";
import { repair } from "../migrate/repair.js";
import { status, validate } from "../migrate/status.js";
import type { CliFlags } from "./cli-args.js";
import { toJson, type CliIo } from "./cli-io.js";
import { EXIT, exitCodeOf } from "./exit-codes.js";
import { formatTable } from "./format-table.js";

/** Runs `polysql migrate <sub>` on an open database; returns the exit code. */
export async function migrateCommand(sub: string, db: Database, dir: string, flags: CliFlags, io: CliIo): Promise<number> {
  const common = { dir, lockTimeoutMs: flags.lockTimeoutMs };
  const tty = Boolean(io.stdout.isTTY) && !flags.json;
  const onProgress = tty ? progress(io) : undefined;
  switch (sub) {
    case "up": {
      const result = await migrate(db, { ...common, to: flags.to, dryRun: flags.dryRun, allowOutOfOrder: flags.allowOutOfOrder, onProgress });
      return report(result, flags, io, tty);
    }
    case "down":
      return report(await down(db, { ...common, steps: flags.steps, dryRun: flags.dryRun, onProgress }), flags, io, tty);
    case "status": {
      const result = await status(db, { dir, allowOutOfOrder: flags.allowOutOfOrder });
      if (flags.json) io.stdout.write(toJson(result) + "\n");
      else {
        const rows = result.migrations.map((m) => ({
          version: m.version,
          description: m.description,
          state: m.state,
          applied_at: m.appliedAt ?? "",
          ms: m.durationMs ?? "",
          undo: m.undoable ? "yes" : "no",
        }));
        io.stdout.write(rows.length === 0 ? `No migrations in ${dir}\n` : formatTable(rows));
        for (const p of result.problems) io.stderr.write(`polysql: ${p.message}\n`);
      }
      return result.problems.length === 0 ? EXIT.ok : exitCodeOf(result.problems[0]);
    }
    case "validate": {
      const result = await validate(db, { dir, allowOutOfOrder: flags.allowOutOfOrder });
      if (flags.json) io.stdout.write(toJson(result) + "\n");
      else if (result.ok && tty) io.stdout.write("Migrations are valid\n");
      for (const p of flags.json ? [] : result.problems) io.stderr.write(`polysql: ${p.message}\n`);
      return result.ok ? EXIT.ok : exitCodeOf(result.problems[0]);
    }
    case "repair": {
      const result = await repair(db, common);
      if (flags.json) io.stdout.write(toJson(result) + "\n");
      else {
        for (const v of result.removed) io.stdout.write(`removed failed run of ${v}\n`);
        for (const v of result.realigned) io.stdout.write(`realigned checksum of ${v}\n`);
        if (tty && result.removed.length + result.realigned.length === 0) io.stdout.write("Nothing to repair\n");
        for (const p of result.problems) io.stderr.write(`polysql: ${p.message}\n`);
      }
      return result.problems.length === 0 ? EXIT.ok : exitCodeOf(result.problems[0]);
    }
    default:
      throw new Error(`unreachable: migrate ${sub}`);
  }
}

/** `polysql migrate new <name>`: needs no database. */
export async function newCommand(name: string, dir: string, flags: CliFlags, io: CliIo): Promise<number> {
  const created = await newMigration(dir, name);
  io.stdout.write(flags.json ? toJson(created) + "\n" : `${created.up}\n${created.down}\n`);
  return EXIT.ok;
}

function progress(io: CliIo) {
  return ({ phase, step }: { phase: "start" | "done"; step: MigrationStep }) => {
    const arrow = step.direction === "up" ? "↑" : "↓";
    if (phase === "start") io.stderr.write(`${arrow} ${step.version} ${step.description} ... `);
    else io.stderr.write(`done in ${step.durationMs} ms\n`);
  };
}

function report(result: MigrateResult, flags: CliFlags, io: CliIo, tty: boolean): number {
  if (flags.json) {
    io.stdout.write(toJson(result) + "\n");
  } else if (result.dryRun) {
    for (const step of result.steps) {
      io.stdout.write(`-- ${step.file} (${result.engine}, ${step.direction})\n`);
      for (const s of step.statements ?? []) io.stdout.write(`${s};\n\n`);
    }
    if (tty && result.steps.length === 0) io.stdout.write("-- nothing to run\n");
  } else if (tty) {
    const verb = result.steps[0]?.direction === "down" ? "Undid" : "Applied";
    io.stdout.write(result.steps.length === 0 ? (result.ok ? "Up to date\n" : "") : `${verb} ${result.steps.length} migration(s) on ${result.engine}\n`);
  } else {
    for (const s of result.steps) io.stdout.write(`${s.direction}\t${s.version}\t${s.file}\t${s.durationMs}\n`);
  }
  if (result.error) {
    if (tty && !result.dryRun) io.stderr.write("failed\n");
    if (!flags.json) {
      io.stderr.write(`polysql: ${result.error.message}\n`);
      for (const p of result.problems.slice(1)) io.stderr.write(`polysql: ${p.message}\n`);
    }
    return exitCodeOf(result.error);
  }
  return EXIT.ok;
}
