import type { BinaryOp, Strided, UnaryOp } from '../types.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { SELU_ALPHA, SELU_SCALE } from '../types.js';
import { erf, gelu, geluGrad, sigmoid, softplus } from './math.js';
import { arr } from './buffer.js';
import { stridedLoop } from './strided.js';

/** The scalar function of each unary op; the definition every backend must match. */
export function unaryFn(op: UnaryOp, alpha: number): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'abs': return Math.abs;
    case 'sign': return (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'log1p': return Math.log1p;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'square': return (x) => x * x;
    case 'reciprocal': return (x) => 1 / x;
    case 'sigmoid': return sigmoid;
    case 'logSigmoid': return (x) => -softplus(-x);
    case 'tanh': return Math.tanh;
    case 'relu': return (x) => (x > 0 || x !== x ? x : 0); // NaN stays NaN, as in PyTorch
    case 'leakyRelu': return (x) => (x > 0 ? x : alpha * x);
    case 'elu': return (x) => (x > 0 ? x : alpha * Math.expm1(x));
    case 'selu': return (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
    case 'softplus': return softplus;
    case 'silu': return (x) => x * sigmoid(x);
    case 'gelu': return gelu;
    case 'geluGrad': return geluGrad;
    case 'erf': return erf;
    case 'step': return (x) => (x > 0 ? 1 : 0);
    case 'cos': return Math.cos;
    case 'sin': return Math.sin;
  }
}

/** The scalar function of each binary op. */
export function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'pow': return Math.pow;
    // NaN propagates, as in PyTorch's maximum/minimum.
    case 'maximum': return (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b);
    case 'minimum': return (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b);
    case 'gt': return (a, b) => (a > b ? 1 : 0);
    case 'ge': return (a, b) => (a >= b ? 1 : 0);
    case 'lt': return (a, b) => (a < b ? 1 : 0);
    case 'le': return (a, b) => (a <= b ? 1 : 0);
    case 'eq': return (a, b) => (a === b ? 1 : 0);
  }
}

/** Integer division truncates toward zero for int32 outputs (as `Int32Array` storage would). */
export function unaryKernel(op: UnaryOp, x: TypedArray, out: TypedArray, alpha: number): void {
  const f = unaryFn(op, alpha);
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]!);
}

export function binaryKernel(op: BinaryOp, a: Strided, b: Strided, out: TypedArray, shape: readonly number[]): void {
  const f = binaryFn(op);
  const x = arr(a.buf);
  const y = arr(b.buf);
  stridedLoop(shape, [a, b], (i, oa, ob) => {
    out[i] = f(x[oa]!, y[ob]!);
  });
}

export function whereKernel(c: Strided, a: Strided, b: Strided, out: TypedArray, shape: readonly number[]): void {
  const cv = arr(c.buf);
  const av = arr(a.buf);
  const bv = arr(b.buf);
  stridedLoop(shape, [c, a, b], (i, oc, oa, ob) => {
    out[i] = cv[oc] !== 0 ? av[oa]! : bv[ob]!;
  });
}
