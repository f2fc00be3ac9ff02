// Gated linear attention, fused over the whole sequence (see GLAArgs in src/backend/types.ts and
// the reference src/backend/ref/gla.ts, which these follow to float32 rounding). Threads split the
// BH independent lanes; each lane runs its sequence in order, so results do not depend on the
// thread count. The state is [dk, dv] row-major: every inner loop runs along a row (dv) in f32x4
// with a scalar tail (rows need not be 16-byte aligned; wasm loads do not require it).
// Descriptor words (i32 at d): 0 kind, 1 BH, 2 T, 3 dk, 4 dv, 5 q, 6 k, 7 v, 8 g, 9 s0, 10 vector
// gate (0/1), then
//   forward: 11 o, 12 states (0: keep only the running state in sFinal), 13 sFinal;
//   backward: 11 states, 12 dO, 13 dSFinal, 14 dq, 15 dk, 16 dv, 17 dg, 18 dS workspace
//   [BH, dk, dv] (dS0 itself when wanted).
// Pointers are byte addresses; 0 = absent.

import { addr, word } from './descriptor';
import { hsum } from './simd';

/** Task.GLAForward for lanes [lo, hi). */
export function glaForwardTask(d: usize, lo: i32, hi: i32): void {
  const T = word(d, 2), dk = word(d, 3), dv = word(d, 4);
  const q = addr(d, 5), k = addr(d, 6), v = addr(d, 7), g = addr(d, 8), s0 = addr(d, 9), vector = word(d, 10) != 0;
  const o = addr(d, 11), states = addr(d, 12), sFinal = addr(d, 13);
  const nB = <usize>dk * <usize>dv * 4, rowB = <usize>dv * 4;
  for (let l = lo; l < hi; l++) {
    const fin = sFinal + <usize>l * nB;
    let dst: usize = fin;
    for (let t = 0; t < T; t++) {
      const lt = <usize>l * <usize>T + <usize>t;
      const kt = k + lt * <usize>dk * 4, qt = q + lt * <usize>dk * 4, vt = v + lt * rowB, ot = o + lt * rowB;
      const gt = g + (vector ? lt * <usize>dk * 4 : lt * 4);
      const aAll: f32 = vector ? 0 : <f32>Math.exp(<f64>load<f32>(gt));
      const src: usize = t > 0 ? dst : (s0 != 0 ? s0 + <usize>l * nB : 0);
      dst = states != 0 ? states + lt * nB : fin;
      memory.fill(ot, 0, rowB);
      for (let i = 0; i < dk; i++) {
        const io = <usize>i * 4;
        const a: f32 = vector ? <f32>Math.exp(<f64>load<f32>(gt + io)) : aAll;
        const ki = load<f32>(kt + io), qi = load<f32>(qt + io);
        const kv = f32x4.splat(ki), qv = f32x4.splat(qi);
        const dr = dst + <usize>i * rowB;
        let j = 0;
        if (src != 0) {
          // row i of S_t = a_i S_{t-1,i} + k_i v (may overwrite its source in place); o += q_i S_{t,i}
          const sr = src + <usize>i * rowB;
          const av = f32x4.splat(a);
          for (; j + 4 <= dv; j += 4) {
            const jo = <usize>j * 4;
            const s = f32x4.add(f32x4.mul(av, v128.load(sr + jo)), f32x4.mul(kv, v128.load(vt + jo)));
            v128.store(dr + jo, s);
            v128.store(ot + jo, f32x4.add(v128.load(ot + jo), f32x4.mul(qv, s)));
          }
          for (; j < dv; j++) {
            const jo = <usize>j * 4;
            const s = a * load<f32>(sr + jo) + ki * load<f32>(vt + jo);
            store<f32>(dr + jo, s);
            store<f32>(ot + jo, load<f32>(ot + jo) + qi * s);
          }
        } else {
          for (; j + 4 <= dv; j += 4) {
            const jo = <usize>j * 4;
            const s = f32x4.mul(kv, v128.load(vt + jo));
            v128.store(dr + jo, s);
            v128.store(ot + jo, f32x4.add(v128.load(ot + jo), f32x4.mul(qv, s)));
          }
          for (; j < dv; j++) {
            const jo = <usize>j * 4;
            const s = ki * load<f32>(vt + jo);
            store<f32>(dr + jo, s);
            store<f32>(ot + jo, load<f32>(ot + jo) + qi * s);
          }
        }
      }
    }
    if (T == 0) {
      if (s0 != 0) memory.copy(fin, s0 + <usize>l * nB, nB);
      else memory.fill(fin, 0, nB);
    } else if (states != 0) memory.copy(fin, dst, nB);
  }
}

