// Diagonal linear recurrence h_t = a_t * h_{t-1} + b_t over [T, N] (time major). Threads split the
// N independent lanes; each lane runs the whole sequence in order, so the result does not depend
// on the thread count. Lanes in groups of 4 use f32x4, the rest scalar. The tasks count (word 1)
// groups of 4 lanes, so that every thread's share of lanes starts SIMD-aligned.
import { addr, flag, word } from './descriptor';

/** Forward for lanes [n0, n1). */
export function linearScanCols(a: usize, b: usize, h0: usize, h: usize, T: i32, N: i32, reverse: bool, n0: i32, n1: i32): void {
  let n = n0;
  for (; n + 4 <= n1; n += 4) {
    let prev = h0 != 0 ? v128.load(h0 + <usize>n * 4) : f32x4.splat(0);
    for (let q = 0; q < T; q++) {
      const t = reverse ? T - 1 - q : q;
      const o = (<usize>t * N + n) * 4;
      prev = f32x4.add(f32x4.mul(v128.load(a + o), prev), v128.load(b + o));
      v128.store(h + o, prev);
    }
  }
  for (; n < n1; n++) {
    let prev: f32 = h0 != 0 ? load<f32>(h0 + <usize>n * 4) : 0;
    for (let q = 0; q < T; q++) {
      const t = reverse ? T - 1 - q : q;
      const o = (<usize>t * N + n) * 4;
      prev = load<f32>(a + o) * prev + load<f32>(b + o);
      store<f32>(h + o, prev);
    }
  }
}

/** Task.LinearScan over lane groups [lo, hi). Descriptor words: 1 ceil(N / 4), 2 a, 3 b, 4 h0, 5 h, 6 T, 7 N, 8 reverse. */
export function linearScanTask(d: usize, lo: i32, hi: i32): void {
  const N = word(d, 7);
  linearScanCols(addr(d, 2), addr(d, 3), addr(d, 4), addr(d, 5), word(d, 6), N, flag(d, 8), lo * 4, min(hi * 4, N));
}

/** Backward for lanes [n0, n1): db = g, da = g * h_prev, dh0 = a_first * g_first. */
export function linearScanBackCols(a: usize, h0: usize, h: usize, dh: usize, da: usize, db: usize, dh0: usize,
  T: i32, N: i32, reverse: bool, n0: i32, n1: i32): void {
  let n = n0;
  for (; n + 4 <= n1; n += 4) {
    let carry = f32x4.splat(0);
    for (let q = T - 1; q >= 0; q--) {
      const t = reverse ? T - 1 - q : q;
      const o = (<usize>t * N + n) * 4;
      const g = f32x4.add(v128.load(dh + o), carry);
      v128.store(db + o, g);
      const hp = q == 0 ? (h0 != 0 ? v128.load(h0 + <usize>n * 4) : f32x4.splat(0))
        : v128.load(h + (<usize>(reverse ? t + 1 : t - 1) * N + n) * 4);
      v128.store(da + o, f32x4.mul(g, hp));
      carry = f32x4.mul(v128.load(a + o), g);
    }
    if (dh0 != 0) v128.store(dh0 + <usize>n * 4, carry);
  }
  for (; n < n1; n++) {
    let carry: f32 = 0;
    for (let q = T - 1; q >= 0; q--) {
      const t = reverse ? T - 1 - q : q;
      const o = (<usize>t * N + n) * 4;
      const g = load<f32>(dh + o) + carry;
      store<f32>(db + o, g);
      const hp: f32 = q == 0 ? (h0 != 0 ? load<f32>(h0 + <usize>n * 4) : 0) : load<f32>(h + (<usize>(reverse ? t + 1 : t - 1) * N + n) * 4);
      store<f32>(da + o, g * hp);
      carry = load<f32>(a + o) * g;
    }
    if (dh0 != 0) store<f32>(dh0 + <usize>n * 4, carry);
  }
}

