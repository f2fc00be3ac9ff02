import type { ReduceOp } from '../types.js';
import type { TypedArray } from '../../tensor/dtype.js';

/** Reduces [outer, n, inner] over n, accumulating in float64. NaN propagates through max/min. */
export function reduceKernel(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let acc = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
      for (let r = 0; r < n; r++) {
        const v = x[base + r * inner]!;
        if (op === 'sum') acc += v;
        else if (v !== v) { acc = NaN; break; }
        else if (op === 'max' ? v > acc : v < acc) acc = v;
      }
      out[o * inner + j] = acc;
    }
  }
}

/** Index of the first maximum over n. */
export function argmaxKernel(x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let best = -Infinity;
      let at = 0;
      for (let r = 0; r < n; r++) {
        const v = x[base + r * inner]!;
        // NaN counts as the maximum (first NaN wins), as in PyTorch.
        if (v !== v) {
          if (best === best) { best = v; at = r; }
        } else if (v > best || r === 0) { best = v; at = r; }
      }
      out[o * inner + j] = at;
    }
  }
}

export function cumsumKernel(x: TypedArray, outer: number, n: number, inner: number, reverse: boolean, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let acc = 0;
      for (let s = 0; s < n; s++) {
        const r = reverse ? n - 1 - s : s;
        acc += x[base + r * inner]!;
        out[base + r * inner] = acc;
      }
    }
  }
}

/** Max-subtracted softmax or log-softmax over n. */
export function softmaxKernel(x: TypedArray, outer: number, n: number, inner: number, log: boolean, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let m = -Infinity;
      for (let r = 0; r < n; r++) m = Math.max(m, x[base + r * inner]!);
      if (m === -Infinity) m = 0;
      let s = 0;
      for (let r = 0; r < n; r++) s += Math.exp(x[base + r * inner]! - m);
      const ls = Math.log(s);
      for (let r = 0; r < n; r++) {
        const z = x[base + r * inner]! - m;
        out[base + r * inner] = log ? z - ls : Math.exp(z) / s;
      }
    }
  }
}
