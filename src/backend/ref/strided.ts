import type { Strided } from '../types.js';
import { arr } from './buffer.js';
import type { TypedArray } from '../../tensor/dtype.js';

/**
 * Calls `body(outIndex, off0, off1, off2)` for every element of `shape` in row-major order, with
 * the element offsets of up to three strided operands. The innermost axis runs as a tight loop.
 */
export function stridedLoop(
  shape: readonly number[],
  ops: readonly Strided[],
  body: (i: number, o0: number, o1: number, o2: number) => void,
): void {
  const nd = shape.length;
  const s0 = ops[0]?.strides ?? [];
  const s1 = ops[1]?.strides ?? [];
  const s2 = ops[2]?.strides ?? [];
  const b0 = ops[0]?.offset ?? 0;
  const b1 = ops[1]?.offset ?? 0;
  const b2 = ops[2]?.offset ?? 0;
  if (nd === 0) {
    body(0, b0, b1, b2);
    return;
  }
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const last = nd - 1;
  const n = shape[last]!;
  const i0 = s0[last] ?? 0;
  const i1 = s1[last] ?? 0;
  const i2 = s2[last] ?? 0;
  const idx = new Array<number>(nd).fill(0);
  let i = 0;
  for (let row = 0; row < total / n; row++) {
    let o0 = b0;
    let o1 = b1;
    let o2 = b2;
    for (let k = 0; k < last; k++) {
      o0 += idx[k]! * (s0[k] ?? 0);
      o1 += idx[k]! * (s1[k] ?? 0);
      o2 += idx[k]! * (s2[k] ?? 0);
    }
    for (let j = 0; j < n; j++) body(i++, o0 + j * i0, o1 + j * i1, o2 + j * i2);
    for (let k = last - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
}

/** Gathers a strided operand into a contiguous typed array. */
export function copyStrided(src: Strided, out: TypedArray, shape: readonly number[]): void {
  const a = arr(src.buf);
  stridedLoop(shape, [src], (i, o) => {
    out[i] = a[o]!;
  });
}
