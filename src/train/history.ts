import type { Metrics } from './metrics.js';

/** Mean training loss over `logEvery` steps. */
export interface StepRecord { step: number; loss: number; lr: number }

/** One evaluation on the training and the test length ranges. */
export interface EvalRecord { step: number; train: Metrics; test: Metrics }

/** What a run remembers of its past (kept in checkpoints, so a resumed run's log is complete). */
export interface History { steps: StepRecord[]; evals: EvalRecord[] }
