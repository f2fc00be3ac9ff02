import type { TrainConfig } from '../train/config.js';
import type { TrainResult } from '../train/trainer.js';
import type { SequenceModel } from '../models/sequence-model.js';
import type { Task } from '../tasks/types.js';

/**
 * How much compute an experiment gets: `smoke` (seconds: what CI runs, proves the wiring only),
 * `small` (at most 30 minutes on 2 cores for the whole grid) or `paper` (the paper's settings
 * where a CPU can hold them at all).
 */
export type Budget = 'smoke' | 'small' | 'paper';

/** Every budget, cheapest first. */
export const BUDGETS: readonly Budget[] = ['smoke', 'small', 'paper'];

/** A number read from a training run: a metric on the train or test range, or at one length. */
export interface MetricRef {
  /** 'train' / 'test': the final evaluation on that range; a number: the curve point at that length. */
  readonly at: 'train' | 'test' | number;
  /** The metric (accuracy, loss, mse, ...). */
  readonly metric: string;
  /** Multiply by this before reporting (100 for accuracy in %). Default 1. */
  readonly scale?: number;
}

/** Fields every cell has: its folder name, the table row it belongs to, and its seed. */
interface CellBase {
  /** Unique within the experiment and filesystem-safe: the cell's run folder name. */
  readonly id: string;
  /** The table row the cell's values go to (one row averages its seeds). */
  readonly row: string;
  /** The seed of every random stream of the cell. */
  readonly seed: number;
}

/** A cell that is an ordinary training run (run folder, checkpoints, exact resume). */
export interface TrainCell extends CellBase {
  /** Discriminant. */
  readonly kind: 'train';
  /** The run's full configuration (its run folder resumes only with the same one). */
  readonly config: TrainConfig;
  /** The table's columns this run fills, by column key. */
  readonly columns: Readonly<Record<string, MetricRef>>;
  /** Measurements of the trained model beyond the trainer's metrics (per-variant accuracy, long
   *  contexts, ablations); its values join the columns, its curves the page. */
  readonly probe?: Probe;
}

/** What a probe sees: the trained model (in eval mode), the task it was trained on, the run. */
export interface ProbeContext {
  /** The trained model. */
  readonly model: SequenceModel;
  /** The task built from the cell's config (its lengths, its options). */
  readonly task: Task;
  /** The cell's training configuration. */
  readonly config: TrainConfig;
  /** The trainer's final report. */
  readonly result: TrainResult;
}

/** A measurement run on a training cell's model once training has finished. */
export interface Probe {
  /** What determines the probe's result (stored with the cell: a changed probe is rerun). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Measures the trained model (deterministic given the cell's seed; no files). */
  run(ctx: ProbeContext): MeasureOutput;
}

/** A curve a measure cell hands to the HTML page. */
export interface Series {
  /** Title of the chart the curve goes to (cells' curves of one name share a chart). */
  readonly name: string;
  /** Axis titles. */
  readonly xLabel: string;
  /** Axis titles. */
  readonly yLabel: string;
  /** Points, x ascending. */
  readonly x: readonly number[];
  /** Values at `x`. */
  readonly y: readonly number[];
}

/** What a measure cell computes: values by column key, and curves for the page. */
export interface MeasureOutput {
  /** The cell's numbers, by column key. */
  readonly values: Readonly<Record<string, number>>;
  /** Curves for the HTML page. */
  readonly series?: readonly Series[];
}

/** A cell that computes its values directly (statistics of a forward pass, a small custom fit). */
export interface MeasureCell extends CellBase {
  /** Discriminant. */
  readonly kind: 'measure';
  /** What determines the result (stored beside it, so a changed cell is recomputed). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Computes the cell (pure: no files; deterministic given the cell's seed). */
  measure(): MeasureOutput;
}

/** One unit of work of an experiment. */
export type Cell = TrainCell | MeasureCell;

/** A column of the results table. */
export interface Column {
  /** The key cells fill (`values[key]`). */
  readonly key: string;
  /** Header text (no '|': it ends up in a Markdown table). */
  readonly label: string;
  /** Digits after the point when printed (default 1). */
  readonly digits?: number;
}

/** A table value over seeds. */
export interface Stat {
  /** Mean over seeds. */
  readonly mean: number;
  /** Smallest and largest seed's value. */
  readonly min: number;
  /** Smallest and largest seed's value. */
  readonly max: number;
  /** Seeds that contributed. */
  readonly n: number;
}

/** The aggregated table: per row, per column key, the value over seeds. */
export type Results = Readonly<Record<string, Readonly<Record<string, Stat>>>>;

/** Whether the paper's claim held: true, false, or null when the run cannot tell (e.g. smoke budget). */
export interface Verdict {
  /** true: the claim held by the rule; false: it did not; null: not judged. */
  readonly reproduced: boolean | null;
  /** One or two sentences: what was compared and what came out. */
  readonly text: string;
}

/**
 * One seed paper's finding as a runnable experiment: the claim, the paper's numbers, the grid
 * (cells) per budget and the rule that turns our table into a verdict.
 */
export interface Experiment {
  /** Registry name (`recurrent reproduce NAME`). */
  readonly name: string;
  /** The paper, short (authors, venue, arXiv id; the P-number of the seed list). */
  readonly paper: string;
  /** The table or figure of the paper the experiment is judged on. */
  readonly figure: string;
  /** The claim in one sentence. */
  readonly claim: string;
  /** Table rows, in order. */
  readonly rows: readonly string[];
  /** Table columns, in order. */
  readonly columns: readonly Column[];
  /** The paper's numbers by row and column key (a string where the paper gives a qualitative result). */
  readonly paperNumbers: Readonly<Record<string, Readonly<Record<string, number | string>>>>;
  /** What each budget runs, in one line. */
  readonly budgets: Readonly<Record<Budget, string>>;
  /** Default seeds per row at each budget. */
  readonly seeds: Readonly<Record<Budget, number>>;
  /** The grid at a budget with `seeds` seeds per row. */
  cells(budget: Budget, seeds: number): Cell[];
  /** The verdict rule, applied to our table (rows missing from it were not run). */
  verdict(results: Results, budget: Budget): Verdict;
}
