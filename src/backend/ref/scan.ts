import type { Block2ScanArgs, Buffer, LinearScanArgs } from '../types.js';
import { arr } from './buffer.js';

/** Reference linear recurrence h_t = a_t h_{t-1} + b_t (float64 arithmetic per element). */
export function linearScanRef(x: LinearScanArgs, hBuf: Buffer): void {
  const { T, N, reverse } = x;
  const a = arr(x.a), b = arr(x.b), h = arr(hBuf), h0 = x.h0 ? arr(x.h0) : null;
  for (let n = 0; n < N; n++) {
    let prev = h0 ? h0[n]! : 0;
    for (let q = 0; q < T; q++) {
      const t = reverse ? T - 1 - q : q;
      const i = t * N + n;
      prev = a[i]! * prev + b[i]!;
      h[i] = prev;
    }
  }
}

/** Reference backward of `linearScanRef`: a reverse-order recurrence for the state cotangent. */
export function linearScanBackwardRef(x: LinearScanArgs, hBuf: Buffer, dhBuf: Buffer, daBuf: Buffer, dbBuf: Buffer, dh0Buf: Buffer | null): void {
  const { T, N, reverse } = x;
  const a = arr(x.a), h = arr(hBuf), dh = arr(dhBuf), da = arr(daBuf), db = arr(dbBuf);
  const h0 = x.h0 ? arr(x.h0) : null, dh0 = dh0Buf ? arr(dh0Buf) : null;
  for (let n = 0; n < N; n++) {
    // Walk the scan order backwards: g carries a_{next} * g_{next}.
    let carry = 0;
    for (let q = T - 1; q >= 0; q--) {
      const t = reverse ? T - 1 - q : q;
      const i = t * N + n;
      const g = dh[i]! + carry;
      db[i] = g;
      const prevT = reverse ? t + 1 : t - 1;
      const hp = q === 0 ? (h0 ? h0[n]! : 0) : h[prevT * N + n]!;
      da[i] = g * hp;
      carry = a[i]! * g;
    }
    if (dh0) dh0[n] = carry;
  }
}

/** Reference 2×2 block recurrence (float64 arithmetic per lane). */
export function block2ScanRef(x: Block2ScanArgs, x1Buf: Buffer, x2Buf: Buffer): void {
  const { T, N, transposeNext } = x;
  const a = arr(x.m11), b = arr(x.m12), c = arr(x.m21), d = arr(x.m22), p = arr(x.r1), q = arr(x.r2);
  const x1 = arr(x1Buf), x2 = arr(x2Buf);
  for (let n = 0; n < N; n++) {
    let s1 = 0, s2 = 0;
    for (let i = 0; i < T; i++) {
      const t = transposeNext ? T - 1 - i : i;
      const k = t * N + n;
      let n1: number, n2: number;
      if (transposeNext) {
        // Mᵀ of the next step: [[m11, m21], [m12, m22]]
        const j = k + N;
        n1 = t + 1 < T ? a[j]! * s1 + c[j]! * s2 : 0;
        n2 = t + 1 < T ? b[j]! * s1 + d[j]! * s2 : 0;
      } else {
        n1 = a[k]! * s1 + b[k]! * s2;
        n2 = c[k]! * s1 + d[k]! * s2;
      }
      s1 = n1 + p[k]!;
      s2 = n2 + q[k]!;
      x1[k] = s1;
      x2[k] = s2;
    }
  }
}
