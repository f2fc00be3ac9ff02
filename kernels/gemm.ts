// Packed SIMD GEMM: C[m, n] (+)= op(A)[m, k] @ op(B)[k, n], all row-major f32.
// BLIS-style: B is packed into KC x NR micro-panels, A into MR x KC micro-panels, and a 4 x 8
// register-blocked micro-kernel (8 v128 accumulators) runs over them. Edges are zero-padded in the
// packs, so every element of C is summed in the same order whatever the tile or thread split:
// results do not depend on the thread count.
import { addr, flag, word } from './descriptor';
import { hsum } from './simd';

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 64;
export const NC: i32 = 2048;
export const DIRECT_B_MAX_M: i32 = 16;

/** Scratch bytes each thread needs for packing (A block + edge tile + B panel). */
export const GEMM_SCRATCH: i32 = (MC * KC + MR * NR + KC * NC) * 4;

// Packs op(B)[k0:k0+kc, j0:j0+nc] as ceil(nc/NR) panels of [kc][NR], zero padded.
// transB: B is stored [n, k] (ldb = k), else [k, n] (ldb = n).
function packB(b: usize, ldb: i32, transB: bool, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jp = 0; jp < nc; jp += NR) {
    const w = min(NR, nc - jp);
    const panel = dst + <usize>(jp * kc) * 4;
    for (let p = 0; p < kc; p++) {
      const row = panel + <usize>(p * NR) * 4;
      if (!transB && w == NR) {
        const src = b + (<usize>(k0 + p) * ldb + j0 + jp) * 4;
        v128.store(row, v128.load(src));
        v128.store(row + 16, v128.load(src + 16));
      } else {
        for (let j = 0; j < NR; j++) {
          let v: f32 = 0;
          if (j < w) {
            const col = j0 + jp + j;
            v = transB ? load<f32>(b + (<usize>col * ldb + k0 + p) * 4) : load<f32>(b + (<usize>(k0 + p) * ldb + col) * 4);
          }
          store<f32>(row + <usize>j * 4, v);
        }
      }
    }
  }
}

// Packs op(A)[i0:i0+mc, k0:k0+kc] as ceil(mc/MR) panels of [kc][MR], zero padded.
// transA: A is stored [k, m] (lda = m), else [m, k] (lda = k).
function packA(a: usize, lda: i32, transA: bool, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  for (let ip = 0; ip < mc; ip += MR) {
    const h = min(MR, mc - ip);
    const panel = dst + <usize>(ip * kc) * 4;
    for (let p = 0; p < kc; p++) {
      const row = panel + <usize>(p * MR) * 4;
      if (transA && h == MR) {
        v128.store(row, v128.load(a + (<usize>(k0 + p) * lda + i0 + ip) * 4));
      } else {
        for (let i = 0; i < MR; i++) {
          let v: f32 = 0;
          if (i < h) {
            const r = i0 + ip + i;
            v = transA ? load<f32>(a + (<usize>(k0 + p) * lda + r) * 4) : load<f32>(a + (<usize>r * lda + k0 + p) * 4);
          }
          store<f32>(row + <usize>i * 4, v);
        }
      }
    }
  }
}

