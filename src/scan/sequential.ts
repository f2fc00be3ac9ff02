import { ArgumentError } from '../errors.js';
import { customGrad } from '../autodiff/grad.js';
import { concat, narrow, squeeze, stack } from '../ops/movement.js';
import { isTensor } from '../tensor/tensor.js';
import type { Tensor } from '../tensor/tensor.js';

/** What one scan step returns. */
export interface ScanStepResult {
  /** The carry after this step, handed to the next one. */
  carry: Tensor[];
  /** This step's outputs (one tensor per output stream, without the time axis). */
  y: Tensor[];
}

/** One step of a scan: the new carry and this step's output (both tensor arrays). */
export type ScanStep = (carry: Tensor[], x: Tensor[]) => ScanStepResult;

/** What `scanSequential` returns. */
export interface ScanResult {
  /** The carry after the last step. */
  carry: Tensor[];
  /** Every step's outputs, stacked along the time axis (one tensor per output stream). */
  ys: Tensor[];
}

/** Options of the scans. */
export interface ScanOptions {
  /** Run from the last step to the first (outputs stay in time order). */
  reverse?: boolean;
  /**
   * The time axis of every `xs` tensor and of the stacked outputs (default 0). Head-major layouts
   * such as q [B, H, T, d] scan along axis 2 without a transpose.
   */
  axis?: number;
}

/** Checks that `xs` is a non-empty array of tensors sharing the time length on `axis` (default 0); returns it. */
export function timeLength(op: string, xs: readonly Tensor[], axis = 0): number {
  if (!Array.isArray(xs) || xs.length === 0 || !xs.every(isTensor)) throw new ArgumentError(op, 'expects a non-empty array of tensors');
  if (!Number.isInteger(axis) || axis < 0) throw new ArgumentError(op, `axis must be an integer >= 0, got ${String(axis)}`);
  const T = xs[0]!.shape[axis];
  if (T === undefined || T < 1) throw new ArgumentError(op, `tensors need a time axis ${axis} of length >= 1, got xs[0] of rank ${xs[0]!.rank}`);
  xs.forEach((x, i) => {
    if (x.shape[axis] !== T) throw new ArgumentError(op, `xs[${i}] has ${String(x.shape[axis])} steps on axis ${axis}, xs[0] has ${T}`);
  });
  return T;
}

/**
 * The reference scan (jax.lax.scan): for t in order, `{carry, y} = step(carry, xs[t])`; returns the
 * final carry and the stacked outputs [T, ...]. Every op is recorded, so it differentiates through
 * the tape — the specification the parallel and fused forms are tested against.
 *
 *   carry = init
 *   for t = 0..T-1 (or T-1..0):  carry, y[t] = step(carry, x[t])
 */
export function scanSequential(step: ScanStep, init: Tensor[], xs: Tensor[], opts: ScanOptions = {}): ScanResult {
  const axis = opts.axis ?? 0;
  const T = timeLength('scanSequential', xs, axis);
  let carry = init;
  const ys: Tensor[][] = new Array<Tensor[]>(T);
  const steps = xs.map((x) => unstack(x, axis));
  for (let q = 0; q < T; q++) {
    const t = opts.reverse ? T - 1 - q : q;
    const r = step(carry, steps.map((s) => s[t]!));
    carry = r.carry;
    ys[t] = r.y;
  }
  const width = ys[0]!.length;
  return { carry, ys: Array.from({ length: width }, (_, k) => stack(ys.map((y) => y[k]!), axis)) };
}

/**
 * x cut along its time axis (default 0) into pieces of `sizes` steps (the axis squeezed away when
 * `squeezeSteps` and every size is 1), recorded as one node whose backward concatenates the
 * cotangents: slicing piece by piece would give each piece a full-size zero-padded gradient
 * (O(T²) work in backward).
 */
export function splitTime(x: Tensor, sizes: readonly number[], squeezeSteps = false, axis = 0): Tensor[] {
  const run = customGrad('splitTime', (xx: Tensor) => {
    let start = 0;
    const parts = sizes.map((n) => {
      const p = narrow(xx, axis, start, n);
      start += n;
      return squeezeSteps ? squeeze(p, axis) : p;
    });
    return { value: parts, gradFunc: (dys) => [squeezeSteps ? stack(dys, axis) : concat(dys, axis)] };
  });
  const out = run(x);
  return Array.isArray(out) ? out : [out];
}

function unstack(x: Tensor, axis: number): Tensor[] {
  return splitTime(x, new Array<number>(x.shape[axis]!).fill(1), true, axis);
}
