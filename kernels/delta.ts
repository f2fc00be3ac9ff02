// The (gated) delta rule, fused over the whole sequence (see DeltaRuleArgs in src/backend/types.ts
// and the reference src/backend/ref/delta.ts, which these follow to float32 rounding). Threads
// split the BH independent lanes; each lane runs its sequence in order, so results do not depend
// on the thread count. The state is [dv, dk] row-major: every inner loop runs along dk in f32x4
// with a scalar tail (rows need not be 16-byte aligned; wasm loads do not require it).
// Descriptor words (i32 at d): 0 kind, 1 BH, 2 T, 3 dk, 4 dv, 5 q, 6 k, 7 v, 8 beta, 9 g, 10 s0, then
//   forward: 11 o, 12 states (0: keep only the running state in sFinal), 13 sFinal;
//   backward: 11 states, 12 dO, 13 dSFinal, 14 dq, 15 dk, 16 dv, 17 dbeta, 18 dg, 19 dS workspace
//   [BH, dv, dk] (dS0 itself when wanted), 20 scratch [BH, 2, dv] (w and u per row).
// Pointers are byte addresses; 0 = absent.

import { addr, word } from './descriptor';
import { dot, hsum } from './simd';

/** Task.DeltaForward for lanes [lo, hi). */
export function deltaForwardTask(d: usize, lo: i32, hi: i32): void {
  const T = word(d, 2), dk = word(d, 3), dv = word(d, 4);
  const q = addr(d, 5), k = addr(d, 6), v = addr(d, 7), beta = addr(d, 8), g = addr(d, 9), s0 = addr(d, 10);
  const o = addr(d, 11), states = addr(d, 12), sFinal = addr(d, 13);
  const nB = <usize>dv * <usize>dk * 4, rowB = <usize>dk * 4;
  for (let l = lo; l < hi; l++) {
    const fin = sFinal + <usize>l * nB;
    let dst: usize = fin;
    for (let t = 0; t < T; t++) {
      const lt = <usize>l * <usize>T + <usize>t;
      const a: f32 = g != 0 ? <f32>Math.exp(<f64>load<f32>(g + lt * 4)) : 1;
      const b = load<f32>(beta + lt * 4);
      const kt = k + lt * rowB, qt = q + lt * rowB, vt = v + lt * <usize>dv * 4, ot = o + lt * <usize>dv * 4;
      const src: usize = t > 0 ? dst : (s0 != 0 ? s0 + <usize>l * nB : 0);
      dst = states != 0 ? states + lt * nB : fin;
      const av = f32x4.splat(a);
      for (let i = 0; i < dv; i++) {
        const dr = dst + <usize>i * rowB;
        const vi = load<f32>(vt + <usize>i * 4);
        let acc = f32x4.splat(0);
        let oi: f32 = 0;
        let j = 0;
        if (src != 0) {
          // row i of S_t = α S_{t-1,i} + β (v_i − α S_{t-1,i}·k) k (may overwrite its source in place)
          const sr = src + <usize>i * rowB;
          const c = b * (vi - a * dot(sr, kt, dk));
          const cv = f32x4.splat(c);
          for (; j + 4 <= dk; j += 4) {
            const jo = <usize>j * 4;
            const s = f32x4.add(f32x4.mul(av, v128.load(sr + jo)), f32x4.mul(cv, v128.load(kt + jo)));
            v128.store(dr + jo, s);
            acc = f32x4.add(acc, f32x4.mul(s, v128.load(qt + jo)));
          }
          oi = hsum(acc);
          for (; j < dk; j++) {
            const jo = <usize>j * 4;
            const s = a * load<f32>(sr + jo) + c * load<f32>(kt + jo);
            store<f32>(dr + jo, s);
            oi += s * load<f32>(qt + jo);
          }
        } else {
          const c = b * vi;
          const cv = f32x4.splat(c);
          for (; j + 4 <= dk; j += 4) {
            const jo = <usize>j * 4;
            const s = f32x4.mul(cv, v128.load(kt + jo));
            v128.store(dr + jo, s);
            acc = f32x4.add(acc, f32x4.mul(s, v128.load(qt + jo)));
          }
          oi = hsum(acc);
          for (; j < dk; j++) {
            const jo = <usize>j * 4;
            const s = c * load<f32>(kt + jo);
            store<f32>(dr + jo, s);
            oi += s * load<f32>(qt + jo);
          }
        }
        store<f32>(ot + <usize>i * 4, oi);
      }
    }
    if (T == 0) {
      if (s0 != 0) memory.copy(fin, s0 + <usize>l * nB, nB);
      else memory.fill(fin, 0, nB);
    } else if (states != 0) memory.copy(fin, dst, nB);
  }
}

