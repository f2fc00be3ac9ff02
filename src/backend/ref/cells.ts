import { CELL_SHAPE } from '../types.js';
import type { CellBackwardArgs, CellKind, CellStepArgs } from '../types.js';
import { arr } from './buffer.js';

const sig = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const logSig = (x: number): number => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));

/**
 * Reference pointwise step of every cell (the definition the wasm kernels match). Per element:
 * RNN h = act(a); leaky h = (1-α) h' + α act(a); LSTM (i,f,g,o) c = f c' + i g, out = o tanh(c),
 * optional peepholes on i, f (from c') and o (from c); GRU (r,z,n) n = tanh(ax_n + r ah_n),
 * h = (1-z) n + z h'; sLSTM (i,f,z,o) with stabiliser m = max(logσ(f̃) + m', ĩ),
 * c = e^{logσ(f̃)+m'-m} c' + e^{ĩ-m} tanh(z̃), n likewise with 1, h = σ(õ) c / n.
 */
export function cellForwardRef(kind: CellKind, a: CellStepArgs): void {
  const { batch: B, hidden: H } = a;
  const { gates: G, cache: C } = CELL_SHAPE[kind];
  const gx = arr(a.gx), gh = arr(a.gh), hIn = arr(a.h), cache = arr(a.cache);
  const sIn = a.s ? arr(a.s) : null;
  const h = a.hDst ? arr(a.hDst) : hIn;
  const s = a.sDst ? arr(a.sDst) : sIn;
  const mask = a.mask ? arr(a.mask) : null;
  const p = a.param ? arr(a.param) : null;
  const BH = B * H;
  for (let b = 0; b < B; b++) {
    const active = !mask || mask[a.maskOff + b] !== 0;
    for (let j = 0; j < H; j++) {
      const e = b * H + j;
      const hPrev = hIn[a.hPrevOff + e]!;
      const at = (k: number): number => gx[a.gxOff + b * G * H + k * H + j]! + gh[a.ghOff + b * G * H + k * H + j]!;
      const cset = (k: number, v: number): void => { cache[a.cacheOff + b * C * H + k * H + j] = v; };
      if (!active) {
        h[a.hOutOff + e] = hPrev;
        if (s) for (let q = 0; q < CELL_SHAPE[kind].states; q++) s[a.sNextOff + q * BH + e] = sIn![a.sPrevOff + q * BH + e]!;
        continue;
      }
      switch (kind) {
        case 'rnnTanh': case 'rnnRelu': {
          const v = kind === 'rnnTanh' ? Math.tanh(at(0)) : Math.max(at(0), 0);
          cset(0, v);
          h[a.hOutOff + e] = v;
          break;
        }
        case 'leakyTanh': case 'leakyRelu': {
          const v = kind === 'leakyTanh' ? Math.tanh(at(0)) : Math.max(at(0), 0);
          const al = p![j]!;
          cset(0, v);
          h[a.hOutOff + e] = (1 - al) * hPrev + al * v;
          break;
        }
        case 'lstm': {
          const cPrev = sIn![a.sPrevOff + e]!;
          const i = sig(at(0) + (p ? p[j]! * cPrev : 0));
          const f = sig(at(1) + (p ? p[H + j]! * cPrev : 0));
          const g = Math.tanh(at(2));
          const c = f * cPrev + i * g;
          const o = sig(at(3) + (p ? p[2 * H + j]! * c : 0));
          cset(0, i); cset(1, f); cset(2, g); cset(3, o);
          s![a.sNextOff + e] = c;
          h[a.hOutOff + e] = o * Math.tanh(c);
          break;
        }
        case 'gru': {
          const r = sig(at(0));
          const z = sig(at(1));
          const ghn = gh[a.ghOff + b * G * H + 2 * H + j]!;
          const n = Math.tanh(gx[a.gxOff + b * G * H + 2 * H + j]! + r * ghn);
          cset(0, r); cset(1, z); cset(2, n); cset(3, ghn);
          h[a.hOutOff + e] = (1 - z) * n + z * hPrev;
          break;
        }
        case 'slstm': {
          const cPrev = sIn![a.sPrevOff + e]!, nPrev = sIn![a.sPrevOff + BH + e]!, mPrev = sIn![a.sPrevOff + 2 * BH + e]!;
          const it = at(0), ft = at(1);
          const lf = logSig(ft);
          const m = Math.max(lf + mPrev, it);
          const ig = Math.exp(it - m), fg = Math.exp(lf + mPrev - m);
          const z = Math.tanh(at(2)), o = sig(at(3));
          const c = fg * cPrev + ig * z;
          const n = fg * nPrev + ig;
          cset(0, ig); cset(1, fg); cset(2, z); cset(3, o); cset(4, sig(ft));
          s![a.sNextOff + e] = c;
          s![a.sNextOff + BH + e] = n;
          s![a.sNextOff + 2 * BH + e] = m;
          h[a.hOutOff + e] = (o * c) / n;
          break;
        }
      }
    }
  }
}

/**
 * Reference pointwise backward of one step. sLSTM's new stabiliser m = max(...) carries no gradient
 * (h does not depend on it), but the previous m scales the carried c', n' through
 * f = e^{logσ(f̃)+m'-m}, so d m' = df * f (as the tape gives; it only reaches an explicit m0).
 */
