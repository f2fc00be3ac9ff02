/**
 * The gradient rules, one row per op, keyed by the op name that `record` uses. A rule gets the
 * op's inputs, output, attributes and the output cotangent `dy`, and returns one cotangent per
 * input (null where none). Rules run with recording off, so they may use any op.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Attrs } from '../tensor/tape.js';
import { SELU_ALPHA, SELU_SCALE } from '../backend/types.js';
import { zeros } from '../ops/creation.js';
import { broadcastTo, cast, permute, reshape, narrow, transpose } from '../ops/movement.js';
import {
  add, cos, div, equal, exp, geluGrad, pow, greater, greaterEqual, less, lessEqual, log, maximum, mul, neg, sigmoid, sign, sin, square, sub, where,
} from '../ops/elementwise.js';
import { sum, sumTo, cumsum } from '../ops/reduce.js';
import { matmul, rawMatmul } from '../ops/linalg.js';
import { empty, prod, stridesOf } from '../ops/util.js';

/** What a gradient rule receives. */
export interface GradContext {
  inputs: Tensor[];
  output: Tensor;
  attrs: Attrs;
  /** Cotangent of the output. */
  dy: Tensor;
}

/** A gradient rule: one cotangent per input (null where the input gets none). */
export type GradRule = (ctx: GradContext) => (Tensor | null)[];

const unbroadcast = (dy: Tensor, like: Tensor): Tensor => sumTo(dy, like.shape);
const keepShape = (shape: readonly number[], axes: number[]): number[] => shape.map((d, i) => (axes.includes(i) ? 1 : d));
const INV_SQRT_PI2 = 1.1283791670955126;
const INV_SQRT_2PI = 0.3989422804014327;

/** Gradient of a max/min reduction: dy spread evenly over the tied extremal elements. */
const extremumRule: GradRule = ({ inputs: [x], output, attrs, dy }) => {
  const shape = keepShape(x!.shape, attrs.axes);
  const yb = reshape(output, shape);
  const mask = equal(x!, yb);
  const count = sum(mask, attrs.axes, { keepDims: true });
  return [div(mul(mask, reshape(dy, shape)), count)];
};

