import assert from 'node:assert/strict';
import type { Tensor } from '../src/tensor/tensor.js';
import { gradcheck } from '../src/autodiff/gradcheck.js';
import type { GradcheckOptions } from '../src/autodiff/gradcheck.js';

/** Flattens nested number arrays. */
export function flat(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.flatMap(flat);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  throw new Error(`flat: not numeric: ${String(v)}`);
}

/** Asserts elementwise closeness: |a - e| <= atol + rtol * |e| (NaN equals NaN). */
export function assertClose(actual: Tensor | ArrayLike<number> | number | unknown[], expected: ArrayLike<number> | number | unknown[], atol = 1e-5, rtol = 1e-5, msg = ''): void {
  const a = isTensorLike(actual) ? Array.from(actual.data()) : flat(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, `${msg} length ${a.length} vs ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (x === y) continue;
    assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${msg} element ${i}: got ${x}, expected ${y}`);
  }
}

/** Relative RMS error rms(a - b) / rms(b) (fla's tolerance measure). */
export function relRms(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** Asserts that `gradcheck` passes, printing where it failed. */
export function assertGradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const r = gradcheck(f, inputs, opts);
  assert.ok(r.checked > 0, 'gradcheck checked nothing');
  assert.ok(r.ok, `gradcheck failed: max abs error ${r.maxAbsError}; worst ${r.worst}`);
}

function isTensorLike(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && typeof (v as Tensor).data === 'function' && 'shape' in v;
}
