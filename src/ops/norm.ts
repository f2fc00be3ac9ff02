import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { record } from '../tensor/tape.js';
import { checkFloat, checkSame, checkTensor, empty, normAxis } from './util.js';
import { div, maximum } from './elementwise.js';
import { sqrt } from './elementwise.js';
import { sum } from './reduce.js';
import { square } from './elementwise.js';

function checkNorm(op: string, x: Tensor, weight: Tensor | null | undefined, bias: Tensor | null | undefined, eps: number): number {
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  if (x.rank === 0) throw new ShapeError(op, 'x must have at least one axis');
  const n = x.shape[x.rank - 1]!;
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (!p) continue;
    checkTensor(op, name, p);
    if (p.rank !== 1 || p.shape[0] !== n) throw new ShapeError(op, `${name} ${fmtShape(p.shape)} must be [${n}] to match x ${fmtShape(x.shape)}`);
  }
  checkSame(op, [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])]);
  if (!(eps >= 0)) throw new ArgumentError(op, `eps must be >= 0, got ${eps}`);
  return n;
}

/** Layer normalisation over the last axis with optional affine weight and bias (biased variance). */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const n = checkNorm('layerNorm', x, weight, bias, eps);
  const rows = x.size / Math.max(n, 1);
  const y = empty(x.shape, x.dtype, x.backend);
  const meanT = empty([rows], x.dtype, x.backend);
  const rstdT = empty([rows], x.dtype, x.backend);
  x.backend.layerNorm({ x: x.buffer, rows, n, eps, weight: weight?.buffer ?? null, bias: bias?.buffer ?? null }, y.buffer, meanT.buffer, rstdT.buffer);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record('layerNorm', inputs, y, { eps, rows, n, hasWeight: !!weight, hasBias: !!bias, mean: meanT, rstd: rstdT }, [meanT, rstdT]);
}

/** RMS normalisation over the last axis: x / sqrt(mean(x^2) + eps) * weight. */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor {
  const n = checkNorm('rmsNorm', x, weight, null, eps);
  const rows = x.size / Math.max(n, 1);
  const y = empty(x.shape, x.dtype, x.backend);
  const rstdT = empty([rows], x.dtype, x.backend);
  x.backend.rmsNorm({ x: x.buffer, rows, n, eps, weight: weight?.buffer ?? null, bias: null }, y.buffer, rstdT.buffer);
  return record('rmsNorm', weight ? [x, weight] : [x], y, { eps, rows, n, hasWeight: !!weight, rstd: rstdT }, [rstdT]);
}

/** Scales to unit L2 norm along an axis: x / max(||x||, eps) (PyTorch's F.normalize). */
export function l2Normalize(x: Tensor, axis = -1, eps = 1e-12): Tensor {
  checkTensor('l2Normalize', 'x', x);
  checkFloat('l2Normalize', 'x', x);
  const a = normAxis('l2Normalize', axis, x.rank);
  const sq = square(x);
  const s = sum(sq, a, { keepDims: true });
  const norm = sqrt(s);
  const clamped = maximum(norm, eps);
  const y = div(x, clamped);
  for (const t of [sq, s, norm, clamped]) t.dispose();
  return y;
}
