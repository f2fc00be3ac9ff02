// Row-wise kernels on f32: reductions, softmax, layer/RMS norm. "Rows" are the [outer, n] view with
// inner == 1; threads split rows, so each output is computed by one thread in a fixed order.
// Reduce ops: 0 sum, 1 max, 2 min (REDUCE_CODES in src/backend/wasm/kernels.ts).
import { addr, double, flag, word } from './descriptor';

/** Reduces rows [r0, r1) of x [rows, n] into out[r]: 0 sum, 1 max, 2 min (f64 accumulation). */
export function reduceRows(op: i32, x: usize, n: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = x + <usize>r * n * 4;
    let acc: f64 = op == 0 ? 0 : op == 1 ? -Infinity : Infinity;
    if (op == 0) {
      for (let j = 0; j < n; j++) acc += <f64>load<f32>(row + <usize>j * 4);
    } else {
      for (let j = 0; j < n; j++) {
        const v = <f64>load<f32>(row + <usize>j * 4);
        if (isNaN(v)) { acc = v; break; }
        if (op == 1 ? v > acc : v < acc) acc = v;
      }
    }
    store<f32>(out + <usize>r * 4, <f32>acc);
  }
}

/** Task.ReduceRows over rows [lo, hi). Descriptor words: 1 rows, 2 op, 3 x, 4 n, 5 out. */
export function reduceRowsTask(d: usize, lo: i32, hi: i32): void {
  reduceRows(word(d, 2), addr(d, 3), word(d, 4), addr(d, 5), lo, hi);
}

/**
 * Reduces x [outer, n, inner] over n for flattened columns [c0, c1) of [outer, inner]. Sums walk
 * the rows in order with 16 columns at a time in f64x2 accumulators (bias gradients sum thousands of
 * rows of a wide matrix: a column-at-a-time walk would miss the cache on every load); each column is
 * still summed in row order in f64, exactly like the ref kernel.
 */
export function reduceCols(op: i32, x: usize, n: i32, inner: i32, out: usize, c0: i32, c1: i32): void {
  let c = c0;
  if (op == 0) {
    while (c < c1) {
      const o = c / inner, j = c % inner;
      if (j + 16 > inner || c + 16 > c1) break;
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
      let a4 = f64x2.splat(0), a5 = f64x2.splat(0), a6 = f64x2.splat(0), a7 = f64x2.splat(0);
      let p = x + (<usize>o * n * inner + j) * 4;
      const step = <usize>inner * 4;
      for (let r = 0; r < n; r++) {
        const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0)); a1 = f64x2.add(a1, f64x2.promote_low_f32x4(i32x4.shuffle(v0, v0, 2, 3, 0, 1)));
        a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1)); a3 = f64x2.add(a3, f64x2.promote_low_f32x4(i32x4.shuffle(v1, v1, 2, 3, 0, 1)));
        a4 = f64x2.add(a4, f64x2.promote_low_f32x4(v2)); a5 = f64x2.add(a5, f64x2.promote_low_f32x4(i32x4.shuffle(v2, v2, 2, 3, 0, 1)));
        a6 = f64x2.add(a6, f64x2.promote_low_f32x4(v3)); a7 = f64x2.add(a7, f64x2.promote_low_f32x4(i32x4.shuffle(v3, v3, 2, 3, 0, 1)));
        p += step;
      }
      const d = out + <usize>c * 4;
      v128.store64_lane(d, f32x4.demote_f64x2_zero(a0), 0); v128.store64_lane(d + 8, f32x4.demote_f64x2_zero(a1), 0);
      v128.store64_lane(d + 16, f32x4.demote_f64x2_zero(a2), 0); v128.store64_lane(d + 24, f32x4.demote_f64x2_zero(a3), 0);
      v128.store64_lane(d + 32, f32x4.demote_f64x2_zero(a4), 0); v128.store64_lane(d + 40, f32x4.demote_f64x2_zero(a5), 0);
      v128.store64_lane(d + 48, f32x4.demote_f64x2_zero(a6), 0); v128.store64_lane(d + 56, f32x4.demote_f64x2_zero(a7), 0);
      c += 16;
    }
  }
  for (; c < c1; c++) {
    const o = c / inner, j = c % inner;
    const base = x + (<usize>o * n * inner + j) * 4;
    let acc: f64 = op == 0 ? 0 : op == 1 ? -Infinity : Infinity;
    for (let r = 0; r < n; r++) {
      const v = <f64>load<f32>(base + <usize>r * inner * 4);
      if (op == 0) acc += v;
      else if (isNaN(v)) { acc = v; break; }
      else if (op == 1 ? v > acc : v < acc) acc = v;
    }
    store<f32>(out + <usize>c * 4, <f32>acc);
  }
}

