import { ArgumentError } from '../errors.js';
import { upgradeModelOptions } from '../models/sequence-model.js';
import type { ModelOptions } from '../models/sequence-model.js';
import { checkModelOptions } from '../models/registry.js';

/** Everything that defines a training run (JSON; stored in every checkpoint). */
export interface TrainConfig {
  /** Task registry name and its options. */
  task: string;
  /** Options of the task (see `TaskSpec.options`). */
  taskOptions: Record<string, string | number | boolean>;
  /** Model options (cell, sizes); the rest follows from the task. */
  model: ModelOptions;
  /** Optimisation steps. */
  steps: number;
  /** Sequences per training batch. */
  batchSize: number;
  /** Peak learning rate of AdamW. */
  lr: number;
  /** AdamW's decoupled weight decay. */
  weightDecay: number;
  /** Global gradient-norm clip (0 = off). */
  clip: number;
  /** Linear warmup steps, then the schedule. */
  warmup: number;
  /** After warmup: cosine decay to a tenth of `lr`, or constant. */
  schedule: 'cosine' | 'constant';
  /** Seed of every random stream (model init, training data, evaluation sets). */
  seed: number;
  /** Steps between averaged loss records. */
  logEvery: number;
  /** Steps between evaluations (0 = only at the end). */
  evalEvery: number;
  /** Examples per evaluation set (train lengths, test lengths; half as many per curve point). */
  evalSize: number;
  /** Steps between checkpoints (0 = only at the end). */
  checkpointEvery: number;
  /** Length curriculum: the longest training length grows linearly from the shortest to the
   *  longest over this fraction of the steps (0 = off, every length from the start). */
  curriculum: number;
  /** Stop after this many evaluations without a better train-length loss (0 = never). */
  patience: number;
  /** The task's training length range [lo, hi], in place of its own (absent: the task's). */
  trainLengths?: [number, number];
  /** The task's test length range [lo, hi], in place of its own (absent: the task's). */
  testLengths?: [number, number];
  /** Accuracy-gated curriculum (absent: off); while set, the linear `curriculum` is not used. */
  curriculumGate?: CurriculumGate;
}

/**
 * An accuracy-gated length curriculum: training runs at one length N at a time, from `from`;
 * every `every` steps the model is evaluated at N (a fixed set of `evalSize / 2` examples) and,
 * when its accuracy is above `threshold`, N grows by one. Passing at `to` ends the run (a
 * finished curriculum). The current N is part of the checkpoint, so a resume continues at it.
 */
export interface CurriculumGate {
  /** First training length (N). */
  from: number;
  /** Last training length; passing the gate here ends the run. */
  to: number;
  /** Accuracy (a fraction, 0 < threshold < 1) that must be exceeded to advance. */
  threshold: number;
  /** Steps between gate evaluations. */
  every: number;
}

/** Validates a curriculum gate (`ArgumentError` naming the bad field). */
export function checkCurriculumGate(g: unknown, op = 'train'): CurriculumGate {
  if (g === null || typeof g !== 'object' || Array.isArray(g)) throw new ArgumentError(op, `curriculumGate must be an object { from, to, threshold, every }, got ${JSON.stringify(g)}`);
  const o = g as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['from', 'to', 'threshold', 'every'].includes(k));
  if (extra.length) throw new ArgumentError(op, `curriculumGate has unknown field(s) ${extra.join(', ')}; valid: from, to, threshold, every`);
  for (const k of ['from', 'to', 'every'] as const) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ArgumentError(op, `curriculumGate.${k} must be an integer >= 1, got ${String(v)}`);
  }
  if ((o.from as number) > (o.to as number)) throw new ArgumentError(op, `curriculumGate.from (${String(o.from)}) must be <= to (${String(o.to)})`);
  const t = o.threshold;
  if (typeof t !== 'number' || !(t > 0 && t < 1)) throw new ArgumentError(op, `curriculumGate.threshold must be a fraction in (0, 1) (the accuracy must exceed it), got ${String(t)}`);
  return { from: o.from as number, to: o.to as number, threshold: t, every: o.every as number };
}

/** Defaults: a minute-scale run on 2 cores. */
export const TRAIN_DEFAULTS: Omit<TrainConfig, 'task' | 'taskOptions' | 'model'> = {
  steps: 1000, batchSize: 32, lr: 3e-3, weightDecay: 0, clip: 1, warmup: 50, schedule: 'cosine', seed: 0,
  logEvery: 10, evalEvery: 0, evalSize: 256, checkpointEvery: 100, patience: 0, curriculum: 0.5,
};

/** Fills defaults and validates a partial config. */
export function trainConfig(partial: Partial<TrainConfig> & { task: string }): TrainConfig {
  const c: TrainConfig = { ...TRAIN_DEFAULTS, taskOptions: {}, model: {}, ...partial };
  const op = 'train';
  // The model name and options are checked now, not at the first step (options arrive typed).
  const model = upgradeModelOptions(c.model as Record<string, unknown>) as ModelOptions;
  const options = checkModelOptions(model.name ?? 'lstm', model.options ?? {});
  c.model = { ...model, ...(model.options !== undefined ? { options } : {}) };
  const int = (name: keyof TrainConfig, min: number): void => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ArgumentError(op, `${name} must be an integer >= ${min}, got ${String(v)}`);
  };
  int('steps', 1); int('batchSize', 1); int('seed', 0); int('logEvery', 1); int('evalEvery', 0); int('evalSize', 1);
  int('checkpointEvery', 0); int('patience', 0); int('warmup', 0);
  const pos = (name: keyof TrainConfig, allowZero: boolean): void => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
      throw new ArgumentError(op, `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(v)}`);
    }
  };
  pos('lr', false); pos('weightDecay', true); pos('clip', true);
  if (!(c.curriculum >= 0 && c.curriculum <= 1)) throw new ArgumentError(op, `curriculum must be in [0, 1], got ${String(c.curriculum)}`);
  for (const k of ['trainLengths', 'testLengths'] as const) {
    const r = c[k];
    if (r === undefined) continue;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((n) => Number.isInteger(n) && n >= 1) || r[0] > r[1]) {
      throw new ArgumentError(op, `${k} must be [lo, hi] with integers 1 <= lo <= hi, got ${JSON.stringify(r)}`);
    }
  }
  if (c.curriculumGate !== undefined) c.curriculumGate = checkCurriculumGate(c.curriculumGate, op);
  if (c.schedule !== 'cosine' && c.schedule !== 'constant') throw new ArgumentError(op, `schedule must be cosine or constant, got '${String(c.schedule)}'`);
  return c;
}
