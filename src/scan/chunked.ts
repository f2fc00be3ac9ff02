import { ArgumentError } from '../errors.js';
import { broadcastTo, concat, narrow } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Combine } from './associative.js';
import { associativeScan } from './associative.js';
import type { ScanOptions } from './sequential.js';
import { splitTime, timeLength } from './sequential.js';

/**
 * Chunked prefix scan: an associative scan inside chunks of `chunk` steps, chunks in order with
 * the running prefix combined into each (memory and depth O(chunk) per chunk; chunk = T is the
 * associative scan, chunk = 1 the sequential one). The last chunk may be shorter.
 */
export function chunkedScan(combine: Combine, elems: Tensor[], opts: ScanOptions & { chunk: number }): Tensor[] {
  const T = timeLength('chunkedScan', elems);
  const C = opts.chunk;
  if (!Number.isInteger(C) || C < 1) throw new ArgumentError('chunkedScan', `chunk must be a positive integer, got ${String(C)}`);
  const starts: number[] = [];
  for (let s = 0; s < T; s += C) starts.push(s);
  if (opts.reverse) starts.reverse();
  const sizes = starts.slice().sort((x, y) => x - y).map((s) => Math.min(C, T - s));
  const chunks = elems.map((e) => splitTime(e, sizes));
  const pieces: Tensor[][] = [];
  let carry: Tensor[] | null = null;
  for (const s of starts) {
    const len = Math.min(C, T - s);
    const ci = s / C;
    let local = associativeScan(combine, chunks.map((c) => c[ci]!), { reverse: !!opts.reverse });
    if (carry) {
      const c = carry;
      local = combine(c.map((x, k) => broadcastTo(x, local[k]!.shape)), local);
    }
    // The prefix for the next chunk: this chunk's last element in scan order.
    const at = opts.reverse ? 0 : len - 1;
    carry = local.map((x) => narrow(x, 0, at, 1));
    pieces.push(local);
  }
  if (opts.reverse) pieces.reverse();
  return elems.map((_, k) => concat(pieces.map((p) => p[k]!), 0));
}
