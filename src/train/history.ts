import type { Metrics } from './metrics.js';

/** Mean training loss over `logEvery` steps. */
export interface StepRecord {
  /** Steps done when the record was taken. */
  step: number;
  /** Mean training loss since the previous record. */
  loss: number;
  /** Learning rate of the next step. */
  lr: number;
}

/** One evaluation on the training and the test length ranges. */
export interface EvalRecord {
  /** Steps done at the evaluation. */
  step: number;
  /** Metrics on the training length range. */
  train: Metrics;
  /** Metrics on the (longer) test length range. */
  test: Metrics;
}

/** What a run remembers of its past (kept in checkpoints, so a resumed run's log is complete). */
export interface History {
  /** Loss records, oldest first. */
  steps: StepRecord[];
  /** Evaluations, oldest first. */
  evals: EvalRecord[];
}
