// Index kernels (embedding forward/backward, torch.gather/scatter_add), where, cast, cumsum,
// argmax and strided scatter. Indices were validated by the op before these run. IndexAdd, Scatter
// and Where take shares [lo, hi) of their count (word 1); the other tasks count 1 and run whole.
import { addr, block, flag, word } from './descriptor';
import { rowOffset } from './elementwise';

/** out[o, i, :] = x[o, index[i], :] */
export function indexSelect(x: usize, outer: i32, n: i32, inner: i32, index: usize, m: i32, out: usize): void {
  const rowBytes = <usize>inner * 4;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const src = x + (<usize>o * n + load<i32>(index + <usize>i * 4)) * rowBytes;
      memory.copy(out + (<usize>o * m + i) * rowBytes, src, rowBytes);
    }
  }
}

/** Task.IndexSelect. Descriptor words: 2 x, 3 outer, 4 n, 5 inner, 6 index, 7 m, 8 out. */
export function indexSelectTask(d: usize): void {
  indexSelect(addr(d, 2), word(d, 3), word(d, 4), word(d, 5), addr(d, 6), word(d, 7), addr(d, 8));
}

/** out[o, index[i], :] += src[o, i, :] for inner columns [c0, c1) (threads split columns). */
export function indexAdd(src: usize, outer: i32, n: i32, inner: i32, index: usize, m: i32, out: usize, c0: i32, c1: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const d = out + ((<usize>o * n + load<i32>(index + <usize>i * 4)) * inner) * 4;
      const s = src + ((<usize>o * m + i) * inner) * 4;
      let j = c0;
      for (; j + 4 <= c1; j += 4) v128.store(d + <usize>j * 4, f32x4.add(v128.load(d + <usize>j * 4), v128.load(s + <usize>j * 4)));
      for (; j < c1; j++) store<f32>(d + <usize>j * 4, load<f32>(d + <usize>j * 4) + load<f32>(s + <usize>j * 4));
    }
  }
}

/** Task.IndexAdd over inner columns [lo, hi). Descriptor words: 1 inner, 2 src, 3 outer, 4 n, 5 inner, 6 index, 7 m, 8 out. */
export function indexAddTask(d: usize, lo: i32, hi: i32): void {
  indexAdd(addr(d, 2), word(d, 3), word(d, 4), word(d, 5), addr(d, 6), word(d, 7), addr(d, 8), lo, hi);
}

/** out[o, i, j] = x[o, index[o, i, j], j] */
export function gather(x: usize, outer: i32, n: i32, inner: i32, index: usize, m: i32, out: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < inner; j++) {
        const at = (<usize>o * m + i) * inner + j;
        store<f32>(out + at * 4, load<f32>(x + ((<usize>o * n + load<i32>(index + at * 4)) * inner + j) * 4));
      }
    }
  }
}

/** Task.Gather. Descriptor words: 2 x, 3 outer, 4 n, 5 inner, 6 index, 7 m, 8 out. */
export function gatherTask(d: usize): void {
  gather(addr(d, 2), word(d, 3), word(d, 4), word(d, 5), addr(d, 6), word(d, 7), addr(d, 8));
}

/** out[o, index[o, i, j], j] += src[o, i, j] */
export function scatterAdd(src: usize, outer: i32, n: i32, inner: i32, index: usize, m: i32, out: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < inner; j++) {
        const at = (<usize>o * m + i) * inner + j;
        const d = out + ((<usize>o * n + load<i32>(index + at * 4)) * inner + j) * 4;
        store<f32>(d, load<f32>(d) + load<f32>(src + at * 4));
      }
    }
  }
}

/** Task.ScatterAdd. Descriptor words: 2 src, 3 outer, 4 n, 5 inner, 6 index, 7 m, 8 out. */
export function scatterAddTask(d: usize): void {
  scatterAdd(addr(d, 2), word(d, 3), word(d, 4), word(d, 5), addr(d, 6), word(d, 7), addr(d, 8));
}

/** Inclusive cumulative sum over n of [outer, n, inner] (f64 running sum, as ref). */
export function cumsum(x: usize, outer: i32, n: i32, inner: i32, reverse: bool, out: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = (<usize>o * n * inner + j) * 4;
      let acc: f64 = 0;
      for (let s = 0; s < n; s++) {
        const r = reverse ? n - 1 - s : s;
        const at = base + <usize>r * inner * 4;
        acc += <f64>load<f32>(x + at);
        store<f32>(out + at, <f32>acc);
      }
    }
  }
}

/** Task.Cumsum. Descriptor words: 2 x, 3 outer, 4 n, 5 inner, 6 reverse, 7 out. */
export function cumsumTask(d: usize): void {
  cumsum(addr(d, 2), word(d, 3), word(d, 4), word(d, 5), flag(d, 6), addr(d, 7));
}

/** Index of the first maximum over n (NaN counts as the maximum, first NaN wins). */
export function argmax(x: usize, outer: i32, n: i32, inner: i32, out: usize): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = (<usize>o * n * inner + j) * 4;
      let best: f32 = -Infinity;
      let at = 0;
      for (let r = 0; r < n; r++) {
        const v = load<f32>(x + base + <usize>r * inner * 4);
        if (isNaN(v)) {
          if (!isNaN(best)) { best = v; at = r; }
        } else if (v > best || r == 0) { best = v; at = r; }
      }
      store<i32>(out + (<usize>o * inner + j) * 4, at);
    }
  }
}

