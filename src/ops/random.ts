import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import { globalGenerator } from '../tensor/rng.js';
import { SELU_ALPHA, SELU_SCALE } from '../backend/types.js';
import { ArgumentError } from '../errors.js';
import { checkFloat, checkTensor } from './util.js';
import { add, mul } from './elementwise.js';
import { tensor } from './creation.js';
import { clone } from './movement.js';

/** Options of dropout. */
export interface DropoutOptions {
  /** Apply dropout (default true); false returns a copy, as in eval mode. */
  training?: boolean;
  /** Generator for the mask (default: the global one, see `seed`). */
  rng?: Rng;
}

function bernoulliMask(x: Tensor, keep: number, onValue: number, offValue: number, rng: Rng): Tensor {
  const data = x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform() < keep ? onValue : offValue;
  return tensor(data, x.shape, { dtype: x.dtype });
}

/** Zeros each element with probability p and scales the rest by 1/(1-p) (inverted dropout). */
export function dropout(x: Tensor, p: number, opts: DropoutOptions = {}): Tensor {
  checkTensor('dropout', 'x', x);
  checkFloat('dropout', 'x', x);
  if (!(p >= 0 && p <= 1)) throw new ArgumentError('dropout', `p must be in [0, 1], got ${p}`);
  if (opts.training === false || p === 0) return clone(x);
  const mask = bernoulliMask(x, 1 - p, p === 1 ? 0 : 1 / (1 - p), 0, opts.rng ?? globalGenerator());
  const y = mul(x, mask);
  mask.dispose();
  return y;
}

/**
 * SELU's alpha dropout: dropped units take the negative saturation value and an affine correction
 * keeps zero mean and unit variance (Klambauer et al. 2017), as PyTorch's F.alpha_dropout.
 */
export function alphaDropout(x: Tensor, p: number, opts: DropoutOptions = {}): Tensor {
  checkTensor('alphaDropout', 'x', x);
  checkFloat('alphaDropout', 'x', x);
  if (!(p >= 0 && p <= 1)) throw new ArgumentError('alphaDropout', `p must be in [0, 1], got ${p}`);
  if (opts.training === false || p === 0) return clone(x);
  const alphaP = -SELU_ALPHA * SELU_SCALE;
  const q = 1 - p;
  const a = p === 1 ? 0 : 1 / Math.sqrt(q * (1 + p * alphaP * alphaP));
  const rng = opts.rng ?? globalGenerator();
  // y = a * (x * keep + alphaP * (1 - keep)) + b, with b = -a * alphaP * p.
  const keepMask = bernoulliMask(x, q, a, 0, rng);
  const data = keepMask.data();
  const shift = new (x.dtype === 'float64' ? Float64Array : Float32Array)(x.size);
  const b = -a * alphaP * p;
  for (let i = 0; i < shift.length; i++) shift[i] = (data[i] === 0 ? a * alphaP : 0) + b;
  const shiftT = tensor(shift, x.shape, { dtype: x.dtype });
  const xm = mul(x, keepMask);
  const y = add(xm, shiftT);
  for (const t of [keepMask, shiftT, xm]) t.dispose();
  return y;
}
