import type { TypedArray } from '../../tensor/dtype.js';

/** out[o, i, j] = x[o, index[i], j]. Indices are validated by the op before the kernel runs. */
export function indexSelectKernel(x: TypedArray, outer: number, n: number, inner: number, index: TypedArray, out: TypedArray): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const src = (o * n + index[i]!) * inner;
      const dst = (o * m + i) * inner;
      for (let j = 0; j < inner; j++) out[dst + j] = x[src + j]!;
    }
  }
}

/** out[o, index[i], j] += src[o, i, j]; repeated indices accumulate. */
export function indexAddKernel(src: TypedArray, outer: number, n: number, inner: number, index: TypedArray, out: TypedArray): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const dst = (o * n + index[i]!) * inner;
      const s = (o * m + i) * inner;
      for (let j = 0; j < inner; j++) out[dst + j]! += src[s + j]!;
    }
  }
}

/** out[o, i, j] = x[o, index[o, i, j], j] (torch.gather along the middle axis). */
export function gatherKernel(x: TypedArray, outer: number, n: number, inner: number, index: TypedArray, m: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < inner; j++) {
        const at = (o * m + i) * inner + j;
        out[at] = x[(o * n + index[at]!) * inner + j]!;
      }
    }
  }
}

/** out[o, index[o, i, j], j] += src[o, i, j]. */
export function scatterAddKernel(src: TypedArray, outer: number, n: number, inner: number, index: TypedArray, m: number, out: TypedArray): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < inner; j++) {
        const at = (o * m + i) * inner + j;
        out[(o * n + index[at]!) * inner + j]! += src[at]!;
      }
    }
  }
}
