import type { Tensor } from '../tensor/tensor.js';
import { isTensor } from '../tensor/tensor.js';
import type { BinaryOp, UnaryOp } from '../backend/types.js';
import { ArgumentError, DTypeError } from '../errors.js';
import { record } from '../tensor/tape.js';
import { full } from './creation.js';
import { broadcastShapes, broadcastStrides, checkFloat, checkSame, checkTensor, describe, empty } from './util.js';

/** A tensor or a plain number (promoted to a scalar of the other operand's dtype). */
export type TensorLike = Tensor | number;

function unary(op: UnaryOp, x: Tensor, alpha = 0, floatOnly = true): Tensor {
  checkTensor(op, 'x', x);
  if (floatOnly) checkFloat(op, 'x', x);
  const y = empty(x.shape, x.dtype, x.backend);
  x.backend.unary(op, x.buffer, y.buffer, alpha);
  return record(op, [x], y, { alpha });
}

/** -x */
export const neg = (x: Tensor): Tensor => unary('neg', x, 0, false);
/** |x| */
export const abs = (x: Tensor): Tensor => unary('abs', x, 0, false);
/** Sign of x: -1, 0 or 1 (zero gradient). */
export const sign = (x: Tensor): Tensor => unary('sign', x, 0, false);
/** e^x */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** Natural logarithm. */
export const log = (x: Tensor): Tensor => unary('log', x);
/** log(1 + x), accurate for small x. */
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
/** Square root. */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** 1 / sqrt(x). */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
/** x^2 */
export const square = (x: Tensor): Tensor => unary('square', x);
/** 1 / x */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
/** Logistic sigmoid 1 / (1 + e^-x). */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** log(sigmoid(x)), stable for large |x|. */
export const logSigmoid = (x: Tensor): Tensor => unary('logSigmoid', x);
/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** max(x, 0) */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** x for x > 0, slope * x otherwise (default slope 0.01, as PyTorch). */
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => unary('leakyRelu', x, slope);
/** x for x > 0, alpha * (e^x - 1) otherwise. */
export const elu = (x: Tensor, alpha = 1): Tensor => unary('elu', x, alpha);
/** Scaled ELU with the self-normalising constants of Klambauer et al. */
export const selu = (x: Tensor): Tensor => unary('selu', x);
/** log(1 + e^x), stable for all x. */
export const softplus = (x: Tensor): Tensor => unary('softplus', x);
/** x * sigmoid(x) (a.k.a. swish). */
export const silu = (x: Tensor): Tensor => unary('silu', x);
/** Exact GELU x * Phi(x) (PyTorch's default). */
export const gelu = (x: Tensor): Tensor => unary('gelu', x);
/** Gauss error function. */
export const erf = (x: Tensor): Tensor => unary('erf', x);
/** Cosine (radians). */
export const cos = (x: Tensor): Tensor => unary('cos', x);
/** Sine (radians). */
export const sin = (x: Tensor): Tensor => unary('sin', x);

/** @internal Derivative of gelu (used by its gradient rule). */
export const geluGrad = (x: Tensor): Tensor => unary('geluGrad', x);
/** @internal 1 where x > 0 else 0 (zero gradient). */
export const step = (x: Tensor): Tensor => unary('step', x, 0, false);

function toTensorPair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor, Tensor[]] {
  const made: Tensor[] = [];
  const ref = isTensor(a) ? a : isTensor(b) ? b : null;
  if (!ref) throw new ArgumentError(op, `at least one operand must be a Tensor, got ${describe(a)} and ${describe(b)}`);
  const lift = (v: TensorLike, name: string): Tensor => {
    if (isTensor(v)) {
      checkTensor(op, name, v);
      return v;
    }
    if (typeof v !== 'number') throw new ArgumentError(op, `argument '${name}' must be a Tensor or a number, got ${describe(v)}`);
    if (ref.dtype === 'int32' && !Number.isInteger(v)) throw new DTypeError(op, `cannot combine int32 tensor with non-integer ${v}`);
    const t = full([], v, { dtype: ref.dtype });
    made.push(t);
    return t;
  };
  const ta = lift(a, 'a');
  const tb = lift(b, 'b');
  checkSame(op, [ta, tb]);
  return [ta, tb, made];
}

