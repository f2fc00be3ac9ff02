import type { Tensor } from '../tensor/tensor.js';
import type { ReduceOp } from '../backend/types.js';
import { ShapeError, fmtShape } from '../errors.js';
import { record } from '../tensor/tape.js';
import { checkFloat, checkTensor, empty, normAxes, normAxis, prod } from './util.js';
import { reshape } from './movement.js';
import { add, exp, log, mul, square, sub } from './elementwise.js';

/** Options of reductions. */
export interface ReduceOptions {
  /** Keep reduced axes with size 1 (default false). */
  keepDims?: boolean;
}

/** Output shape of reducing `axes` of `shape`. */
function reducedShape(shape: readonly number[], axes: number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** Reduces one axis at a time (largest first so earlier indices stay valid) with the backend kernel. */
function reduceRaw(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  let cur = x;
  let shape = [...x.shape];
  for (const a of [...axes].sort((p, q) => q - p)) {
    if (op !== 'sum' && shape[a] === 0) throw new ShapeError(op, `cannot take ${op} over empty axis ${a} of ${fmtShape(x.shape)}`);
    const outShape = shape.map((d, i) => (i === a ? 1 : d));
    const out = empty(outShape, cur.dtype, cur.backend);
    cur.backend.reduce(op, cur.buffer, prod(shape, 0, a), shape[a]!, prod(shape, a + 1), out.buffer);
    if (cur !== x) cur.dispose();
    cur = out;
    shape = outShape;
  }
  return cur === x ? reshape(x, x.shape) : cur;
}

function reduction(op: ReduceOp, x: Tensor, axis: number | readonly number[] | undefined, opts: ReduceOptions): Tensor {
  checkTensor(op, 'x', x);
  const axes = normAxes(op, axis, x.rank);
  const keepDims = opts.keepDims ?? false;
  const kept = reduceRaw(op, x, axes);
  const outShape = reducedShape(x.shape, axes, keepDims);
  const y = empty(outShape, x.dtype, x.backend);
  x.backend.copyStrided({ buf: kept.buffer, offset: 0, strides: [1] }, y.buffer, [y.size]);
  kept.dispose();
  return record(op, [x], y, { axes });
}

/** Sum over the given axes (default all). */
export function sum(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  return reduction('sum', x, axis, opts);
}

/** Maximum over axes; the gradient is split evenly among tied maxima. */
export function max(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  return reduction('max', x, axis, opts);
}

/** Minimum over axes; the gradient is split evenly among tied minima. */
export function min(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  return reduction('min', x, axis, opts);
}

/** Mean over axes (default all). */
export function mean(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  checkTensor('mean', 'x', x);
  checkFloat('mean', 'x', x);
  const axes = normAxes('mean', axis, x.rank);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const s = sum(x, axes, opts);
  const y = mul(s, 1 / n);
  s.dispose();
  return y;
}

/** Variance over axes: biased by default (as layer norms use), unbiased with `correction: 1`. */
export function variance(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions & { correction?: number } = {}): Tensor {
  checkTensor('variance', 'x', x);
  checkFloat('variance', 'x', x);
  const axes = normAxes('variance', axis, x.rank);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const m = mean(x, axes, { keepDims: true });
  const d = sub(x, m);
  const sq = square(d);
  const s = sum(sq, axes, opts);
  const y = mul(s, 1 / Math.max(n - (opts.correction ?? 0), 0));
  for (const t of [m, d, sq, s]) t.dispose();
  return y;
}

/** log(sum(exp(x))) over axes, computed with the maximum subtracted (no overflow). */
export function logsumexp(x: Tensor, axis?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  checkTensor('logsumexp', 'x', x);
  checkFloat('logsumexp', 'x', x);
  const axes = normAxes('logsumexp', axis, x.rank);
  // The shift is a constant for differentiation: d/dx is softmax either way.
  const m = reduceRaw('max', x, axes);
  const md = m.backend.view(m.buffer);
  for (let i = 0; i < md.length; i++) if (!Number.isFinite(md[i]!)) md[i] = 0;
  const z = sub(x, m);
  const e = exp(z);
  const s = sum(e, axes, { keepDims: true });
  const l = log(s);
  const r = add(l, m);
  const out = opts.keepDims ? r : reshape(r, reducedShape(x.shape, axes, false));
  for (const t of [m, z, e, s, l]) t.dispose();
  if (out !== r) r.dispose();
  return out;
}

/** Index of the maximum along an axis (int32; not differentiable). */
export function argmax(x: Tensor, axis = -1, opts: ReduceOptions = {}): Tensor {
  checkTensor('argmax', 'x', x);
  const a = normAxis('argmax', axis, x.rank);
  if (x.shape[a] === 0) throw new ShapeError('argmax', `axis ${a} of ${fmtShape(x.shape)} is empty`);
  const y = empty(reducedShape(x.shape, [a], opts.keepDims ?? false), 'int32', x.backend);
  x.backend.argmax(x.buffer, prod(x.shape, 0, a), x.shape[a]!, prod(x.shape, a + 1), y.buffer);
  return y;
}

/** Inclusive cumulative sum along an axis (`reverse` sums from the end). */
export function cumsum(x: Tensor, axis = -1, opts: { reverse?: boolean } = {}): Tensor {
  checkTensor('cumsum', 'x', x);
  const a = normAxis('cumsum', axis, x.rank);
  const y = empty(x.shape, x.dtype, x.backend);
  x.backend.cumsum(x.buffer, prod(x.shape, 0, a), x.shape[a]!, prod(x.shape, a + 1), opts.reverse ?? false, y.buffer);
  return record('cumsum', [x], y, { axis: a, reverse: opts.reverse ?? false });
}

function softmaxLike(op: 'softmax' | 'logSoftmax', x: Tensor, axis: number): Tensor {
  checkTensor(op, 'x', x);
  checkFloat(op, 'x', x);
  const a = normAxis(op, axis, x.rank);
  const y = empty(x.shape, x.dtype, x.backend);
  x.backend.softmax(x.buffer, prod(x.shape, 0, a), x.shape[a]!, prod(x.shape, a + 1), op === 'logSoftmax', y.buffer);
  return record(op, [x], y, { axis: a });
}

/** Softmax along an axis (default last), max-subtracted. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxLike('softmax', x, axis);
}

/** Log-softmax along an axis (default last), max-subtracted. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return softmaxLike('logSoftmax', x, axis);
}

/**
 * @internal Sums a broadcast gradient back to `shape` (the adjoint of broadcasting). Not recorded.
 */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const lead = x.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  }
  const r = reduceRaw('sum', x, axes);
  const y = empty(shape, x.dtype, x.backend);
  x.backend.copyStrided({ buf: r.buffer, offset: 0, strides: [1] }, y.buffer, [y.size]);
  r.dispose();
  return y;
}