export function cellBackwardRef(kind: CellKind, a: CellBackwardArgs): void {
  const { batch: B, hidden: H } = a;
  const { gates: G, cache: C } = CELL_SHAPE[kind];
  const h = arr(a.h), cache = arr(a.cache), dh = arr(a.dh), dgx = arr(a.dgx), dgh = arr(a.dgh), dhp = arr(a.dhPrev);
  const s = a.s ? arr(a.s) : null;
  const ds = a.ds ? arr(a.ds) : null;
  const mask = a.mask ? arr(a.mask) : null;
  const p = a.param ? arr(a.param) : null;
  const dp = a.dparam ? arr(a.dparam) : null;
  const BH = B * H;
  for (let b = 0; b < B; b++) {
    const active = !mask || mask[a.maskOff + b] !== 0;
    for (let j = 0; j < H; j++) {
      const e = b * H + j;
      const d = dh[a.dhOff + e]!;
      const cg = (k: number): number => cache[a.cacheOff + b * C * H + k * H + j]!;
      const setX = (k: number, v: number): void => { dgx[a.dgxOff + b * G * H + k * H + j] = v; };
      const setH = (k: number, v: number): void => { dgh[a.dghOff + b * G * H + k * H + j] = v; };
      if (!active) {
        for (let k = 0; k < G; k++) { setX(k, 0); setH(k, 0); }
        dhp[a.dhPrevOff + e] = d;
        continue;
      }
      switch (kind) {
        case 'rnnTanh': case 'rnnRelu': case 'leakyTanh': case 'leakyRelu': {
          const v = cg(0);
          const leaky = kind === 'leakyTanh' || kind === 'leakyRelu';
          const al = leaky ? p![j]! : 1;
          const dv = d * al;
          const da = kind === 'rnnTanh' || kind === 'leakyTanh' ? dv * (1 - v * v) : v > 0 ? dv : 0;
          setX(0, da); setH(0, da);
          dhp[a.dhPrevOff + e] = leaky ? d * (1 - al) : 0;
          if (leaky && dp) dp[j]! += d * (v - h[a.hPrevOff + e]!);
          break;
        }
        case 'lstm': {
          const i = cg(0), f = cg(1), g = cg(2), o = cg(3);
          const cPrev = s![a.sPrevOff + e]!, c = s![a.sNextOff + e]!;
          const tc = Math.tanh(c);
          const dO = d * tc;
          const dAo = dO * o * (1 - o);
          let dc = ds![a.dsOff + e]! + d * o * (1 - tc * tc) + (p ? dAo * p[2 * H + j]! : 0);
          const dAi = dc * g * i * (1 - i);
          const dAf = dc * cPrev * f * (1 - f);
          const dAg = dc * i * (1 - g * g);
          let dcPrev = dc * f;
          if (p) {
            dcPrev += dAi * p[j]! + dAf * p[H + j]!;
            if (dp) {
              dp[j]! += dAi * cPrev;
              dp[H + j]! += dAf * cPrev;
              dp[2 * H + j]! += dAo * c;
            }
          }
          dc = dcPrev;
          ds![a.dsOff + e] = dc;
          setX(0, dAi); setX(1, dAf); setX(2, dAg); setX(3, dAo);
          setH(0, dAi); setH(1, dAf); setH(2, dAg); setH(3, dAo);
          dhp[a.dhPrevOff + e] = 0;
          break;
        }
        case 'gru': {
          const r = cg(0), z = cg(1), n = cg(2), ghn = cg(3);
          const hPrev = h[a.hPrevOff + e]!;
          const dAn = d * (1 - z) * (1 - n * n);
          const dAz = d * (hPrev - n) * z * (1 - z);
          const dAr = dAn * ghn * r * (1 - r);
          setX(0, dAr); setX(1, dAz); setX(2, dAn);
          setH(0, dAr); setH(1, dAz); setH(2, dAn * r);
          dhp[a.dhPrevOff + e] = d * z;
          break;
        }
        case 'slstm': {
          const ig = cg(0), fg = cg(1), z = cg(2), o = cg(3), sf = cg(4);
          const cPrev = s![a.sPrevOff + e]!, nPrev = s![a.sPrevOff + BH + e]!;
          const c = s![a.sNextOff + e]!, n = s![a.sNextOff + BH + e]!;
          const dO = (d * c) / n;
          const dc = ds![a.dsOff + e]! + (d * o) / n;
          const dn = ds![a.dsOff + BH + e]! - (d * o * c) / (n * n);
          const dfg = dc * cPrev + dn * nPrev;
          const dig = dc * z + dn;
          ds![a.dsOff + e] = dc * fg;
          ds![a.dsOff + BH + e] = dn * fg;
          ds![a.dsOff + 2 * BH + e] = dfg * fg;
          const dAi = dig * ig;
          const dAf = dfg * fg * (1 - sf);
          const dAz = dc * ig * (1 - z * z);
          const dAo = dO * o * (1 - o);
          setX(0, dAi); setX(1, dAf); setX(2, dAz); setX(3, dAo);
          setH(0, dAi); setH(1, dAf); setH(2, dAz); setH(3, dAo);
          dhp[a.dhPrevOff + e] = 0;
          break;
        }
      }
    }
  }
}
