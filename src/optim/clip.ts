import type { Tensor } from '../tensor/tensor.js';
import type { ParamSet } from './util.js';
import { checkNumber, floatView, namedTensors } from './util.js';

/**
 * Distinct tensors of a gradient set. Autodiff may hand the same tensor to several parameters
 * (e.g. both inputs of an add); scaling it once per entry would scale it twice.
 */
function distinct(ts: readonly Tensor[]): Tensor[] {
  return [...new Set(ts)];
}

/**
 * Rescales `grads` in place when their global norm exceeds `maxNorm`, by `maxNorm / (norm + 1e-6)`
 * (torch.nn.utils.clip_grad_norm_). The norm is over all entries together (`normType` 2 by
 * default, any p > 0, or Infinity for the max-abs norm), accumulated in float64. Returns the norm
 * before clipping; like PyTorch, a non-finite norm is not an error (check the return value).
 */
export function clipGradNorm(grads: ParamSet, maxNorm: number, normType = 2): number {
  const op = 'clipGradNorm';
  checkNumber(op, "'maxNorm'", maxNorm, { min: 0, allowInfinity: true });
  checkNumber(op, "'normType'", normType, { min: 0, minOpen: true, allowInfinity: true });
  const ts = namedTensors(op, 'grads', grads).items.map((n) => n.tensor);
  // Each entry counts, even when two entries share a tensor: they are two parameters' gradients.
  let total = 0;
  for (const t of ts) {
    const v = floatView(t);
    if (normType === Infinity) {
      for (let i = 0; i < v.length; i++) {
        const a = Math.abs(v[i]!);
        if (a > total || Number.isNaN(a)) total = a;
      }
    } else if (normType === 2) {
      for (let i = 0; i < v.length; i++) total += v[i]! * v[i]!;
    } else {
      for (let i = 0; i < v.length; i++) total += Math.abs(v[i]!) ** normType;
    }
  }
  if (normType === 2) total = Math.sqrt(total);
  else if (normType !== Infinity) total = total ** (1 / normType);
  const coef = maxNorm / (total + 1e-6);
  // PyTorch clamps the coefficient at 1 and multiplies; skipping the multiply by 1 is identical.
  if (!(coef >= 1)) {
    for (const t of distinct(ts)) {
      const v = floatView(t);
      for (let i = 0; i < v.length; i++) v[i] = v[i]! * coef;
    }
  }
  return total;
}

/** Clamps every gradient element to [-clipValue, clipValue] in place (clip_grad_value_); NaN stays NaN. */
export function clipGradValue(grads: ParamSet, clipValue: number): void {
  const op = 'clipGradValue';
  checkNumber(op, "'clipValue'", clipValue, { min: 0, allowInfinity: true });
  const ts = namedTensors(op, 'grads', grads).items.map((n) => n.tensor);
  for (const t of distinct(ts)) {
    const v = floatView(t);
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x > clipValue) v[i] = clipValue;
      else if (x < -clipValue) v[i] = -clipValue;
    }
  }
}