// 4 x 8 micro-kernel over packed panels. Adds the tile product into C (first k-block overwrites
// unless `accumulate`), writing only the h x w valid corner.
// @ts-ignore: decorator
@inline
function micro(pa: usize, pb: usize, bstride: usize, kc: i32, c: usize, ldc: i32, h: i32, w: i32, add: bool, t: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // Bounded by the A pointer (no separate counter: one less instruction per iteration).
  const end = pa + <usize>kc * 16;
  while (pa < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 16;
    pb += bstride;
  }
  if (h == MR && w == NR) {
    const r0 = c, r1 = c + <usize>ldc * 4, r2 = c + <usize>ldc * 8, r3 = c + <usize>ldc * 12;
    if (add) {
      c00 = f32x4.add(c00, v128.load(r0)); c01 = f32x4.add(c01, v128.load(r0, 16));
      c10 = f32x4.add(c10, v128.load(r1)); c11 = f32x4.add(c11, v128.load(r1, 16));
      c20 = f32x4.add(c20, v128.load(r2)); c21 = f32x4.add(c21, v128.load(r2, 16));
      c30 = f32x4.add(c30, v128.load(r3)); c31 = f32x4.add(c31, v128.load(r3, 16));
    }
    v128.store(r0, c00); v128.store(r0, c01, 16);
    v128.store(r1, c10); v128.store(r1, c11, 16);
    v128.store(r2, c20); v128.store(r2, c21, 16);
    v128.store(r3, c30); v128.store(r3, c31, 16);
    return;
  }
  // Edge tile: spill to the thread's scratch tile, then copy the valid corner.
  v128.store(t, c00); v128.store(t, c01, 16);
  v128.store(t, c10, 32); v128.store(t, c11, 48);
  v128.store(t, c20, 64); v128.store(t, c21, 80);
  v128.store(t, c30, 96); v128.store(t, c31, 112);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const dst = c + (<usize>i * ldc + j) * 4;
      const v = load<f32>(t + <usize>(i * NR + j) * 4);
      store<f32>(dst, add ? load<f32>(dst) + v : v);
    }
  }
}

/**
 * One thread's share of a GEMM: the columns [n0, n1) of C (n0 a multiple of NR). `scratch` holds
 * GEMM_SCRATCH private bytes: the packed A block, the edge tile, then the packed B panel.
 */
export function gemmCols(
  a: usize, b: usize, c: usize, m: i32, n: i32, k: i32,
  transA: bool, transB: bool, accumulate: bool,
  n0: i32, n1: i32, scratch: usize, prepacked: usize,
): void {
  if (n1 <= n0 || m <= 0) return;
  if (k == 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + (<usize>i * n + n0) * 4, 0, <usize>(n1 - n0) * 4);
    return;
  }
  if (m < MR && prepacked == 0) {
    gemvRows(a, b, c, m, n, k, transA, transB, accumulate, n0, n1);
    return;
  }
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const packABuf = scratch;
  const tile = scratch + <usize>(MC * KC) * 4;
  const packBBuf = tile + <usize>(MR * NR) * 4;
  // Packing B pays off only when its panels are reused across many rows of A.
  const directB = prepacked == 0 && !transB && m <= DIRECT_B_MAX_M;
  const npad = (n + NR - 1) / NR * NR;
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = min(NC, n1 - jc);
    for (let k0 = 0; k0 < k; k0 += KC) {
      const kc = min(KC, k - k0);
      const add = accumulate || k0 > 0;
      if (prepacked != 0) { /* panels already laid out by packFull */ }
      else if (!directB) packB(b, ldb, transB, k0, kc, jc, nc, packBBuf);
      else if (nc % NR != 0) packB(b, ldb, transB, k0, kc, jc + nc - nc % NR, nc % NR, packBBuf + <usize>((nc - nc % NR) * kc) * 4);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packA(a, lda, transA, i0, mc, k0, kc, packABuf);
        for (let jp = 0; jp < nc; jp += NR) {
          const w = min(NR, nc - jp);
          // Few rows of A: read full-width row-major B tiles in place instead of packing them.
          const direct = directB && w == NR;
          const pb = prepacked != 0 ? prepacked + (<usize>k0 * npad + <usize>(jc + jp) * kc) * 4
            : direct ? b + (<usize>k0 * n + jc + jp) * 4 : packBBuf + <usize>(jp * kc) * 4;
          const bstride: usize = direct ? <usize>n * 4 : <usize>NR * 4;
          for (let ip = 0; ip < mc; ip += MR) {
            const h = min(MR, mc - ip);
            micro(packABuf + <usize>(ip * kc) * 4, pb, bstride, kc, c + (<usize>(i0 + ip) * n + jc + jp) * 4, n, h, w, add, tile);
          }
        }
      }
    }
  }
}

