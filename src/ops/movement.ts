import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { record } from '../tensor/tape.js';
import { broadcastShapes, broadcastStrides, checkIndex, checkSame, checkShape, checkTensor, empty, normAxis, prod, stridesOf } from './util.js';

/** Same elements, new shape (a copy). One dimension may be -1 and is inferred. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', 'x', x);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) {
    throw new ShapeError('reshape', `shape must be integers >= -1, got ${JSON.stringify(shape)}`);
  }
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free !== s.lastIndexOf(-1)) throw new ShapeError('reshape', `only one dimension can be -1, got ${fmtShape(s)}`);
  if (free >= 0) {
    const rest = prod(s.filter((_, i) => i !== free));
    if (rest === 0 || x.size % rest !== 0) throw new ShapeError('reshape', `cannot reshape ${fmtShape(x.shape)} to ${fmtShape(s)}`);
    s[free] = x.size / rest;
  }
  if (prod(s) !== x.size) throw new ShapeError('reshape', `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(s)}`);
  const y = empty(s, x.dtype, x.backend);
  x.backend.copyStrided({ buf: x.buffer, offset: 0, strides: [1] }, y.buffer, [x.size]);
  return record('reshape', [x], y);
}

/** Collapses axes [start, end] into one (default: all, giving a 1-D tensor). */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  checkTensor('flatten', 'x', x);
  if (x.rank === 0) return reshape(x, [1]);
  const a = normAxis('flatten', start, x.rank);
  const b = normAxis('flatten', end, x.rank);
  if (b < a) throw new ShapeError('flatten', `end axis ${end} is before start axis ${start}`);
  return reshape(x, [...x.shape.slice(0, a), prod(x.shape, a, b + 1), ...x.shape.slice(b + 1)]);
}

