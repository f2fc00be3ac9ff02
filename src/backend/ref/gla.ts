import type { Buffer, GLAArgs } from '../types.js';
import { arr } from './buffer.js';

/**
 * Reference gated linear attention forward (float64 arithmetic, any float buffers), lane by lane:
 * each row i of S_t is a_i S_{t-1,i} + k_i v (a_i = exp(g_t[i]) for the vector gate, exp(g_t) for
 * all rows with the scalar gate), and o = Σ_i q_i S_{t,i}.
 */
export function glaForwardRef(x: GLAArgs, oBuf: Buffer, statesBuf: Buffer | null, sFinalBuf: Buffer): void {
  const { BH, T, dk, dv, vectorGate } = x;
  const q = arr(x.q), k = arr(x.k), v = arr(x.v), g = arr(x.g), s0 = x.s0 ? arr(x.s0) : null;
  const o = arr(oBuf), states = statesBuf ? arr(statesBuf) : null, sFinal = arr(sFinalBuf);
  const n = dk * dv;
  const S = new Float64Array(n), acc = new Float64Array(dv);
  for (let l = 0; l < BH; l++) {
    if (s0) for (let e = 0; e < n; e++) S[e] = s0[l * n + e]!;
    else S.fill(0);
    for (let t = 0; t < T; t++) {
      const lt = l * T + t;
      const kb = lt * dk, vb = lt * dv;
      const aAll = vectorGate ? 0 : Math.exp(g[lt]!);
      acc.fill(0);
      for (let i = 0; i < dk; i++) {
        const r = i * dv, a = vectorGate ? Math.exp(g[kb + i]!) : aAll, ki = k[kb + i]!, qi = q[kb + i]!;
        for (let j = 0; j < dv; j++) {
          const s = a * S[r + j]! + ki * v[vb + j]!;
          S[r + j] = s;
          acc[j]! += qi * s;
        }
      }
      for (let j = 0; j < dv; j++) o[vb + j] = acc[j]!;
      if (states) for (let e = 0; e < n; e++) states[lt * n + e] = S[e]!;
    }
    for (let e = 0; e < n; e++) sFinal[l * n + e] = S[e]!;
  }
}

/**
 * Reference gated linear attention backward from the stored states, t = T-1..0 per lane, with dS
 * the running cotangent of S_t (from dSFinal, or zeros):
 *   dS += q doᵀ;  dq = S_t do;  dk = dS v;  dv = dSᵀ k;
 *   dg_i = a_i Σ_j dS_ij S_{t-1,ij} (vector gate) or dg = a Σ dS ⊙ S_{t-1} (scalar);
 *   dS ← a ⊙ dS (rows, or all of it)  (dS0 after the first step).
 */
export function glaBackwardRef(x: GLAArgs, statesBuf: Buffer, dOBuf: Buffer, dSFinalBuf: Buffer | null,
  dqBuf: Buffer, dkBuf: Buffer, dvBuf: Buffer, dgBuf: Buffer | null, dS0Buf: Buffer | null): void {
  const { BH, T, dk, dv, vectorGate } = x;
  const q = arr(x.q), k = arr(x.k), v = arr(x.v), g = arr(x.g), s0 = x.s0 ? arr(x.s0) : null;
  const states = arr(statesBuf), dO = arr(dOBuf), dSFinal = dSFinalBuf ? arr(dSFinalBuf) : null;
  const dq = arr(dqBuf), dkO = arr(dkBuf), dvO = arr(dvBuf), dg = dgBuf ? arr(dgBuf) : null;
  const dS0 = dS0Buf ? arr(dS0Buf) : null;
  const n = dk * dv;
  const dS = new Float64Array(n), av = new Float64Array(dv);
  for (let l = 0; l < BH; l++) {
    if (dSFinal) for (let e = 0; e < n; e++) dS[e] = dSFinal[l * n + e]!;
    else dS.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const lt = l * T + t;
      const kb = lt * dk, vb = lt * dv, sb = lt * n;
      // S_{t-1}: the previous stored state, s0, or zeros
      const prev = t > 0 ? states : s0;
      const pb = t > 0 ? sb - n : l * n;
      const aAll = vectorGate ? 0 : Math.exp(g[lt]!);
      av.fill(0);
      let dsdAll = 0;
      for (let i = 0; i < dk; i++) {
        const r = i * dv, a = vectorGate ? Math.exp(g[kb + i]!) : aAll, qi = q[kb + i]!, ki = k[kb + i]!;
        let dqi = 0, dki = 0, dsd = 0;
        for (let j = 0; j < dv; j++) {
          const doj = dO[vb + j]!;
          const d = dS[r + j]! + qi * doj;
          dqi += states[sb + r + j]! * doj;
          dki += d * v[vb + j]!;
          av[j]! += ki * d;
          if (prev) dsd += d * prev[pb + r + j]!;
          dS[r + j] = a * d;
        }
        dq[kb + i] = dqi;
        dkO[kb + i] = dki;
        if (vectorGate) {
          if (dg) dg[kb + i] = a * dsd;
        } else dsdAll += dsd;
      }
      for (let j = 0; j < dv; j++) dvO[vb + j] = av[j]!;
      if (dg && !vectorGate) dg[lt] = aAll * dsdAll;
    }
    if (dS0) for (let e = 0; e < n; e++) dS0[l * n + e] = dS[e]!;
  }
}