/**
 * Task.LinearScanBack over lane groups [lo, hi). Descriptor words: 1 ceil(N / 4), 2 a, 3 h0, 4 h,
 * 5 dh, 6 T, 7 N, 8 reverse, 9 da, 10 db, 11 dh0.
 */
export function linearScanBackTask(d: usize, lo: i32, hi: i32): void {
  const N = word(d, 7);
  linearScanBackCols(addr(d, 2), addr(d, 3), addr(d, 4), addr(d, 5), addr(d, 9), addr(d, 10), addr(d, 11), word(d, 6), N, flag(d, 8),
    lo * 4, min(hi * 4, N));
}

/** 2×2 block recurrence for lanes [n0, n1) (see Block2ScanArgs in src/backend/types.ts). */
export function block2ScanCols(m11: usize, m12: usize, m21: usize, m22: usize, r1: usize, r2: usize, x1: usize, x2: usize,
  T: i32, N: i32, transposeNext: bool, n0: i32, n1: i32): void {
  let n = n0;
  for (; n + 4 <= n1; n += 4) {
    let s1 = f32x4.splat(0), s2 = f32x4.splat(0);
    for (let i = 0; i < T; i++) {
      const t = transposeNext ? T - 1 - i : i;
      const o = (<usize>t * N + n) * 4;
      let u1 = f32x4.splat(0), u2 = f32x4.splat(0);
      if (transposeNext) {
        if (t + 1 < T) {
          const j = o + <usize>N * 4;
          u1 = f32x4.add(f32x4.mul(v128.load(m11 + j), s1), f32x4.mul(v128.load(m21 + j), s2));
          u2 = f32x4.add(f32x4.mul(v128.load(m12 + j), s1), f32x4.mul(v128.load(m22 + j), s2));
        }
      } else {
        u1 = f32x4.add(f32x4.mul(v128.load(m11 + o), s1), f32x4.mul(v128.load(m12 + o), s2));
        u2 = f32x4.add(f32x4.mul(v128.load(m21 + o), s1), f32x4.mul(v128.load(m22 + o), s2));
      }
      s1 = f32x4.add(u1, v128.load(r1 + o));
      s2 = f32x4.add(u2, v128.load(r2 + o));
      v128.store(x1 + o, s1);
      v128.store(x2 + o, s2);
    }
  }
  for (; n < n1; n++) {
    let s1: f32 = 0, s2: f32 = 0;
    for (let i = 0; i < T; i++) {
      const t = transposeNext ? T - 1 - i : i;
      const o = (<usize>t * N + n) * 4;
      let u1: f32 = 0, u2: f32 = 0;
      if (transposeNext) {
        if (t + 1 < T) {
          const j = o + <usize>N * 4;
          u1 = load<f32>(m11 + j) * s1 + load<f32>(m21 + j) * s2;
          u2 = load<f32>(m12 + j) * s1 + load<f32>(m22 + j) * s2;
        }
      } else {
        u1 = load<f32>(m11 + o) * s1 + load<f32>(m12 + o) * s2;
        u2 = load<f32>(m21 + o) * s1 + load<f32>(m22 + o) * s2;
      }
      s1 = u1 + load<f32>(r1 + o);
      s2 = u2 + load<f32>(r2 + o);
      store<f32>(x1 + o, s1);
      store<f32>(x2 + o, s2);
    }
  }
}

/**
 * Task.Block2Scan over lane groups [lo, hi). Descriptor words: 1 ceil(N / 4), 2-5 unused (T, N and
 * the flag stay where the linear scans have them), 6 T, 7 N, 8 transposeNext, 9 m11, 10 m12,
 * 11 m21, 12 m22, 13 r1, 14 r2, 15 x1, 16 x2.
 */
export function block2ScanTask(d: usize, lo: i32, hi: i32): void {
  const N = word(d, 7);
  block2ScanCols(addr(d, 9), addr(d, 10), addr(d, 11), addr(d, 12), addr(d, 13), addr(d, 14), addr(d, 15), addr(d, 16),
    word(d, 6), N, flag(d, 8), lo * 4, min(hi * 4, N));
}