/** Task.DeltaBackward for lanes [lo, hi) (the formulas are in src/backend/ref/delta.ts). */
export function deltaBackwardTask(d: usize, lo: i32, hi: i32): void {
  const T = word(d, 2), dk = word(d, 3), dv = word(d, 4);
  const q = addr(d, 5), k = addr(d, 6), v = addr(d, 7), beta = addr(d, 8), g = addr(d, 9), s0 = addr(d, 10);
  const states = addr(d, 11), dO = addr(d, 12), dSFinal = addr(d, 13), dq = addr(d, 14), dkO = addr(d, 15), dvO = addr(d, 16);
  const dbeta = addr(d, 17), dg = addr(d, 18), ws = addr(d, 19), scratch = addr(d, 20);
  const nB = <usize>dv * <usize>dk * 4, rowB = <usize>dk * 4;
  for (let l = lo; l < hi; l++) {
    const dS = ws + <usize>l * nB;
    if (dSFinal != 0) memory.copy(dS, dSFinal + <usize>l * nB, nB);
    else memory.fill(dS, 0, nB);
    const wv = scratch + <usize>l * <usize>dv * 8, uv = wv + <usize>dv * 4;
    for (let t = T - 1; t >= 0; t--) {
      const lt = <usize>l * <usize>T + <usize>t;
      const a: f32 = g != 0 ? <f32>Math.exp(<f64>load<f32>(g + lt * 4)) : 1;
      const b = load<f32>(beta + lt * 4);
      const kt = k + lt * rowB, qt = q + lt * rowB, vt = v + lt * <usize>dv * 4, dot_ = dO + lt * <usize>dv * 4;
      const St = states + lt * nB;
      const prev: usize = t > 0 ? St - nB : (s0 != 0 ? s0 + <usize>l * nB : 0);
      const dqt = dq + lt * rowB, dkt = dkO + lt * rowB;
      memory.fill(dqt, 0, rowB);
      memory.fill(dkt, 0, rowB);
      let dsdV = f32x4.splat(0);
      let dsd: f32 = 0, db: f32 = 0, wsk: f32 = 0;
      // pass 1 over rows: dS_i += do_i q; dq += do_i S_{t,i}; w_i = dS_i·k; S_{t-1,i}·k; Σ dS ⊙ S_{t-1}
      for (let i = 0; i < dv; i++) {
        const r = <usize>i * rowB;
        const doi = load<f32>(dot_ + <usize>i * 4);
        const dov = f32x4.splat(doi);
        let wA = f32x4.splat(0), skA = f32x4.splat(0);
        let wi: f32 = 0, sk: f32 = 0;
        let j = 0;
        if (prev != 0) {
          for (; j + 4 <= dk; j += 4) {
            const jo = <usize>j * 4;
            const kj = v128.load(kt + jo);
            const ds = f32x4.add(v128.load(dS + r + jo), f32x4.mul(dov, v128.load(qt + jo)));
            v128.store(dS + r + jo, ds);
            v128.store(dqt + jo, f32x4.add(v128.load(dqt + jo), f32x4.mul(dov, v128.load(St + r + jo))));
            wA = f32x4.add(wA, f32x4.mul(ds, kj));
            const p = v128.load(prev + r + jo);
            skA = f32x4.add(skA, f32x4.mul(p, kj));
            dsdV = f32x4.add(dsdV, f32x4.mul(ds, p));
          }
          wi = hsum(wA);
          sk = hsum(skA);
          for (; j < dk; j++) {
            const jo = <usize>j * 4;
            const kj = load<f32>(kt + jo);
            const ds = load<f32>(dS + r + jo) + doi * load<f32>(qt + jo);
            store<f32>(dS + r + jo, ds);
            store<f32>(dqt + jo, load<f32>(dqt + jo) + doi * load<f32>(St + r + jo));
            wi += ds * kj;
            const p = load<f32>(prev + r + jo);
            sk += p * kj;
            dsd += ds * p;
          }
        } else {
          for (; j + 4 <= dk; j += 4) {
            const jo = <usize>j * 4;
            const ds = f32x4.add(v128.load(dS + r + jo), f32x4.mul(dov, v128.load(qt + jo)));
            v128.store(dS + r + jo, ds);
            v128.store(dqt + jo, f32x4.add(v128.load(dqt + jo), f32x4.mul(dov, v128.load(St + r + jo))));
            wA = f32x4.add(wA, f32x4.mul(ds, v128.load(kt + jo)));
          }
          wi = hsum(wA);
          for (; j < dk; j++) {
            const jo = <usize>j * 4;
            const ds = load<f32>(dS + r + jo) + doi * load<f32>(qt + jo);
            store<f32>(dS + r + jo, ds);
            store<f32>(dqt + jo, load<f32>(dqt + jo) + doi * load<f32>(St + r + jo));
            wi += ds * load<f32>(kt + jo);
          }
        }
        const ui = load<f32>(vt + <usize>i * 4) - a * sk;
        store<f32>(wv + <usize>i * 4, wi);
        store<f32>(uv + <usize>i * 4, ui);
        db += ui * wi;
        wsk += wi * sk;
        store<f32>(dvO + lt * <usize>dv * 4 + <usize>i * 4, b * wi);
      }
      dsd += hsum(dsdV);
      // pass 2 over rows: dk += β (u_i dS_i − α w_i S_{t-1,i}); dS_i ← α (dS_i − β w_i k)
      const av = f32x4.splat(a);
      for (let i = 0; i < dv; i++) {
        const r = <usize>i * rowB;
        const wi = load<f32>(wv + <usize>i * 4);
        const cu = b * load<f32>(uv + <usize>i * 4), cp = b * a * wi, cw = b * wi;
        const cuV = f32x4.splat(cu), cpV = f32x4.splat(cp), cwV = f32x4.splat(cw);
        let j = 0;
        if (prev != 0) {
          for (; j + 4 <= dk; j += 4) {
            const jo = <usize>j * 4;
            const ds = v128.load(dS + r + jo);
            v128.store(dkt + jo, f32x4.add(v128.load(dkt + jo), f32x4.sub(f32x4.mul(cuV, ds), f32x4.mul(cpV, v128.load(prev + r + jo)))));
            v128.store(dS + r + jo, f32x4.mul(av, f32x4.sub(ds, f32x4.mul(cwV, v128.load(kt + jo)))));
          }
          for (; j < dk; j++) {
            const jo = <usize>j * 4;
            const ds = load<f32>(dS + r + jo);
            store<f32>(dkt + jo, load<f32>(dkt + jo) + (cu * ds - cp * load<f32>(prev + r + jo)));
            store<f32>(dS + r + jo, a * (ds - cw * load<f32>(kt + jo)));
          }
        } else {
          for (; j + 4 <= dk; j += 4) {
            const jo = <usize>j * 4;
            const ds = v128.load(dS + r + jo);
            v128.store(dkt + jo, f32x4.add(v128.load(dkt + jo), f32x4.mul(cuV, ds)));
            v128.store(dS + r + jo, f32x4.mul(av, f32x4.sub(ds, f32x4.mul(cwV, v128.load(kt + jo)))));
          }
          for (; j < dk; j++) {
            const jo = <usize>j * 4;
            const ds = load<f32>(dS + r + jo);
            store<f32>(dkt + jo, load<f32>(dkt + jo) + cu * ds);
            store<f32>(dS + r + jo, a * (ds - cw * load<f32>(kt + jo)));
          }
        }
      }
      store<f32>(dbeta + lt * 4, db);
      if (dg != 0) store<f32>(dg + lt * 4, a * (dsd - b * wsk));
    }
  }
}