// Few rows (streaming steps, batch 1-3): no packing. For row-major B the inner loop walks B rows
// with 4 vector accumulators; for transposed B (Linear's weight) each output is a SIMD dot product.
function gemvRows(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32,
  transA: bool, transB: bool, accumulate: bool, n0: i32, n1: i32): void {
  for (let i = 0; i < m; i++) {
    const arow = a + (transA ? <usize>i * 4 : <usize>i * k * 4);
    const astep: usize = transA ? <usize>m * 4 : 4;
    const crow = c + <usize>i * n * 4;
    if (!transB) {
      let j = n0;
      for (; j + 16 <= n1; j += 16) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let pa = arow;
        let pb = b + <usize>j * 4;
        for (let p = 0; p < k; p++) {
          const av = v128.load32_splat(pa);
          s0 = f32x4.add(s0, f32x4.mul(av, v128.load(pb)));
          s1 = f32x4.add(s1, f32x4.mul(av, v128.load(pb, 16)));
          s2 = f32x4.add(s2, f32x4.mul(av, v128.load(pb, 32)));
          s3 = f32x4.add(s3, f32x4.mul(av, v128.load(pb, 48)));
          pa += astep;
          pb += <usize>n * 4;
        }
        const dst = crow + <usize>j * 4;
        if (accumulate) {
          s0 = f32x4.add(s0, v128.load(dst)); s1 = f32x4.add(s1, v128.load(dst, 16));
          s2 = f32x4.add(s2, v128.load(dst, 32)); s3 = f32x4.add(s3, v128.load(dst, 48));
        }
        v128.store(dst, s0); v128.store(dst, s1, 16); v128.store(dst, s2, 32); v128.store(dst, s3, 48);
      }
      for (; j < n1; j++) {
        let s: f32 = 0;
        for (let p = 0; p < k; p++) s += load<f32>(arow + <usize>p * astep) * load<f32>(b + (<usize>p * n + j) * 4);
        const dst = crow + <usize>j * 4;
        store<f32>(dst, accumulate ? load<f32>(dst) + s : s);
      }
    } else {
      let j0 = n0;
      if (!transA) {
        // Four outputs at a time: four independent accumulator chains hide the add latency.
        for (; j0 + 4 <= n1; j0 += 4) {
          const b0 = b + <usize>j0 * k * 4, b1 = b0 + <usize>k * 4, b2 = b1 + <usize>k * 4, b3 = b2 + <usize>k * 4;
          let v0 = f32x4.splat(0), v1 = f32x4.splat(0), v2 = f32x4.splat(0), v3 = f32x4.splat(0);
          let p = 0;
          for (; p + 4 <= k; p += 4) {
            const o = <usize>p * 4;
            const av = v128.load(arow + o);
            v0 = f32x4.add(v0, f32x4.mul(av, v128.load(b0 + o)));
            v1 = f32x4.add(v1, f32x4.mul(av, v128.load(b1 + o)));
            v2 = f32x4.add(v2, f32x4.mul(av, v128.load(b2 + o)));
            v3 = f32x4.add(v3, f32x4.mul(av, v128.load(b3 + o)));
          }
          let s0 = hsum(v0), s1 = hsum(v1), s2 = hsum(v2), s3 = hsum(v3);
          for (; p < k; p++) {
            const av = load<f32>(arow + <usize>p * 4);
            s0 += av * load<f32>(b0 + <usize>p * 4); s1 += av * load<f32>(b1 + <usize>p * 4);
            s2 += av * load<f32>(b2 + <usize>p * 4); s3 += av * load<f32>(b3 + <usize>p * 4);
          }
          const dst = crow + <usize>j0 * 4;
          if (accumulate) { s0 += load<f32>(dst); s1 += load<f32>(dst, 4); s2 += load<f32>(dst, 8); s3 += load<f32>(dst, 12); }
          store<f32>(dst, s0); store<f32>(dst, s1, 4); store<f32>(dst, s2, 8); store<f32>(dst, s3, 12);
        }
      }
      for (let j = j0; j < n1; j++) {
        const brow = b + <usize>j * k * 4;
        let s: f32;
        if (!transA) {
          let v = f32x4.splat(0);
          let p = 0;
          for (; p + 4 <= k; p += 4) v = f32x4.add(v, f32x4.mul(v128.load(arow + <usize>p * 4), v128.load(brow + <usize>p * 4)));
          s = hsum(v);
          for (; p < k; p++) s += load<f32>(arow + <usize>p * 4) * load<f32>(brow + <usize>p * 4);
        } else {
          s = 0;
          for (let p = 0; p < k; p++) s += load<f32>(arow + <usize>p * astep) * load<f32>(brow + <usize>p * 4);
        }
        const dst = crow + <usize>j * 4;
        store<f32>(dst, accumulate ? load<f32>(dst) + s : s);
      }
    }
  }
}

