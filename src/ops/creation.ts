import type { DType } from '../tensor/dtype.js';
import { isFloat, typedArrayFor } from '../tensor/dtype.js';
import type { NestedArray, Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import { globalGenerator } from '../tensor/rng.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { checkShape, checkTensor, describe, empty } from './util.js';

/** Options shared by creation functions. */
export interface CreateOptions {
  /** Element type (default float32; `tensor` infers it from typed-array data). */
  dtype?: DType;
}

/** Options of random creation functions. */
export interface RandomOptions extends CreateOptions {
  /** Generator to draw from (default: the global one, see `seed`). */
  rng?: Rng;
}

const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

function checkDtype(op: string, dtype: unknown): DType {
  if (!DTYPES.includes(dtype as DType)) throw new DTypeError(op, `unknown dtype ${describe(dtype)}; expected one of ${DTYPES.join(', ')}`);
  return dtype as DType;
}

function inferShape(op: string, data: NestedArray | ArrayLike<number>): number[] {
  const shape: number[] = [];
  let cur: unknown = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  if (shape.length === 0 && typeof data !== 'number' && typeof (data as ArrayLike<number>).length === 'number') {
    shape.push((data as ArrayLike<number>).length);
  }
  if (shape.length === 0 && typeof data !== 'number') throw new ArgumentError(op, `cannot make a tensor from ${describe(data)}`);
  return shape;
}

function flatten(op: string, data: NestedArray, shape: number[], out: number[], depth = 0): void {
  if (depth === shape.length) {
    if (typeof data !== 'number') throw new ShapeError(op, `ragged nested array: expected a number at depth ${depth}, got ${describe(data)}`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new ShapeError(op, `ragged nested array: expected length ${shape[depth]} at depth ${depth}, got ${describe(data)}`);
  }
  for (const d of data) flatten(op, d, shape, out, depth + 1);
}

/**
 * Creates a tensor from a number, nested arrays, or a flat array/typed array plus a shape.
 * The dtype defaults to int32 for Int32Array, float64 for Float64Array and float32 otherwise.
 */
export function tensor(data: NestedArray | ArrayLike<number>, shape?: readonly number[], opts: CreateOptions = {}): Tensor {
  return fromData('tensor', data, shape, opts);
}

function fromData(op: string, data: NestedArray | ArrayLike<number>, shape: readonly number[] | undefined, opts: CreateOptions): Tensor {
  const dtype = checkDtype(op, opts.dtype ?? (data instanceof Int32Array ? 'int32' : data instanceof Float64Array ? 'float64' : 'float32'));
  let flat: ArrayLike<number>;
  let finalShape: number[];
  if (typeof data === 'number') {
    flat = [data];
    finalShape = shape ? checkShape(op, shape) : [];
  } else if (Array.isArray(data) && data.some((d) => Array.isArray(d))) {
    const inferred = inferShape(op, data);
    const out: number[] = [];
    flatten(op, data, inferred, out);
    flat = out;
    finalShape = shape ? checkShape(op, shape) : inferred;
  } else if (data !== null && typeof data === 'object' && typeof (data as ArrayLike<number>).length === 'number') {
    flat = data as ArrayLike<number>;
    finalShape = shape ? checkShape(op, shape) : [flat.length];
  } else {
    throw new ArgumentError(op, `cannot make a tensor from ${describe(data)}`);
  }
  let size = 1;
  for (const d of finalShape) size *= d;
  if (size !== flat.length) {
    throw new ShapeError(op, `${flat.length} values do not fill shape ${fmtShape(finalShape)} (${size} elements)`);
  }
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number') throw new ArgumentError(op, `element ${i} is not a number: ${describe(v)}`);
    if (dtype === 'int32' && !Number.isInteger(v)) throw new DTypeError(op, `element ${i} = ${v} is not an integer, but dtype is int32`);
  }
  const t = empty(finalShape, dtype);
  t.backend.write(t.buffer, flat);
  return t;
}

/** A scalar tensor. */
export function scalar(value: number, opts: CreateOptions = {}): Tensor {
  if (typeof value !== 'number') throw new ArgumentError('scalar', `value must be a number, got ${describe(value)}`);
  return fromData('scalar', value, [], opts);
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  return filled('full', shape, value, opts);
}

function filled(op: string, shape: readonly number[], value: number, opts: CreateOptions): Tensor {
  const s = checkShape(op, shape);
  const dtype = checkDtype(op, opts.dtype ?? 'float32');
  if (typeof value !== 'number') throw new ArgumentError(op, `value must be a number, got ${describe(value)}`);
  const t = empty(s, dtype);
  t.backend.fill(t.buffer, value);
  return t;
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, opts);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, opts);
}

/** Zeros with the shape and dtype of `t`. */
export function zerosLike(t: Tensor): Tensor {
  checkTensor('zerosLike', 't', t);
  return filled('zerosLike', t.shape, 0, { dtype: t.dtype });
}

/** Ones with the shape and dtype of `t`. */
export function onesLike(t: Tensor): Tensor {
  checkTensor('onesLike', 't', t);
  return filled('onesLike', t.shape, 1, { dtype: t.dtype });
}

/** Values start, start+step, ... below end (numpy's arange). float32 unless dtype says otherwise. */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (![start, end, step].every(Number.isFinite) || step === 0) {
    throw new ArgumentError('arange', `start, end and step must be finite and step non-zero, got (${start}, ${end}, ${step})`);
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = checkDtype('arange', opts.dtype ?? 'float32');
  const data = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return tensor(data, [n], { dtype });
}

/** Identity matrix. */
export function eye(n: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError('eye', `n must be a non-negative integer, got ${n}`);
  const dtype = checkDtype('eye', opts.dtype ?? 'float32');
  const data = typedArrayFor(dtype, n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return tensor(data, [n, n], { dtype });
}

function randomTensor(op: string, shape: readonly number[], opts: RandomOptions, draw: (rng: Rng) => number): Tensor {
  const s = checkShape(op, shape);
  const dtype = checkDtype(op, opts.dtype ?? 'float32');
  if (!isFloat(dtype)) throw new DTypeError(op, `random values need a float dtype, got ${dtype}`);
  const rng = opts.rng ?? globalGenerator();
  let size = 1;
  for (const d of s) size *= d;
  const data = typedArrayFor(dtype, size);
  for (let i = 0; i < size; i++) data[i] = draw(rng);
  return tensor(data, s, { dtype });
}

/** Uniform random values in [low, high) (default [0, 1)). */
export function rand(shape: readonly number[], opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const low = opts.low ?? 0;
  const high = opts.high ?? 1;
  if (!(high >= low)) throw new ArgumentError('rand', `high (${high}) must be >= low (${low})`);
  return randomTensor('rand', shape, opts, (r) => low + (high - low) * r.uniform());
}

/** Normal random values with the given mean and std (default standard normal). */
export function randn(shape: readonly number[], opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  if (!(std >= 0)) throw new ArgumentError('randn', `std must be >= 0, got ${std}`);
  return randomTensor('randn', shape, opts, (r) => mean + std * r.normal());
}

/** Uniform random integers in [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[], opts: { rng?: Rng } = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError('randint', `need integers low < high, got (${low}, ${high})`);
  }
  const s = checkShape('randint', shape);
  const rng = opts.rng ?? globalGenerator();
  let size = 1;
  for (const d of s) size *= d;
  const data = new Int32Array(size);
  for (let i = 0; i < size; i++) data[i] = low + rng.int(high - low);
  return tensor(data, s, { dtype: 'int32' });
}