export const gradRules: Record<string, GradRule> = {
  // movement
  reshape: ({ inputs: [x], dy }) => [reshape(dy, x!.shape)],
  permute: ({ attrs, dy }) => {
    const inv = new Array<number>(attrs.perm.length);
    (attrs.perm as number[]).forEach((p, i) => (inv[p] = i));
    return [permute(dy, inv)];
  },
  slice: ({ inputs: [x], attrs, dy }) => {
    const out = zeros(x!.shape, { dtype: dy.dtype });
    const st = stridesOf(x!.shape);
    const offset = (attrs.begin as number[]).reduce((acc, b, i) => acc + b * st[i]!, 0);
    out.backend.scatterStrided(dy.buffer, { buf: out.buffer, offset, strides: st }, dy.shape);
    return [out];
  },
  concat: ({ attrs, dy }) => {
    let start = 0;
    return (attrs.sizes as number[]).map((n) => {
      const g = narrow(dy, attrs.axis, start, n);
      start += n;
      return g;
    });
  },
  broadcastTo: ({ inputs: [x], dy }) => [unbroadcast(dy, x!)],
  indexSelect: ({ inputs: [x, index], attrs, dy }) => {
    const a = attrs.axis as number;
    const out = zeros(x!.shape, { dtype: dy.dtype });
    out.backend.indexAdd(dy.buffer, prod(x!.shape, 0, a), x!.shape[a]!, prod(x!.shape, a + 1), index!.buffer, out.buffer);
    return [out, null];
  },
  gather: ({ inputs: [x, index], attrs, dy }) => {
    const a = attrs.axis as number;
    const out = zeros(x!.shape, { dtype: dy.dtype });
    out.backend.scatterAdd(dy.buffer, prod(x!.shape, 0, a), x!.shape[a]!, prod(x!.shape, a + 1), index!.buffer, index!.shape[a]!, out.buffer);
    return [out, null];
  },
  cast: ({ inputs: [x], dy }) => [x!.dtype === 'int32' ? null : cast(dy, x!.dtype)],

  // unary
  neg: ({ dy }) => [neg(dy)],
  abs: ({ inputs: [x], dy }) => [mul(dy, sign(x!))],
  sign: ({ dy }) => [zeros(dy.shape, { dtype: dy.dtype })],
  step: ({ dy }) => [zeros(dy.shape, { dtype: dy.dtype })],
  exp: ({ output, dy }) => [mul(dy, output)],
  log: ({ inputs: [x], dy }) => [div(dy, x!)],
  log1p: ({ inputs: [x], dy }) => [div(dy, add(x!, 1))],
  sqrt: ({ output, dy }) => [div(dy, mul(output, 2))],
  rsqrt: ({ output, dy }) => [mul(dy, mul(mul(output, square(output)), -0.5))],
  square: ({ inputs: [x], dy }) => [mul(dy, mul(x!, 2))],
  reciprocal: ({ output, dy }) => [neg(mul(dy, square(output)))],
  sigmoid: ({ output, dy }) => [mul(dy, mul(output, sub(1, output)))],
  logSigmoid: ({ inputs: [x], dy }) => [mul(dy, sigmoid(neg(x!)))],
  tanh: ({ output, dy }) => [mul(dy, sub(1, square(output)))],
  relu: ({ inputs: [x], dy }) => [mul(dy, greater(x!, 0))],
  leakyRelu: ({ inputs: [x], attrs, dy }) => [where(greater(x!, 0), dy, mul(dy, attrs.alpha))],
  elu: ({ inputs: [x], output, attrs, dy }) => [mul(dy, where(greater(x!, 0), 1, add(output, attrs.alpha)))],
  selu: ({ inputs: [x], output, dy }) => [mul(dy, where(greater(x!, 0), SELU_SCALE, add(output, SELU_SCALE * SELU_ALPHA)))],
  softplus: ({ inputs: [x], dy }) => [mul(dy, sigmoid(x!))],
  silu: ({ inputs: [x], dy }) => {
    const s = sigmoid(x!);
    return [mul(dy, mul(s, add(1, mul(x!, sub(1, s)))))];
  },
  gelu: ({ inputs: [x], dy }) => [mul(dy, geluGrad(x!))],
  // d/dx [Phi(x) + x phi(x)] = phi(x) (2 - x^2)
  geluGrad: ({ inputs: [x], dy }) => [mul(dy, mul(mul(exp(mul(square(x!), -0.5)), INV_SQRT_2PI), sub(2, square(x!))))],
  erf: ({ inputs: [x], dy }) => [mul(dy, mul(exp(neg(square(x!))), INV_SQRT_PI2))],
  cos: ({ inputs: [x], dy }) => [mul(dy, neg(sin(x!)))],
  sin: ({ inputs: [x], dy }) => [mul(dy, cos(x!))],

  // binary (cotangents are summed back over broadcast axes)
  add: ({ inputs: [a, b], dy }) => [unbroadcast(dy, a!), unbroadcast(dy, b!)],
  sub: ({ inputs: [a, b], dy }) => [unbroadcast(dy, a!), unbroadcast(neg(dy), b!)],
  mul: ({ inputs: [a, b], dy }) => [unbroadcast(mul(dy, b!), a!), unbroadcast(mul(dy, a!), b!)],
  div: ({ inputs: [a, b], dy }) => [unbroadcast(div(dy, b!), a!), unbroadcast(neg(div(mul(dy, a!), square(b!))), b!)],
  pow: ({ inputs: [a, b], output, dy }) => {
    // b * a^(b-1) is 0 * inf at a == 0, b == 0; PyTorch defines it as 0 where b == 0.
    const da = where(equal(b!, 0), 0, mul(dy, mul(b!, pow(a!, sub(b!, 1)))));
    // d/db a^b = a^b log a; PyTorch defines it as 0 where a == 0 and b >= 0.
    const raw = mul(dy, mul(output, log(a!)));
    const zeroBase = mul(equal(a!, 0), greaterEqual(b!, 0));
    return [unbroadcast(da, a!), unbroadcast(where(zeroBase, 0, raw), b!)];
  },
  maximum: ({ inputs: [a, b], dy }) => tieSplit(a!, b!, greater(a!, b!), dy),
  minimum: ({ inputs: [a, b], dy }) => tieSplit(a!, b!, less(a!, b!), dy),
  gt: () => [null, null], ge: () => [null, null], lt: () => [null, null], le: () => [null, null], eq: () => [null, null],
  where: ({ inputs: [c, a, b], dy }) => [null, unbroadcast(where(c!, dy, 0), a!), unbroadcast(where(c!, 0, dy), b!)],
  clamp: ({ inputs: [x], attrs, dy }) => [mul(dy, mul(greaterEqual(x!, attrs.lo), lessEqual(x!, attrs.hi)))],

  // reductions and scans
  sum: ({ inputs: [x], attrs, dy }) => [broadcastTo(reshape(dy, keepShape(x!.shape, attrs.axes)), x!.shape)],
  max: extremumRule,
  min: extremumRule,
  cumsum: ({ attrs, dy }) => [cumsum(dy, attrs.axis, { reverse: !attrs.reverse })],
  softmax: ({ output, attrs, dy }) => [mul(output, sub(dy, sum(mul(dy, output), attrs.axis, { keepDims: true })))],
  logSoftmax: ({ output, attrs, dy }) => [sub(dy, mul(exp(output), sum(dy, attrs.axis, { keepDims: true })))],

  // linear algebra
  matmul: ({ inputs: [a, b], dy }) => matmulGrad(a!, b!, dy),
  linear: ({ inputs: [x, w, bias], dy }) => [
    rawMatmul(dy, w!, false, false),
    rawMatmul(dy, x!, true, false),
    ...(bias ? [sum(dy, 0)] : []),
  ],

  // losses: PyTorch's binary cross-entropy backward, finite even where prob is 0 or 1
  bce: ({ inputs: [p, t], attrs, dy }) => [
    mul(dy, div(sub(p!, t!), maximum(mul(p!, sub(1, p!)), 1e-12))),
    mul(dy, sub(attrs.lq, attrs.lp)),
  ],

  // fused layers with hand-written backward kernels
  layerNorm: ({ inputs, attrs, dy }) => {
    const [x, ...rest] = inputs;
    const w = attrs.hasWeight ? rest[0]! : null;
    const b = attrs.hasBias ? rest[attrs.hasWeight ? 1 : 0]! : null;
    const dx = empty(x!.shape, x!.dtype, x!.backend);
    const dw = w ? empty(w.shape, w.dtype, w.backend) : null;
    const db = b ? empty(b.shape, b.dtype, b.backend) : null;
    x!.backend.layerNormBackward({ x: x!.buffer, rows: attrs.rows, n: attrs.n, eps: attrs.eps, weight: w?.buffer ?? null, bias: b?.buffer ?? null },
      dy.buffer, attrs.mean.buffer, attrs.rstd.buffer, dx.buffer, dw?.buffer ?? null, db?.buffer ?? null);
    return [dx, ...(dw ? [dw] : []), ...(db ? [db] : [])];
  },
  rmsNorm: ({ inputs: [x, w], attrs, dy }) => {
    const dx = empty(x!.shape, x!.dtype, x!.backend);
    const dw = w ? empty(w.shape, w.dtype, w.backend) : null;
    x!.backend.rmsNormBackward({ x: x!.buffer, rows: attrs.rows, n: attrs.n, eps: attrs.eps, weight: w?.buffer ?? null, bias: null },
      dy.buffer, attrs.rstd.buffer, dx.buffer, dw?.buffer ?? null);
    return [dx, ...(dw ? [dw] : [])];
  },
  conv1d: ({ inputs: [x, w, bias], attrs, dy }) => {
    const dx = empty(x!.shape, x!.dtype, x!.backend);
    const dw = empty(w!.shape, w!.dtype, w!.backend);
    const db = bias ? empty(bias.shape, bias.dtype, bias.backend) : null;
    x!.backend.conv1dBackward(x!.buffer, w!.buffer, dy.buffer, dx.buffer, dw.buffer, db?.buffer ?? null, attrs.args);
    return [dx, dw, ...(db ? [db] : [])];
  },
};