/**
 * Task.Gemm, the threaded batched GEMM. Descriptor words: 1 a, 2 b, 3 c, 4 batch, 5 m, 6 n, 7 k,
 * 8 transA, 9 transB, 10 accumulate, 11 aBatchStride, 12 bBatchStride (elements), 13 scratch base
 * (GEMM_SCRATCH bytes per thread), 14 B packed by packFull (0: pack per call). Unlike the other
 * tasks it splits its own work: with at least as many batches as threads, threads take whole
 * batches; otherwise each batch's columns are split in NR-aligned blocks. Either way each element
 * of C is computed by exactly one thread, in the same order, so the result does not depend on the
 * thread count.
 */
export function gemmTask(d: usize, tid: i32, nth: i32): void {
  const a = addr(d, 1), b = addr(d, 2), c = addr(d, 3);
  const batch = word(d, 4), m = word(d, 5), n = word(d, 6), k = word(d, 7);
  const transA = flag(d, 8), transB = flag(d, 9), acc = flag(d, 10);
  const sa = word(d, 11), sb = word(d, 12);
  const scratch = addr(d, 13) + <usize>tid * GEMM_SCRATCH;
  const prepacked = addr(d, 14);
  const cs = <usize>m * n * 4;
  if (batch >= nth) {
    for (let bi = tid; bi < batch; bi += nth) {
      gemmCols(a + <usize>bi * sa * 4, b + <usize>bi * sb * 4, c + <usize>bi * cs, m, n, k, transA, transB, acc, 0, n, scratch, prepacked);
    }
    return;
  }
  const tiles = (n + NR - 1) / NR;
  const t0 = (tiles * tid) / nth, t1 = (tiles * (tid + 1)) / nth;
  const n0 = t0 * NR, n1 = min(n, t1 * NR);
  for (let bi = 0; bi < batch; bi++) {
    gemmCols(a + <usize>bi * sa * 4, b + <usize>bi * sb * 4, c + <usize>bi * cs, m, n, k, transA, transB, acc, n0, n1, scratch, prepacked);
  }
}

/** Bytes `packFull` needs for op(B) [k, n]. */
export function packedBytes(k: i32, n: i32): i32 {
  return k * ((n + NR - 1) / NR * NR) * 4;
}

/**
 * Packs all of op(B) [k, n] once into the panel layout gemmCols reads (per KC block of rows, all
 * NR-column panels), so a matrix used by many GEMMs (a recurrent weight, once per time step) is
 * packed once per sequence instead of once per step.
 */
export function packFull(b: usize, k: i32, n: i32, transB: bool, dst: usize): void {
  const ldb = transB ? k : n;
  const npad = (n + NR - 1) / NR * NR;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    packB(b, ldb, transB, k0, kc, 0, n, dst + <usize>k0 * npad * 4);
  }
}
