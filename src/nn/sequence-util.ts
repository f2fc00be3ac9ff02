import { ArgumentError, ShapeError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { gather, narrow, squeeze, transpose } from '../ops/movement.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** Validates per-sequence lengths (each in [1, T]) for a batch of B. */
export function checkLengths(op: string, lengths: readonly number[], B: number, T: number): number[] {
  const list = Array.from(lengths);
  if (list.length !== B) throw new ShapeError(op, `lengths has ${list.length} entries for a batch of ${B}`);
  list.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 1 || n > T) throw new ArgumentError(op, `lengths[${b}] = ${n} is not an integer in [1, ${T}]`);
  });
  return list;
}

/** Time-major validity mask [T, B, 1]: 1 before each sequence's length, 0 after. */
export function lengthMask(lengths: readonly number[], T: number, dtype: DType = 'float32'): Tensor {
  const B = lengths.length;
  const m = new Float32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) m[t * B + b] = t < lengths[b]! ? 1 : 0;
  return tensor(m, [T, B, 1], { dtype });
}

/** Each sequence's value at its last valid step: [B, d] from time-major [T, B, d]. */
export function lastValid(seq: Tensor, lengths: readonly number[] | null): Tensor {
  const [T, B, d] = seq.shape as [number, number, number];
  if (!lengths) return squeeze(narrow(seq, 0, T - 1, 1), 0);
  const idx = new Int32Array(B * d);
  for (let b = 0; b < B; b++) idx.fill(lengths[b]! - 1, b * d, (b + 1) * d);
  return squeeze(gather(transpose(seq, 0, 1), 1, tensor(idx, [B, 1, d], { dtype: 'int32' })), 1);
}

/** A positive integer option, or an ArgumentError naming it. */
export function positiveInt(op: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new ArgumentError(op, `${name} must be a positive integer, got ${String(v)}`);
  return v as number;
}

/** A dropout probability in [0, 1) (default 0), or an ArgumentError. */
export function dropoutRate(op: string, v: number | undefined): number {
  const p = v ?? 0;
  if (!(p >= 0 && p < 1)) throw new ArgumentError(op, `dropout must be in [0, 1), got ${String(v)}`);
  return p;
}

/** Whether tensor `a` has exactly `shape`. */
export function sameShape(a: Tensor, shape: readonly number[]): boolean {
  return a.rank === shape.length && a.shape.every((d, i) => d === shape[i]);
}

/** `{ dtype }` when one is given, else `{}` (options spread into a constructor under exactOptionalPropertyTypes). */
export function dtypeOpt(dtype: DType | undefined): { dtype?: DType } {
  return dtype ? { dtype } : {};
}
