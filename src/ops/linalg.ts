import type { Tensor } from '../tensor/tensor.js';
import { ShapeError, fmtShape } from '../errors.js';
import { record } from '../tensor/tape.js';
import { broadcastShapes, broadcastStrides, checkFloat, checkSame, checkTensor, empty, prod } from './util.js';
import { reshape } from './movement.js';

/**
 * Matrix product with numpy semantics: 1-D operands are promoted (and the added axis removed),
 * leading batch axes broadcast. `a` [..., m, k] @ `b` [..., k, n] -> [..., m, n].
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b);
  checkFloat('matmul', 'a', a);
  checkSame('matmul', [a, b]);
  if (a.rank === 0 || b.rank === 0) throw new ShapeError('matmul', `operands must be at least 1-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const as = a.rank === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bs = b.rank === 1 ? [b.shape[0]!, 1] : [...b.shape];
  const m = as[as.length - 2]!;
  const k = as[as.length - 1]!;
  const k2 = bs[bs.length - 2]!;
  const n = bs[bs.length - 1]!;
  if (k !== k2) throw new ShapeError('matmul', `inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${k} vs ${k2})`);
  const batchShape = broadcastShapes('matmul', as.slice(0, -2), bs.slice(0, -2));
  const batch = prod(batchShape);
  const out = empty([...batchShape, m, n], a.dtype, a.backend);
  // Each operand's batch is contiguous when it is not broadcast; otherwise expand it once.
  const expand = (t: Tensor, s: number[]): { t: Tensor; stride: number; tmp: boolean } => {
    const tb = s.slice(0, -2);
    const mat = s[s.length - 2]! * s[s.length - 1]!;
    if (prod(tb) === batch) return { t, stride: mat, tmp: false };
    if (prod(tb) === 1) return { t, stride: 0, tmp: false };
    const full = [...batchShape, s[s.length - 2]!, s[s.length - 1]!];
    const e = empty(full, t.dtype, t.backend);
    t.backend.copyStrided({ buf: t.buffer, offset: 0, strides: broadcastStrides(s, full) }, e.buffer, full);
    return { t: e, stride: mat, tmp: true };
  };
  const ea = expand(a, as);
  const eb = expand(b, bs);
  a.backend.matmul({
    a: ea.t.buffer, b: eb.t.buffer, out: out.buffer, batch, m, k, n,
    transA: false, transB: false, aBatchStride: ea.stride, bBatchStride: eb.stride,
  });
  if (ea.tmp) ea.t.dispose();
  if (eb.tmp) eb.t.dispose();
  let y = out;
  if (a.rank === 1 || b.rank === 1) {
    const shape = [...batchShape, ...(a.rank === 1 ? [] : [m]), ...(b.rank === 1 ? [] : [n])];
    y = empty(shape, out.dtype, out.backend);
    out.backend.copyStrided({ buf: out.buffer, offset: 0, strides: [1] }, y.buffer, [out.size]);
    out.dispose();
  }
  return record('matmul', [a, b], y);
}

/** @internal Un-recorded batched product used by gradient rules: op(a) @ op(b) over a shared batch. */
export function rawMatmul(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const m = transA ? a.shape[a.rank - 1]! : a.shape[a.rank - 2]!;
  const k = transA ? a.shape[a.rank - 2]! : a.shape[a.rank - 1]!;
  const n = transB ? b.shape[b.rank - 2]! : b.shape[b.rank - 1]!;
  const batchShape = a.shape.slice(0, -2);
  const batch = prod(batchShape);
  const out = empty([...batchShape, m, n], a.dtype, a.backend);
  a.backend.matmul({
    a: a.buffer, b: b.buffer, out: out.buffer, batch, m, k, n, transA, transB,
    aBatchStride: a.shape[a.rank - 2]! * a.shape[a.rank - 1]!,
    bBatchStride: prod(b.shape.slice(0, -2)) === 1 ? 0 : b.shape[b.rank - 2]! * b.shape[b.rank - 1]!,
  });
  return out;
}

/** x @ W^T + b with W stored [out, in] (PyTorch's Linear layout); `bias` optional. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor('linear', 'x', x);
  checkTensor('linear', 'weight', weight);
  if (bias) checkTensor('linear', 'bias', bias);
  checkFloat('linear', 'x', x);
  if (weight.rank !== 2) throw new ShapeError('linear', `weight must be 2-D [out, in], got ${fmtShape(weight.shape)}`);
  if (x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new ShapeError('linear', `x ${fmtShape(x.shape)} last dim must equal weight ${fmtShape(weight.shape)} in-features ${weight.shape[1]}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new ShapeError('linear', `bias ${fmtShape(bias.shape)} must be [${weight.shape[0]}]`);
  }
  checkSame('linear', bias ? [x, weight, bias] : [x, weight]);
  const x2 = x.rank === 2 ? x : reshape(x, [-1, weight.shape[1]!]);
  const out = empty([x2.shape[0]!, weight.shape[0]!], x.dtype, x.backend);
  x.backend.matmul({
    a: x2.buffer, b: weight.buffer, out: out.buffer, batch: 1, m: x2.shape[0]!, k: weight.shape[1]!, n: weight.shape[0]!,
    transA: false, transB: true, aBatchStride: 0, bBatchStride: 0,
  });
  if (bias) {
    // In place: each output element reads only its own position, so aliasing is safe.
    out.backend.binary('add', { buf: out.buffer, offset: 0, strides: [weight.shape[0]!, 1] },
      { buf: bias.buffer, offset: 0, strides: [0, 1] }, out.buffer, out.shape);
  }
  const y2 = record('linear', bias ? [x2, weight, bias] : [x2, weight], out);
  if (x.rank === 2) return y2;
  const y = reshape(y2, [...x.shape.slice(0, -1), weight.shape[0]!]);
  if (x2 !== x) x2.dispose();
  y2.dispose();
  return y;
}