/** Task.ReduceCols over columns [lo, hi). Descriptor words: 1 columns (outer × inner), 2 op, 3 x, 4 n, 5 inner, 6 out. */
export function reduceColsTask(d: usize, lo: i32, hi: i32): void {
  reduceCols(word(d, 2), addr(d, 3), word(d, 4), word(d, 5), addr(d, 6), lo, hi);
}

/** Softmax (or log-softmax) of rows [r0, r1) of x [rows, n]. */
export function softmaxRows(x: usize, n: i32, log: bool, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = x + <usize>r * n * 4;
    const orow = out + <usize>r * n * 4;
    let m: f64 = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, <f64>load<f32>(row + <usize>j * 4));
    if (m == -Infinity) m = 0;
    let s: f64 = 0;
    for (let j = 0; j < n; j++) s += Math.exp(<f64>load<f32>(row + <usize>j * 4) - m);
    const ls = Math.log(s);
    for (let j = 0; j < n; j++) {
      const z = <f64>load<f32>(row + <usize>j * 4) - m;
      store<f32>(orow + <usize>j * 4, <f32>(log ? z - ls : Math.exp(z) / s));
    }
  }
}

/** Task.Softmax over rows [lo, hi). Descriptor words: 1 rows, 2 x, 3 n, 4 log, 5 out. */
export function softmaxTask(d: usize, lo: i32, hi: i32): void {
  softmaxRows(addr(d, 2), word(d, 3), flag(d, 4), addr(d, 5), lo, hi);
}

/** LayerNorm (rms = false) or RMSNorm (rms = true) forward of rows [r0, r1). w/b may be 0. */
export function normRows(rms: bool, x: usize, n: i32, eps: f64, w: usize, b: usize, out: usize, mean: usize, rstd: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = x + <usize>r * n * 4;
    const orow = out + <usize>r * n * 4;
    let m: f64 = 0;
    let inv: f64;
    if (rms) {
      let s: f64 = 0;
      for (let j = 0; j < n; j++) { const v = <f64>load<f32>(row + <usize>j * 4); s += v * v; }
      inv = 1 / Math.sqrt(s / n + eps);
    } else {
      let s: f64 = 0;
      for (let j = 0; j < n; j++) s += <f64>load<f32>(row + <usize>j * 4);
      m = s / n;
      let v: f64 = 0;
      for (let j = 0; j < n; j++) { const d = <f64>load<f32>(row + <usize>j * 4) - m; v += d * d; }
      inv = 1 / Math.sqrt(v / n + eps);
      store<f32>(mean + <usize>r * 4, <f32>m);
    }
    store<f32>(rstd + <usize>r * 4, <f32>inv);
    for (let j = 0; j < n; j++) {
      let h = (<f64>load<f32>(row + <usize>j * 4) - m) * inv;
      if (w) h *= <f64>load<f32>(w + <usize>j * 4);
      if (b) h += <f64>load<f32>(b + <usize>j * 4);
      store<f32>(orow + <usize>j * 4, <f32>h);
    }
  }
}

/**
 * Task.Norm over rows [lo, hi). Descriptor words: 1 rows, 2 rms, 3 x, 4 n, 5 unused, 6-7 eps (f64),
 * 8 weight, 9 bias, 10 out, 11 mean, 12 rstd.
 */
export function normTask(d: usize, lo: i32, hi: i32): void {
  normRows(flag(d, 2), addr(d, 3), word(d, 4), double(d, 6), addr(d, 8), addr(d, 9), addr(d, 10), addr(d, 11), addr(d, 12), lo, hi);
}