/** Task.GLABackward for lanes [lo, hi) (the formulas are in src/backend/ref/gla.ts). */
export function glaBackwardTask(d: usize, lo: i32, hi: i32): void {
  const T = word(d, 2), dk = word(d, 3), dv = word(d, 4);
  const q = addr(d, 5), k = addr(d, 6), v = addr(d, 7), g = addr(d, 8), s0 = addr(d, 9), vector = word(d, 10) != 0;
  const states = addr(d, 11), dO = addr(d, 12), dSFinal = addr(d, 13), dq = addr(d, 14), dkO = addr(d, 15), dvO = addr(d, 16);
  const dg = addr(d, 17), ws = addr(d, 18);
  const nB = <usize>dk * <usize>dv * 4, rowB = <usize>dv * 4;
  for (let l = lo; l < hi; l++) {
    const dS = ws + <usize>l * nB;
    if (dSFinal != 0) memory.copy(dS, dSFinal + <usize>l * nB, nB);
    else memory.fill(dS, 0, nB);
    for (let t = T - 1; t >= 0; t--) {
      const lt = <usize>l * <usize>T + <usize>t;
      const kt = k + lt * <usize>dk * 4, qt = q + lt * <usize>dk * 4, vt = v + lt * rowB, dot_ = dO + lt * rowB, dvt = dvO + lt * rowB;
      const dqt = dq + lt * <usize>dk * 4, dkt = dkO + lt * <usize>dk * 4;
      const gt = g + (vector ? lt * <usize>dk * 4 : lt * 4);
      const aAll: f32 = vector ? 0 : <f32>Math.exp(<f64>load<f32>(gt));
      const St = states + lt * nB;
      const prev: usize = t > 0 ? St - nB : (s0 != 0 ? s0 + <usize>l * nB : 0);
      memory.fill(dvt, 0, rowB);
      let dsdAll: f32 = 0;
      // one pass over the rows i of dS: dS_i += q_i do; dq_i = S_{t,i}·do; dk_i = dS_i·v; dv += k_i dS_i;
      // Σ_j dS_ij S_{t-1,ij}; dS_i ← a_i dS_i
      for (let i = 0; i < dk; i++) {
        const io = <usize>i * 4;
        const a: f32 = vector ? <f32>Math.exp(<f64>load<f32>(gt + io)) : aAll;
        const qi = load<f32>(qt + io), ki = load<f32>(kt + io);
        const qv = f32x4.splat(qi), kv = f32x4.splat(ki), av = f32x4.splat(a);
        const r = <usize>i * rowB;
        let dqA = f32x4.splat(0), dkA = f32x4.splat(0), sdA = f32x4.splat(0);
        let dqi: f32 = 0, dki: f32 = 0, sd: f32 = 0;
        let j = 0;
        if (prev != 0) {
          for (; j + 4 <= dv; j += 4) {
            const jo = <usize>j * 4;
            const dov = v128.load(dot_ + jo);
            const ds = f32x4.add(v128.load(dS + r + jo), f32x4.mul(qv, dov));
            dqA = f32x4.add(dqA, f32x4.mul(v128.load(St + r + jo), dov));
            dkA = f32x4.add(dkA, f32x4.mul(ds, v128.load(vt + jo)));
            v128.store(dvt + jo, f32x4.add(v128.load(dvt + jo), f32x4.mul(kv, ds)));
            sdA = f32x4.add(sdA, f32x4.mul(ds, v128.load(prev + r + jo)));
            v128.store(dS + r + jo, f32x4.mul(av, ds));
          }
          dqi = hsum(dqA);
          dki = hsum(dkA);
          sd = hsum(sdA);
          for (; j < dv; j++) {
            const jo = <usize>j * 4;
            const doj = load<f32>(dot_ + jo);
            const ds = load<f32>(dS + r + jo) + qi * doj;
            dqi += load<f32>(St + r + jo) * doj;
            dki += ds * load<f32>(vt + jo);
            store<f32>(dvt + jo, load<f32>(dvt + jo) + ki * ds);
            sd += ds * load<f32>(prev + r + jo);
            store<f32>(dS + r + jo, a * ds);
          }
        } else {
          for (; j + 4 <= dv; j += 4) {
            const jo = <usize>j * 4;
            const dov = v128.load(dot_ + jo);
            const ds = f32x4.add(v128.load(dS + r + jo), f32x4.mul(qv, dov));
            dqA = f32x4.add(dqA, f32x4.mul(v128.load(St + r + jo), dov));
            dkA = f32x4.add(dkA, f32x4.mul(ds, v128.load(vt + jo)));
            v128.store(dvt + jo, f32x4.add(v128.load(dvt + jo), f32x4.mul(kv, ds)));
            v128.store(dS + r + jo, f32x4.mul(av, ds));
          }
          dqi = hsum(dqA);
          dki = hsum(dkA);
          for (; j < dv; j++) {
            const jo = <usize>j * 4;
            const doj = load<f32>(dot_ + jo);
            const ds = load<f32>(dS + r + jo) + qi * doj;
            dqi += load<f32>(St + r + jo) * doj;
            dki += ds * load<f32>(vt + jo);
            store<f32>(dvt + jo, load<f32>(dvt + jo) + ki * ds);
            store<f32>(dS + r + jo, a * ds);
          }
        }
        store<f32>(dqt + io, dqi);
        store<f32>(dkt + io, dki);
        if (vector) {
          if (dg != 0) store<f32>(dg + lt * <usize>dk * 4 + io, a * sd);
        } else dsdAll += sd;
      }
      if (dg != 0 && !vector) store<f32>(dg + lt * 4, aAll * dsdAll);
    }
  }
}
