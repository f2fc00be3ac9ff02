import { ArgumentError } from '../errors.js';
import { checkNumber, describe } from './util.js';

/**
 * A learning-rate schedule: the lr to use at a 0-based optimizer step. Schedules are pure
 * functions of the step, so resuming from a checkpoint (which restores the step) resumes them.
 */
export type Schedule = (step: number) => number;

function checkLr(op: string, lr: unknown, label = "'lr'"): number {
  return checkNumber(op, label, lr, { min: 0 });
}

function checkSteps(op: string, label: string, n: unknown, min: number): number {
  return checkNumber(op, label, n, { min, integer: true });
}

/** Validates the step a schedule is called with: a non-negative integer. */
function checkStep(op: string, step: unknown): number {
  return checkNumber(op, 'step', step, { min: 0, integer: true });
}

/** A constant learning rate (what a plain number `lr` means). */
export function constantLr(lr: number): Schedule {
  const op = 'constantLr';
  checkLr(op, lr);
  return (step) => {
    checkStep(op, step);
    return lr;
  };
}

/**
 * Linear warmup: `lr * (step + 1) / warmupSteps` for the first `warmupSteps` steps (so step 0 is
 * already useful and step `warmupSteps - 1` reaches `lr`), then `then(step - warmupSteps)` — the
 * follow-up schedule counts from 0 at the end of warmup — or a constant `lr` when `then` is omitted.
 */
export function linearWarmup(lr: number, warmupSteps: number, then?: Schedule): Schedule {
  const op = 'linearWarmup';
  checkLr(op, lr);
  checkSteps(op, "'warmupSteps'", warmupSteps, 0);
  if (then !== undefined && typeof then !== 'function') {
    throw new ArgumentError(op, `'then' must be a schedule function (step) => lr, got ${describe(then)}`);
  }
  return (step) => {
    checkStep(op, step);
    if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
    return then ? then(step - warmupSteps) : lr;
  };
}

/** Options of `cosineLr`. */
export interface CosineLrOptions {
  /** Floor reached at `totalSteps` and kept afterwards (default 0). */
  minLr?: number;
  /** Linear warmup steps before the cosine starts (default 0); the cosine spans the rest. */
  warmupSteps?: number;
}

/**
 * Cosine annealing from `lr` to `minLr` over `totalSteps` (PyTorch's CosineAnnealingLR closed form,
 * `minLr + (lr - minLr) * (1 + cos(pi * t / T)) / 2`), optionally after a linear warmup that
 * counts towards `totalSteps`. Steps at or beyond `totalSteps` get `minLr`.
 */
export function cosineLr(lr: number, totalSteps: number, opts: CosineLrOptions = {}): Schedule {
  const op = 'cosineLr';
  checkLr(op, lr);
  checkSteps(op, "'totalSteps'", totalSteps, 1);
  const minLr = opts.minLr ?? 0;
  const warmupSteps = opts.warmupSteps ?? 0;
  checkNumber(op, "'minLr'", minLr, { min: 0, max: lr });
  checkSteps(op, "'warmupSteps'", warmupSteps, 0);
  if (warmupSteps >= totalSteps) {
    throw new ArgumentError(op, `'warmupSteps' (${warmupSteps}) must be smaller than 'totalSteps' (${totalSteps})`);
  }
  const span = totalSteps - warmupSteps;
  return (step) => {
    checkStep(op, step);
    if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
    const t = Math.min(step - warmupSteps, span);
    return minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * t) / span))) / 2;
  };
}

/** Step decay: `lr * gamma ** floor(step / stepSize)` (PyTorch's StepLR). */
export function stepLr(lr: number, stepSize: number, gamma: number): Schedule {
  const op = 'stepLr';
  checkLr(op, lr);
  checkSteps(op, "'stepSize'", stepSize, 1);
  checkNumber(op, "'gamma'", gamma, { min: 0, minOpen: true });
  return (step) => {
    checkStep(op, step);
    return lr * gamma ** Math.floor(step / stepSize);
  };
}
