import type { Tensor } from '../tensor/tensor.js';
import { isTensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { isFloat } from '../tensor/dtype.js';
import { ArgumentError } from '../errors.js';
import { tidy } from '../tensor/scope.js';
import { noGrad } from '../tensor/tape.js';
import { valueAndGrad } from './grad.js';
import { cast } from '../ops/movement.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { tensor } from '../ops/creation.js';

/** Options of `gradcheck`. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Seed of the random output projection (default 0). */
  seed?: number;
}

/** Outcome of a gradient check. */
export interface GradcheckReport {
  /** True when every element is within tolerance. */
  ok: boolean;
  /** Largest |analytic - numeric| over all checked elements. */
  maxAbsError: number;
  /** Where the worst mismatch is, e.g. "input 1, element 7: analytic 0.3 vs numeric 0.31". */
  worst: string;
  /** Elements compared. */
  checked: number;
}

/**
 * Compares the tape's gradients of `f` with central finite differences in float64. Float inputs are
 * promoted to float64 copies (int32 inputs pass through unchanged, undifferentiated); a tensor
 * output is reduced with a fixed random projection so every output element is exercised.
 */
export function gradcheck(f: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckReport {
  if (!Array.isArray(inputs) || !inputs.every(isTensor)) throw new ArgumentError('gradcheck', 'inputs must be an array of tensors');
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  return tidy(() => {
    const xs = inputs.map((t) => (isFloat(t.dtype) ? cast(t, 'float64') : t));
    const diffIdx = xs.map((t, i) => (isFloat(t.dtype) ? i : -1)).filter((i) => i >= 0);
    if (diffIdx.length === 0) throw new ArgumentError('gradcheck', 'no float inputs to check');
    const probe = noGrad(() => f(...xs));
    const rng = new Rng(opts.seed ?? 0);
    const w = new Float64Array(probe.size);
    for (let i = 0; i < w.length; i++) w[i] = rng.uniform() * 2 - 1;
    const proj = tensor(w, probe.shape, { dtype: 'float64' });
    const objective = (all: Tensor[]): Tensor => sum(mul(cast(f(...all), 'float64'), proj));
    const withDiff = (vals: Tensor[]): Tensor[] => xs.map((t, i) => {
      const k = diffIdx.indexOf(i);
      return k >= 0 ? vals[k]! : t;
    });
    const { grads } = valueAndGrad((ps: Tensor[]) => objective(withDiff(ps)))(diffIdx.map((i) => xs[i]!));
    let maxAbs = 0;
    let worst = 'none';
    let ok = true;
    let checked = 0;
    diffIdx.forEach((inputIdx, k) => {
      const base = xs[inputIdx]!;
      const analytic = grads[k]!.data();
      const data = base.data();
      for (let e = 0; e < data.length; e++) {
        const orig = data[e]!;
        const evalAt = (v: number): number => tidy(() => {
          data[e] = v;
          const moved = tensor(data, base.shape, { dtype: 'float64' });
          const vals = diffIdx.map((j) => (j === inputIdx ? moved : xs[j]!));
          return noGrad(() => objective(withDiff(vals)).item());
        });
        const numeric = (evalAt(orig + eps) - evalAt(orig - eps)) / (2 * eps);
        data[e] = orig;
        const a = analytic[e]!;
        const err = Math.abs(a - numeric);
        checked++;
        if (!(err <= atol + rtol * Math.abs(numeric))) ok = false;
        if (err > maxAbs || Number.isNaN(err)) {
          maxAbs = Number.isNaN(err) ? Infinity : err;
          worst = `input ${inputIdx}, element ${e}: analytic ${a} vs numeric ${numeric}`;
        }
      }
    });
    return { ok, maxAbsError: maxAbs, worst, checked };
  });
}