/** Inserts a size-1 axis at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  checkTensor('unsqueeze', 'x', x);
  const a = normAxis('unsqueeze', axis, x.rank + 1);
  const s = [...x.shape];
  s.splice(a, 0, 1);
  return reshape(x, s);
}

/** Removes size-1 axes (all of them, or the ones given). */
export function squeeze(x: Tensor, axis?: number | number[]): Tensor {
  checkTensor('squeeze', 'x', x);
  const axes = axis === undefined ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)
    : (typeof axis === 'number' ? [axis] : axis).map((a) => normAxis('squeeze', a, x.rank));
  for (const a of axes) if (x.shape[a] !== 1) throw new ShapeError('squeeze', `axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** Reorders axes: output axis i is input axis perm[i]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  checkTensor('permute', 'x', x);
  const p = perm.map((a) => normAxis('permute', a, x.rank));
  if (p.length !== x.rank || new Set(p).size !== p.length) {
    throw new ShapeError('permute', `perm ${fmtShape(perm)} is not a permutation of the ${x.rank} axes of ${fmtShape(x.shape)}`);
  }
  const st = stridesOf(x.shape);
  const shape = p.map((a) => x.shape[a]!);
  const y = empty(shape, x.dtype, x.backend);
  x.backend.copyStrided({ buf: x.buffer, offset: 0, strides: p.map((a) => st[a]!) }, y.buffer, shape);
  return record('permute', [x], y, { perm: p });
}

/** Swaps two axes (default: the last two). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  checkTensor('transpose', 'x', x);
  if (x.rank < 2 && axis0 === -2 && axis1 === -1) return reshape(x, x.shape);
  const a = normAxis('transpose', axis0, x.rank);
  const b = normAxis('transpose', axis1, x.rank);
  const perm = [...x.shape.keys()];
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/**
 * A rectangular block: `begin[i]` is the start on axis i and `size[i]` its length (-1: to the end).
 * Missing trailing entries take whole axes.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  checkTensor('slice', 'x', x);
  if (begin.length > x.rank || (size && size.length > x.rank)) {
    throw new ShapeError('slice', `begin ${fmtShape(begin)} / size ${fmtShape(size ?? [])} longer than rank of ${fmtShape(x.shape)}`);
  }
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    const dim = x.shape[i]!;
    let bi = begin[i] ?? 0;
    if (bi < 0) bi += dim;
    let si = size?.[i] ?? -1;
    if (si === -1) si = dim - bi;
    if (!Number.isInteger(bi) || !Number.isInteger(si) || bi < 0 || si < 0 || bi + si > dim) {
      throw new ShapeError('slice', `begin ${fmtShape(begin)}, size ${fmtShape(size ?? [])} out of bounds for ${fmtShape(x.shape)} (axis ${i})`);
    }
    b.push(bi);
    s.push(si);
  }
  const st = stridesOf(x.shape);
  const y = empty(s, x.dtype, x.backend);
  const offset = b.reduce((acc, bi, i) => acc + bi * st[i]!, 0);
  x.backend.copyStrided({ buf: x.buffer, offset, strides: st }, y.buffer, s);
  return record('slice', [x], y, { begin: b });
}

/** `length` entries of one axis starting at `start` (PyTorch's narrow). */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  checkTensor('narrow', 'x', x);
  const a = normAxis('narrow', axis, x.rank);
  const dim = x.shape[a]!;
  const from = start < 0 ? start + dim : start;
  if (!Number.isInteger(from) || !Number.isInteger(length) || from < 0 || length < 0 || from + length > dim) {
    throw new ShapeError('narrow', `start ${start}, length ${length} out of bounds for axis ${a} of ${fmtShape(x.shape)}`);
  }
  const begin = x.shape.map(() => 0);
  const size = x.shape.map(() => -1);
  begin[a] = start;
  size[a] = length;
  return slice(x, begin, size);
}

/** Joins tensors along an existing axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ArgumentError('concat', 'needs a non-empty array of tensors');
  xs.forEach((t, i) => checkTensor('concat', `xs[${i}]`, t));
  checkSame('concat', xs);
  const first = xs[0]!;
  const a = normAxis('concat', axis, first.rank);
  for (const t of xs) {
    if (t.rank !== first.rank || t.shape.some((d: number, i: number) => i !== a && d !== first.shape[i])) {
      throw new ShapeError('concat', `shapes ${xs.map((u) => fmtShape(u.shape)).join(', ')} differ outside axis ${a}`);
    }
  }
  const shape = [...first.shape];
  shape[a] = xs.reduce((acc, t) => acc + t.shape[a]!, 0);
  const y = empty(shape, first.dtype, first.backend);
  const st = stridesOf(shape);
  let off = 0;
  for (const t of xs) {
    first.backend.scatterStrided(t.buffer, { buf: y.buffer, offset: off * st[a]!, strides: st }, t.shape);
    off += t.shape[a]!;
  }
  return record('concat', [...xs], y, { axis: a, sizes: xs.map((t) => t.shape[a]!) });
}

/** Stacks same-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ArgumentError('stack', 'needs a non-empty array of tensors');
  xs.forEach((t, i) => checkTensor('stack', `xs[${i}]`, t));
  checkSame('stack', xs);
  const first = xs[0]!;
  for (const t of xs) {
    if (t.shape.length !== first.shape.length || t.shape.some((d: number, i: number) => d !== first.shape[i])) {
      throw new ShapeError('stack', `all shapes must match, got ${xs.map((u) => fmtShape(u.shape)).join(', ')}`);
    }
  }
  const a = normAxis('stack', axis, first.rank + 1);
  const parts = xs.map((t) => unsqueeze(t, a));
  const y = concat(parts, a);
  for (const t of parts) t.dispose();
  return y;
}

/** Splits along an axis into pieces of the given sizes (or `n` equal pieces). */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  checkTensor('split', 'x', x);
  const a = normAxis('split', axis, x.rank);
  const dim = x.shape[a]!;
  let list: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0 || dim % sizes !== 0) {
      throw new ShapeError('split', `cannot split axis ${a} of size ${dim} into ${sizes} equal parts`);
    }
    list = new Array<number>(sizes).fill(dim / sizes);
  } else {
    list = [...sizes];
    if (!list.every((d) => Number.isInteger(d) && d >= 0)) throw new ShapeError('split', `sizes ${fmtShape(list)} must be non-negative integers`);
    if (list.reduce((p, q) => p + q, 0) !== dim) throw new ShapeError('split', `sizes ${fmtShape(list)} do not add up to ${dim}`);
  }
  let start = 0;
  return list.map((len) => {
    const t = narrow(x, a, start, len);
    start += len;
    return t;
  });
}

/** Broadcasts to a larger shape (a copy, numpy rules). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('broadcastTo', 'x', x);
  const target = checkShape('broadcastTo', shape);
  const out = broadcastShapes('broadcastTo', x.shape, target);
  if (out.length !== target.length || out.some((d, i) => d !== target[i])) {
    throw new ShapeError('broadcastTo', `cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(target)}`);
  }
  const y = empty(target, x.dtype, x.backend);
  x.backend.copyStrided({ buf: x.buffer, offset: 0, strides: broadcastStrides(x.shape, target) }, y.buffer, target);
  return record('broadcastTo', [x], y);
}

/** Selects entries along `axis` by an int32 index tensor (any shape; its shape replaces the axis). */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  checkTensor('indexSelect', 'x', x);
  const a = normAxis('indexSelect', axis, x.rank);
  checkIndex('indexSelect', index, x.shape[a]!);
  const shape = [...x.shape.slice(0, a), ...index.shape, ...x.shape.slice(a + 1)];
  const y = empty(shape, x.dtype, x.backend);
  x.backend.indexSelect(x.buffer, prod(x.shape, 0, a), x.shape[a]!, prod(x.shape, a + 1), index.buffer, y.buffer);
  return record('indexSelect', [x, index], y, { axis: a });
}

/** torch.gather: out[..., i, ...] = x[..., index[..., i, ...], ...] along `axis`; index has x's rank. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  checkTensor('gather', 'x', x);
  const a = normAxis('gather', axis, x.rank);
  checkTensor('gather', 'index', index);
  if (index.rank !== x.rank || index.shape.some((d, i) => i !== a && d !== x.shape[i])) {
    throw new ShapeError('gather', `index shape ${fmtShape(index.shape)} must match x shape ${fmtShape(x.shape)} except on axis ${a}`);
  }
  checkIndex('gather', index, x.shape[a]!);
  const y = empty(index.shape, x.dtype, x.backend);
  x.backend.gather(x.buffer, prod(x.shape, 0, a), x.shape[a]!, prod(x.shape, a + 1), index.buffer, index.shape[a]!, y.buffer);
  return record('gather', [x, index], y, { axis: a });
}

/** Converts to another dtype (float -> int32 truncates toward zero). Differentiable between floats. */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor('cast', 'x', x);
  if (!['float32', 'float64', 'int32'].includes(dtype)) throw new DTypeError('cast', `unknown dtype ${String(dtype)}`);
  const y = empty(x.shape, dtype, x.backend);
  x.backend.cast(x.buffer, y.buffer);
  return record('cast', [x], y);
}

/** An independent copy. */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', 'x', x);
  return reshape(x, x.shape);
}