/** Task.Argmax. Descriptor words: 2 x, 3 outer, 4 n, 5 inner, 6 out (i32). */
export function argmaxTask(d: usize): void {
  argmax(addr(d, 2), word(d, 3), word(d, 4), word(d, 5), addr(d, 6));
}

/** float32 <-> int32 casts (float to int truncates toward zero, like a C cast). */
export function castF32I32(x: usize, out: usize, n: i32, toInt: bool): void {
  for (let i = 0; i < n; i++) {
    const at = <usize>i * 4;
    if (toInt) {
      const v = load<f32>(x + at);
      // Out-of-range and NaN follow JS's Int32Array store: wrap modulo 2^32, NaN -> 0.
      store<i32>(out + at, isFinite(v) && Mathf.abs(v) < 9.2e18 ? <i32><i64>v : 0);
    } else {
      store<f32>(out + at, <f32>load<i32>(x + at));
    }
  }
}

/** Task.Cast. Descriptor words: 2 x, 3 out, 4 n, 5 toInt (1: f32 to i32, 0: i32 to f32). */
export function castTask(d: usize): void {
  castF32I32(addr(d, 2), addr(d, 3), word(d, 4), flag(d, 5));
}

/** Writes contiguous src rows [r0, r1) into dst through strides over `shape` (4- or 8-byte elements). */
export function scatterRows(rank: i32, shape: usize, src: usize, dst: usize, strides: usize, r0: i32, r1: i32, elem: i32): void {
  const last = rank - 1;
  const n = rank == 0 ? 1 : load<i32>(shape + <usize>last * 4);
  const s = rank == 0 ? 1 : load<i32>(strides + <usize>last * 4);
  for (let r = r0; r < r1; r++) {
    const o = rowOffset(rank, shape, strides, r);
    const from = src + <usize>r * n * elem;
    const to = dst + o * elem;
    if (s == 1) memory.copy(to, from, <usize>n * elem);
    else if (elem == 4) for (let j = 0; j < n; j++) store<u32>(to + <usize>j * s * 4, load<u32>(from + <usize>j * 4));
    else for (let j = 0; j < n; j++) store<u64>(to + <usize>j * s * 8, load<u64>(from + <usize>j * 8));
  }
}

/**
 * Task.Scatter over rows [lo, hi). Descriptor words: 1 rows, 2 rank, 3 src, 4 dst, 5 bytes per
 * element (4 or 8); the shape at words 16-23, dst's strides at 24-31.
 */
export function scatterTask(d: usize, lo: i32, hi: i32): void {
  scatterRows(word(d, 2), block(d, 16), addr(d, 3), addr(d, 4), block(d, 24), lo, hi, word(d, 5));
}

/** out = cond != 0 ? a : b over rows [r0, r1); cond is f32 or i32 (`condInt`), all strided. */
export function whereRows(rank: i32, shape: usize, c: usize, cs: usize, condInt: bool, a: usize, as: usize, b: usize, bs: usize,
  out: usize, r0: i32, r1: i32): void {
  const last = rank - 1;
  const n = rank == 0 ? 1 : load<i32>(shape + <usize>last * 4);
  const sc = rank == 0 ? 0 : load<i32>(cs + <usize>last * 4);
  const sa = rank == 0 ? 0 : load<i32>(as + <usize>last * 4);
  const sb = rank == 0 ? 0 : load<i32>(bs + <usize>last * 4);
  for (let r = r0; r < r1; r++) {
    let rem = r;
    let oc: usize = 0, oa: usize = 0, ob: usize = 0;
    for (let d = last - 1; d >= 0; d--) {
      const dim = load<i32>(shape + <usize>d * 4);
      const idx = <usize>(rem % dim);
      rem /= dim;
      oc += idx * load<i32>(cs + <usize>d * 4);
      oa += idx * load<i32>(as + <usize>d * 4);
      ob += idx * load<i32>(bs + <usize>d * 4);
    }
    const orow = out + <usize>r * n * 4;
    for (let j = 0; j < n; j++) {
      const ca = c + (oc + <usize>j * sc) * 4;
      const t = condInt ? load<i32>(ca) != 0 : load<f32>(ca) != 0;
      store<f32>(orow + <usize>j * 4, t ? load<f32>(a + (oa + <usize>j * sa) * 4) : load<f32>(b + (ob + <usize>j * sb) * 4));
    }
  }
}

/**
 * Task.Where over rows [lo, hi). Descriptor words: 1 rows, 2 rank, 3 cond, 4 cond is i32, 5 a, 6 b,
 * 7 out; the shape at words 16-23, then the strides of cond (24-31), a (32-39) and b (40-47).
 */
export function whereTask(d: usize, lo: i32, hi: i32): void {
  whereRows(word(d, 2), block(d, 16), addr(d, 3), block(d, 24), flag(d, 4), addr(d, 5), block(d, 32), addr(d, 6), block(d, 40),
    addr(d, 7), lo, hi);
}