/** `name` is the public function name used in errors when it differs from the kernel's. */
function binary(op: BinaryOp, a: TensorLike, b: TensorLike, name: string = op): Tensor {
  const [ta, tb, made] = toTensorPair(name, a, b);
  const shape = broadcastShapes(name, ta.shape, tb.shape);
  const y = empty(shape, ta.dtype, ta.backend);
  ta.backend.binary(op,
    { buf: ta.buffer, offset: 0, strides: broadcastStrides(ta.shape, shape) },
    { buf: tb.buffer, offset: 0, strides: broadcastStrides(tb.shape, shape) },
    y.buffer, shape);
  // Scalars lifted from numbers are owned by the node (freed at once if nothing records).
  return record(op, [ta, tb], y, {}, made);
}

/** a + b with broadcasting. */
export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
/** a - b with broadcasting. */
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
/** a * b with broadcasting. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/** a / b with broadcasting (true division; int32 results truncate). */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
/** a ^ b with broadcasting. */
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
/** Elementwise maximum (NaN propagates; ties send the gradient half to each side). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
/** Elementwise minimum (NaN propagates; ties send the gradient half to each side). */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b);
/** 1 where a > b else 0, in the operands' dtype. */
export const greater = (a: TensorLike, b: TensorLike): Tensor => binary('gt', a, b, 'greater');
/** 1 where a >= b else 0. */
export const greaterEqual = (a: TensorLike, b: TensorLike): Tensor => binary('ge', a, b, 'greaterEqual');
/** 1 where a < b else 0. */
export const less = (a: TensorLike, b: TensorLike): Tensor => binary('lt', a, b, 'less');
/** 1 where a <= b else 0. */
export const lessEqual = (a: TensorLike, b: TensorLike): Tensor => binary('le', a, b, 'lessEqual');
/** 1 where a == b else 0. */
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary('eq', a, b, 'equal');

/**
 * Picks `a` where `cond` is non-zero and `b` elsewhere, broadcasting all three. `cond` may be
 * int32 or float; gradients flow to `a` and `b` only.
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor('where', 'cond', cond);
  const [ta, tb, made] = toTensorPair('where', a, b);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  if (cond.backend !== ta.backend) throw new ArgumentError('where', 'cond lives on a different backend');
  const y = empty(shape, ta.dtype, ta.backend);
  ta.backend.where(
    { buf: cond.buffer, offset: 0, strides: broadcastStrides(cond.shape, shape) },
    { buf: ta.buffer, offset: 0, strides: broadcastStrides(ta.shape, shape) },
    { buf: tb.buffer, offset: 0, strides: broadcastStrides(tb.shape, shape) },
    y.buffer, shape);
  return record('where', [cond, ta, tb], y, {}, made);
}

/** Limits values to [min, max]; either bound may be omitted. Gradient is 1 inside, 0 outside. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  checkTensor('clamp', 'x', x);
  if (min === undefined && max === undefined) throw new ArgumentError('clamp', 'give at least one of min and max');
  if (min !== undefined && max !== undefined && min > max) throw new ArgumentError('clamp', `min (${min}) > max (${max})`);
  if (x.dtype === 'int32' && [min, max].some((b) => b !== undefined && Number.isFinite(b) && !Number.isInteger(b))) {
    throw new DTypeError('clamp', `bounds of an int32 tensor must be integers, got min ${min}, max ${max}`);
  }
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  const y = empty(x.shape, x.dtype, x.backend);
  const scalarLo = full([], lo, { dtype: x.dtype === 'int32' ? 'float64' : x.dtype });
  const scalarHi = full([], hi, { dtype: scalarLo.dtype });
  // Clamp through the binary kernels, then record one 'clamp' node with a clean rule.
  const st = { buf: x.buffer, offset: 0, strides: broadcastStrides(x.shape, x.shape) };
  if (x.dtype === 'int32') {
    const d = x.data();
    for (let i = 0; i < d.length; i++) d[i] = Math.min(Math.max(d[i]!, lo), hi);
    x.backend.write(y.buffer, d);
  } else {
    const tmp = empty(x.shape, x.dtype, x.backend);
    x.backend.binary('maximum', st, { buf: scalarLo.buffer, offset: 0, strides: x.shape.map(() => 0) }, tmp.buffer, x.shape);
    x.backend.binary('minimum', { buf: tmp.buffer, offset: 0, strides: st.strides }, { buf: scalarHi.buffer, offset: 0, strides: x.shape.map(() => 0) }, y.buffer, x.shape);
    tmp.dispose();
  }
  scalarLo.dispose();
  scalarHi.dispose();
  return record('clamp', [x], y, { lo, hi });
}