/**
 * Gradient of a two-way selection: dy goes to `a` where `aWins` is 1, to `b` where neither wins,
 * half to each on ties (as PyTorch). Returns [da, db].
 */
function tieSplit(a: Tensor, b: Tensor, aWins: Tensor, dy: Tensor): Tensor[] {
  const eq = equal(a, b);
  const wa = add(aWins, mul(eq, 0.5));
  const ga = mul(dy, wa);
  const gb = sub(dy, ga);
  return [unbroadcast(ga, a), unbroadcast(gb, b)];
}

function matmulGrad(a: Tensor, b: Tensor, dy: Tensor): Tensor[] {
  // Promote 1-D operands as the forward did, then take dA = dy B^T and dB = A^T dy.
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]!]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0]!, 1]) : b;
  const m = a2.shape[a2.rank - 2]!;
  const n = b2.shape[b2.rank - 1]!;
  const dy2 = reshape(dy, [...dy.shape.slice(0, dy.rank - (a.rank === 1 ? 0 : 1) - (b.rank === 1 ? 0 : 1)), m, n]);
  const da = sumTo(matmul(dy2, transpose(b2)), a2.shape);
  const db = sumTo(matmul(transpose(a2), dy2), b2.shape);
  return [reshape(da, a.shape), reshape(db, b.shape)];
}
