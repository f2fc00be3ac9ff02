import type { Backend } from '../backend/types.js';
import { getBackend } from '../backend/registry.js';
import type { DType } from '../tensor/dtype.js';
import { isFloat } from '../tensor/dtype.js';
import { Tensor, isTensor } from '../tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';

/** @internal Allocates an uninitialised output tensor on a backend. */
export function empty(shape: readonly number[], dtype: DType, backend: Backend = getBackend()): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  return new Tensor(backend, backend.alloc(dtype, size), shape, dtype);
}

/** @internal Throws unless `t` is a live tensor. */
export function checkTensor(op: string, arg: string, t: unknown): asserts t is Tensor {
  if (!isTensor(t)) throw new ArgumentError(op, `argument '${arg}' must be a Tensor, got ${describe(t)}`);
  if (t.isDisposed) throw new ArgumentError(op, `argument '${arg}' was disposed`);
}

/** @internal Throws unless `t` is floating point. */
export function checkFloat(op: string, arg: string, t: Tensor): void {
  if (!isFloat(t.dtype)) throw new DTypeError(op, `argument '${arg}' must be float32 or float64, got ${t.dtype}`);
}

/** @internal Throws unless all tensors share a backend and (if float) a dtype. */
export function checkSame(op: string, ts: readonly Tensor[]): void {
  const first = ts[0];
  if (!first) return;
  for (const t of ts) {
    if (t.backend !== first.backend) {
      throw new ArgumentError(op, `tensors live on different backends (${first.backend.name} and ${t.backend.name})`);
    }
    if (t.dtype !== first.dtype) {
      throw new DTypeError(op, `dtype mismatch: ${first.dtype} ${fmtShape(first.shape)} and ${t.dtype} ${fmtShape(t.shape)}`);
    }
  }
}

/** @internal Throws unless `index` is an int32 tensor with every value in [0, limit). */
export function checkIndex(op: string, index: Tensor, limit: number, arg = 'index'): void {
  checkTensor(op, arg, index);
  if (index.dtype !== 'int32') throw new DTypeError(op, `${arg} must be int32, got ${index.dtype}`);
  const data = index.data();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < 0 || v >= limit) throw new ArgumentError(op, `${arg} value ${v} at position ${i} is out of range [0, ${limit})`);
  }
}

/** @internal Normalises a possibly negative axis; throws a ShapeError when out of range. */
export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** @internal Normalises an axis argument (number, list, or undefined meaning all axes). */
export function normAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return [...Array(rank).keys()];
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => normAxis(op, a, rank));
  if (new Set(out).size !== out.length) throw new ShapeError(op, `repeated axis in [${list.join(', ')}]`);
  return out.sort((a, b) => a - b);
}

/** @internal Row-major strides of a contiguous shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** @internal Numpy broadcasting of two shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** @internal Strides that read a contiguous `shape` as if broadcast to `target` (0 on broadcast axes). */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const s = stridesOf(shape);
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 && target[off + i] !== 1 ? 0 : s[i]!;
  return out;
}

/** @internal Checks a shape argument: a list of non-negative integers. */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(op, `shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  return [...(shape as number[])];
}

/** @internal Short description of an arbitrary value for error messages. */
export function describe(v: unknown): string {
  if (isTensor(v)) return v.toString();
  if (Array.isArray(v)) return `[${v.slice(0, 8).map(describe).join(', ')}${v.length > 8 ? ', ...' : ''}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return Object.prototype.toString.call(v);
}

/** @internal Product of dims [from, to). */
export function prod(shape: readonly number[], from = 0, to = shape.length): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i]!;
  return p;
}
