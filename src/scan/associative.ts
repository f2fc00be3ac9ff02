import { ArgumentError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { concat, indexSelect, narrow } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ScanOptions } from './sequential.js';
import { timeLength } from './sequential.js';

/**
 * An associative operator on elements stored as tensor arrays with a leading axis: combine(a, b)
 * is "a then b" (a the earlier prefix), applied elementwise along that axis (it receives batches
 * of pairs). Example, the linear recurrence: ((a1, b1), (a2, b2)) -> (a1 a2, a2 b1 + b2).
 */
export type Combine = (a: Tensor[], b: Tensor[]) => Tensor[];

const idx = (from: number, step: number, count: number): Tensor =>
  tensor(Int32Array.from({ length: count }, (_, i) => from + i * step), [count], { dtype: 'int32' });

/**
 * Inclusive prefix scan with an associative `combine`, in O(log T) rounds of batched combines
 * (the recursive odd/even scheme of jax.lax.associative_scan): combine neighbouring pairs, scan
 * the half-length sequence, then fill in the even positions. Any length; built from
 * differentiable ops, so gradients come from the tape.
 */
export function associativeScan(combine: Combine, elems: Tensor[], opts: ScanOptions = {}): Tensor[] {
  const T = timeLength('associativeScan', elems);
  if (typeof combine !== 'function') throw new ArgumentError('associativeScan', 'combine must be a function');
  if (!opts.reverse) return scanUp(combine, elems, T);
  const flip = idx(T - 1, -1, T);
  const out = scanUp(combine, elems.map((e) => indexSelect(e, 0, flip)), T);
  return out.map((e) => indexSelect(e, 0, flip));
}

function scanUp(combine: Combine, elems: Tensor[], n: number): Tensor[] {
  if (n < 2) return elems;
  const m = Math.floor(n / 2);
  const evens = idx(0, 2, m), odds = idx(1, 2, m);
  // Prefix over pairs (0,1), (2,3), ...: these become the results at the odd positions.
  const pairs = combine(elems.map((e) => indexSelect(e, 0, evens)), elems.map((e) => indexSelect(e, 0, odds)));
  checkWidth(pairs, elems.length);
  const odd = scanUp(combine, pairs, m);
  // Even positions 2, 4, ...: the odd result just before them, combined with the element.
  const rest = Math.ceil(n / 2) - 1;
  let even: Tensor[];
  if (rest > 0) {
    const filled = combine(odd.map((e) => narrow(e, 0, 0, rest)), elems.map((e) => indexSelect(e, 0, idx(2, 2, rest))));
    checkWidth(filled, elems.length);
    even = elems.map((e, k) => concat([narrow(e, 0, 0, 1), filled[k]!], 0));
  } else {
    even = elems.map((e) => narrow(e, 0, 0, 1));
  }
  // Interleave: position 2i from even[i], 2i+1 from odd[i].
  const nEven = Math.ceil(n / 2);
  const order = Int32Array.from({ length: n }, (_, t) => (t % 2 === 0 ? t / 2 : nEven + (t - 1) / 2));
  const perm = tensor(order, [n], { dtype: 'int32' });
  return even.map((e, k) => indexSelect(concat([e, odd[k]!], 0), 0, perm));
}

function checkWidth(out: Tensor[], width: number): void {
  if (!Array.isArray(out) || out.length !== width) {
    throw new ArgumentError('associativeScan', `combine must return ${width} tensors, got ${Array.isArray(out) ? out.length : typeof out}`);
  }
}
