import type { Buffer, DeltaRuleArgs } from '../types.js';
import { arr } from './buffer.js';

/**
 * Reference delta rule forward (float64 arithmetic, any float buffers), lane by lane: with P the
 * decayed previous state α S_{t-1}, each row i of S_t is P_i + β (v_i − P_i·k) k, so a step needs
 * one dot product and one axpy per row, then o_i = S_{t,i}·q.
 */
export function deltaRuleForwardRef(x: DeltaRuleArgs, oBuf: Buffer, statesBuf: Buffer | null, sFinalBuf: Buffer): void {
  const { BH, T, dk, dv } = x;
  const q = arr(x.q), k = arr(x.k), v = arr(x.v), beta = arr(x.beta), g = x.g ? arr(x.g) : null, s0 = x.s0 ? arr(x.s0) : null;
  const o = arr(oBuf), states = statesBuf ? arr(statesBuf) : null, sFinal = arr(sFinalBuf);
  const n = dv * dk;
  const S = new Float64Array(n);
  for (let l = 0; l < BH; l++) {
    if (s0) for (let e = 0; e < n; e++) S[e] = s0[l * n + e]!;
    else S.fill(0);
    for (let t = 0; t < T; t++) {
      const lt = l * T + t;
      const a = g ? Math.exp(g[lt]!) : 1, b = beta[lt]!;
      const kb = lt * dk, vb = lt * dv;
      for (let i = 0; i < dv; i++) {
        const r = i * dk;
        let sk = 0;
        for (let j = 0; j < dk; j++) sk += S[r + j]! * k[kb + j]!;
        const c = b * (v[vb + i]! - a * sk);
        let oi = 0;
        for (let j = 0; j < dk; j++) {
          const s = a * S[r + j]! + c * k[kb + j]!;
          S[r + j] = s;
          oi += s * q[kb + j]!;
        }
        o[vb + i] = oi;
      }
      if (states) for (let e = 0; e < n; e++) states[lt * n + e] = S[e]!;
    }
    for (let e = 0; e < n; e++) sFinal[l * n + e] = S[e]!;
  }
}

/**
 * Reference delta rule backward from the stored states, t = T-1..0 per lane, with dS the running
 * cotangent of S_t, P = α S_{t-1}, u = v − P k, w = dS k (after adding do qᵀ):
 *   dS += do qᵀ;  dq = S_tᵀ do;  dβ = u·w;  dv = β w;  dk = β (dSᵀ u − Pᵀ w);
 *   dP = dS − β w kᵀ;  dα = Σ dP ⊙ S_{t-1};  dg = α dα;  dS ← α dP  (dS0 after the first step).
 */
export function deltaRuleBackwardRef(x: DeltaRuleArgs, statesBuf: Buffer, dOBuf: Buffer, dSFinalBuf: Buffer | null,
  dqBuf: Buffer, dkBuf: Buffer, dvBuf: Buffer, dbetaBuf: Buffer, dgBuf: Buffer | null, dS0Buf: Buffer | null): void {
  const { BH, T, dk, dv } = x;
  const q = arr(x.q), k = arr(x.k), v = arr(x.v), beta = arr(x.beta), g = x.g ? arr(x.g) : null, s0 = x.s0 ? arr(x.s0) : null;
  const states = arr(statesBuf), dO = arr(dOBuf), dSFinal = dSFinalBuf ? arr(dSFinalBuf) : null;
  const dq = arr(dqBuf), dkO = arr(dkBuf), dvO = arr(dvBuf), dbeta = arr(dbetaBuf), dg = dgBuf ? arr(dgBuf) : null;
  const dS0 = dS0Buf ? arr(dS0Buf) : null;
  const n = dv * dk;
  const dS = new Float64Array(n), w = new Float64Array(dv), u = new Float64Array(dv);
  const aq = new Float64Array(dk), ak = new Float64Array(dk);
  for (let l = 0; l < BH; l++) {
    if (dSFinal) for (let e = 0; e < n; e++) dS[e] = dSFinal[l * n + e]!;
    else dS.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const lt = l * T + t;
      const a = g ? Math.exp(g[lt]!) : 1, b = beta[lt]!;
      const kb = lt * dk, vb = lt * dv, sb = lt * n;
      // S_{t-1}: the previous stored state, s0, or zeros
      const prev = t > 0 ? states : s0;
      const pb = t > 0 ? sb - n : l * n;
      aq.fill(0);
      ak.fill(0);
      let dsd = 0, db = 0, wsk = 0;
      for (let i = 0; i < dv; i++) {
        const r = i * dk, doi = dO[vb + i]!;
        let wi = 0, sk = 0;
        for (let j = 0; j < dk; j++) {
          const d = dS[r + j]! + doi * q[kb + j]!;
          dS[r + j] = d;
          aq[j]! += doi * states[sb + r + j]!;
          wi += d * k[kb + j]!;
          if (prev) {
            const p = prev[pb + r + j]!;
            sk += p * k[kb + j]!;
            dsd += d * p;
          }
        }
        const ui = v[vb + i]! - a * sk;
        w[i] = wi;
        u[i] = ui;
        db += ui * wi;
        wsk += wi * sk;
        dvO[vb + i] = b * wi;
      }
      for (let i = 0; i < dv; i++) {
        const r = i * dk, wi = w[i]!, cu = b * u[i]!, cp = b * a * wi;
        for (let j = 0; j < dk; j++) {
          const d = dS[r + j]!;
          ak[j]! += cu * d - (prev ? cp * prev[pb + r + j]! : 0);
          dS[r + j] = a * (d - b * wi * k[kb + j]!);
        }
      }
      for (let j = 0; j < dk; j++) {
        dq[kb + j] = aq[j]!;
        dkO[kb + j] = ak[j]!;
      }
      dbeta[lt] = db;
      if (dg) dg[lt] = a * (dsd - b * wsk);
    }
    if (dS0) for (let e = 0; e < n; e++) dS0[l * n + e] = dS[e]!;
  }
}
