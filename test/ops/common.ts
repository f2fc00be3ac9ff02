/** Shared helpers of the op tests (not a test file itself). */
import assert from 'node:assert/strict';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { DType } from '../../src/tensor/dtype.js';
import { tensor } from '../../src/ops/creation.js';
import type { RecurrentError } from '../../src/errors.js';
import { memory } from '../../src/tensor/memory.js';
import { stridesOf } from '../../src/ops/util.js';

/** `n` deterministic pseudo-random values in [lo, hi). */
export function vals(n: number, seed: number, lo = -1, hi = 1): number[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r.uniform());
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** A deterministic random tensor (float64 unless told otherwise) with values in [lo, hi). */
export function rt(shape: number[], seed: number, lo = -1, hi = 1, dtype: DType = 'float64'): Tensor {
  return tensor(vals(numel(shape), seed, lo, hi), shape, { dtype });
}

/**
 * A deterministic random float64 tensor whose values stay at least `margin` away from every kink,
 * so finite differences never straddle a non-differentiable point.
 */
export function rtAway(shape: number[], seed: number, kinks: number[], margin = 0.05, lo = -2, hi = 2): Tensor {
  const r = new Rng(seed);
  const out: number[] = [];
  while (out.length < numel(shape)) {
    const v = lo + (hi - lo) * r.uniform();
    if (kinks.every((k) => Math.abs(v - k) >= margin)) out.push(v);
  }
  return tensor(out, shape, { dtype: 'float64' });
}

/** Float64 tensor from a flat list. */
export function f64(data: number[], shape?: number[]): Tensor {
  return tensor(data, shape ?? [data.length], { dtype: 'float64' });
}

/** Int32 tensor from a flat list. */
export function i32(data: number[], shape?: number[]): Tensor {
  return tensor(data, shape ?? [data.length], { dtype: 'int32' });
}

/** Asserts a tensor's shape. */
export function assertShape(t: Tensor, shape: number[], msg = ''): void {
  assert.deepEqual([...t.shape], shape, msg);
}

/** Asserts exact equality of a tensor's elements with a flat list. */
export function assertValues(t: Tensor, expected: number[], msg = ''): void {
  assert.deepEqual(Array.from(t.data()), expected, msg);
}

type ErrorClass = abstract new (...args: never[]) => RecurrentError;

/**
 * Asserts that `fn` throws an instance of `cls` whose `op` is `op` and whose message starts with
 * `op:` (and matches `pattern` if given).
 */
export function expectError(fn: () => unknown, cls: ErrorClass, op: string, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    const err = e as RecurrentError;
    assert.equal(err.op, op, `error names op '${err.op}', expected '${op}' (${err.message})`);
    assert.ok(err.message.startsWith(`${op}: `), `message does not start with '${op}: ': ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

/** Row-major strides (the library's own helper; trivial enough to share with the oracle). */
export const strides = stridesOf;

/** Multi-index of flat position `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = i % shape[k]!;
    i = Math.floor(i / shape[k]!);
  }
  return idx;
}

/** Flat position of a multi-index. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let p = 0;
  for (let k = 0; k < shape.length; k++) p = p * shape[k]! + idx[k]!;
  return p;
}

/**
 * Plain-JS reduction of `data` (of `shape`) over `axes` with a reducer of the whole group's
 * values. Returns the values in row-major order of the kept-dims shape.
 */
export function refReduce(data: ArrayLike<number>, shape: number[], axes: number[], f: (group: number[]) => number): number[] {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: numel(outShape) }, () => []);
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape).map((v, k) => (axes.includes(k) ? 0 : v));
    groups[ravel(idx, outShape)]!.push(data[i]!);
  }
  return groups.map(f);
}

/** Asserts that `fn` leaves exactly its result tensor(s) alive: no leaked intermediates. */
export function assertNoLeak(fn: () => Tensor | Tensor[], msg = ''): void {
  const before = memory().numTensors;
  const r = fn();
  const n = Array.isArray(r) ? r.length : 1;
  assert.equal(memory().numTensors - before, n, `${msg} leaves ${memory().numTensors - before - n} intermediate tensors alive`);
}