/**
 * dx of LayerNorm / RMSNorm for rows [r0, r1), from the saved mean (LayerNorm) and 1/std, read
 * back as f32 exactly as the ref backend stores them.
 */
export function normBackwardRows(rms: bool, x: usize, n: i32, w: usize, dy: usize, mean: usize, rstd: usize, dx: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = x + <usize>r * n * 4;
    const drow = dy + <usize>r * n * 4;
    const xrow = dx + <usize>r * n * 4;
    const m: f64 = rms ? 0 : <f64>load<f32>(mean + <usize>r * 4);
    const inv = <f64>load<f32>(rstd + <usize>r * 4);
    if (rms) {
      let sgx: f64 = 0;
      for (let j = 0; j < n; j++) {
        const g = <f64>load<f32>(drow + <usize>j * 4) * (w ? <f64>load<f32>(w + <usize>j * 4) : 1);
        sgx += g * <f64>load<f32>(row + <usize>j * 4);
      }
      const c = (inv * inv * sgx) / n;
      for (let j = 0; j < n; j++) {
        const g = <f64>load<f32>(drow + <usize>j * 4) * (w ? <f64>load<f32>(w + <usize>j * 4) : 1);
        store<f32>(xrow + <usize>j * 4, <f32>(inv * (g - <f64>load<f32>(row + <usize>j * 4) * c)));
      }
    } else {
      let sg: f64 = 0, sgx: f64 = 0;
      for (let j = 0; j < n; j++) {
        const h = (<f64>load<f32>(row + <usize>j * 4) - m) * inv;
        const g = <f64>load<f32>(drow + <usize>j * 4) * (w ? <f64>load<f32>(w + <usize>j * 4) : 1);
        sg += g;
        sgx += g * h;
      }
      sg /= n;
      sgx /= n;
      for (let j = 0; j < n; j++) {
        const h = (<f64>load<f32>(row + <usize>j * 4) - m) * inv;
        const g = <f64>load<f32>(drow + <usize>j * 4) * (w ? <f64>load<f32>(w + <usize>j * 4) : 1);
        store<f32>(xrow + <usize>j * 4, <f32>(inv * (g - sg - h * sgx)));
      }
    }
  }
}

/** Task.NormBackRows over rows [lo, hi). Descriptor words: 1 rows, 2 rms, 3 x, 4 n, 5 weight, 6 dy, 7 mean, 8 rstd, 9 dx. */
export function normBackRowsTask(d: usize, lo: i32, hi: i32): void {
  normBackwardRows(flag(d, 2), addr(d, 3), word(d, 4), addr(d, 5), addr(d, 6), addr(d, 7), addr(d, 8), addr(d, 9), lo, hi);
}

/** dw (and db) of LayerNorm / RMSNorm for feature columns [c0, c1), summing over all rows in order. */
export function normBackwardCols(rms: bool, x: usize, rows: i32, n: i32, dy: usize, mean: usize, rstd: usize, dw: usize, db: usize, c0: i32, c1: i32): void {
  for (let j = c0; j < c1; j++) {
    let sw: f64 = 0, sb: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const at = (<usize>r * n + j) * 4;
      const d = <f64>load<f32>(dy + at);
      const m: f64 = rms ? 0 : <f64>load<f32>(mean + <usize>r * 4);
      sw += d * (<f64>load<f32>(x + at) - m) * <f64>load<f32>(rstd + <usize>r * 4);
      sb += d;
    }
    if (dw) store<f32>(dw + <usize>j * 4, <f32>sw);
    if (db) store<f32>(db + <usize>j * 4, <f32>sb);
  }
}

/**
 * Task.NormBackCols over feature columns [lo, hi). Descriptor words: 1 n (columns), 2 rms, 3 x,
 * 4 rows, 5 n, 6 dy, 7 mean, 8 rstd, 9 dw, 10 db.
 */
export function normBackColsTask(d: usize, lo: i32, hi: i32): void {
  normBackwardCols(flag(d, 2), addr(d, 3), word(d, 4), word(d, 5), addr(d, 6), addr(d, 7), addr(d, 8), addr(d, 9), addr(d, 10), lo, hi);
}
