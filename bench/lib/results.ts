import type { Measurement } from "./measure.js";
import type { Machine } from "./machine.js";
import { summarize, type Summary } from "./stats.js";

/** Every round of one contender in one scenario group. */
export interface Cell {
  scenario: string;
  group: string;
  contender: string;
  samples: number[];
  extras: Record<string, number[]>;
  series?: Measurement["series"];
  skipped?: string;
  errors: string[];
  /** When and how this cell was measured (cells may come from an earlier run when a run is partial). */
  runAt: string;
  quick: boolean;
}

export interface Results {
  command: string;
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  /** Which polysql was measured: the working tree or a commit snapshot. */
  source: string;
  machine: Machine;
  cells: Cell[];
}

export function cellSummary(cell: Cell): Summary {
  return summarize(cell.samples);
}

export function extraMedian(cell: Cell, key: string): number {
  return summarize(cell.extras[key] ?? []).median;
}

export function addMeasurement(cell: Cell, m: Measurement): void {
  if (m.skipped !== undefined) {
    cell.skipped = m.skipped;
    return;
  }
  cell.samples.push(m.value);
  for (const [k, v] of Object.entries(m.extra ?? {})) (cell.extras[k] ??= []).push(v);
  if (m.series !== undefined) cell.series = m.series;
}
