import type { MetricRef } from './types.js';

/** Accuracy in % at a range ('train' / 'test') or at one length: the column most experiments report. */
export function accuracyAt(at: MetricRef['at']): MetricRef {
  return { at, metric: 'accuracy', scale: 100 };
}

/**
 * A training cell's evaluation and checkpoint schedule: `evals` evaluations over the run (the
 * curves of the page) and a checkpoint every tenth of it (what an interrupted cell resumes from).
 */
export function cellSchedule(steps: number, evals: number): { evalEvery: number; checkpointEvery: number } {
  return { evalEvery: Math.max(1, Math.floor(steps / evals)), checkpointEvery: Math.max(1, Math.floor(steps / 10)) };
}
