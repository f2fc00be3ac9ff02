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

/** One pass of the curriculum gate: the length N whose accuracy exceeded the threshold, and when. */
export interface GatePass {
  /** The length that passed. */
  length: number;
  /** Steps done when it passed. */
  step: number;
  /** Its accuracy at the gate evaluation. */
  accuracy: number;
}

/** Where an accuracy-gated curriculum (`TrainConfig.curriculumGate`) stands. */
export interface GateState {
  /** The length trained on now (the last one passed when `done`). */
  length: number;
  /** Every pass so far, in order (lengths from, from + 1, ...). */
  passed: GatePass[];
  /** True once the last length (`to`) passed: the run ended there. */
  done: boolean;
}
