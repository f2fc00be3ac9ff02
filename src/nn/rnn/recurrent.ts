import type { CellKind } from '../../backend/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import { add, exp, logSigmoid, maximum, mul, relu, sigmoid, sub, tanh, div, where } from '../../ops/elementwise.js';
import { linear } from '../../ops/linalg.js';
import { narrow, reshape, split, stack, unsqueeze } from '../../ops/movement.js';
import { scanSequential } from '../../scan/sequential.js';
import { noGrad } from '../../tensor/tape.js';
import { CELL_SHAPE } from '../../backend/types.js';
import type { SequenceInputs, SequenceOutputs } from './fused.js';

/** Weights of one layer-direction as the step functions see them. */
export interface CellWeights {
  wIh: Tensor; wHh: Tensor; bIh: Tensor | null; bHh: Tensor | null;
  param: Tensor | null; wHr: Tensor | null;
  /** GRU only: Keras/tfjs "reset before" (reset_after=False): n = tanh(x W_in + b_in + (r ⊙ h) W_hn + b_hn). */
  resetBefore?: boolean;
}

/** State of one layer-direction: h [B, Hout] and the cell states (LSTM [c], sLSTM [c, n, m]). */
export interface CellState {
  h: Tensor;
  s: Tensor[];
}

const pre = (x: Tensor, w: Tensor, b: Tensor | null): Tensor => linear(x, w, b);

/**
 * One step of a cell written with differentiable ops: the specification the fused kernels are
 * tested against, and the streaming `step` of the layers.
 */
export function cellStep(kind: CellKind, x: Tensor, st: CellState, w: CellWeights): CellState {
  const G = CELL_SHAPE[kind].gates;
  const ax = pre(x, w.wIh, w.bIh);
  const ah = pre(st.h, w.wHh, w.bHh);
  switch (kind) {
    case 'rnnTanh':
    case 'rnnRelu': {
      const a = add(ax, ah);
      return { h: kind === 'rnnTanh' ? tanh(a) : relu(a), s: [] };
    }
    case 'leakyTanh':
    case 'leakyRelu': {
      const a = add(ax, ah);
      const v = kind === 'leakyTanh' ? tanh(a) : relu(a);
      // h = (1 - alpha) h' + alpha v
      return { h: add(st.h, mul(w.param!, sub(v, st.h))), s: [] };
    }
    case 'lstm': {
      const a = add(ax, ah);
      const [ai, af, ag, ao] = split(a, G, -1) as [Tensor, Tensor, Tensor, Tensor];
      const cPrev = st.s[0]!;
      const p = w.param ? (split(w.param, 3, 0).map((t) => reshape(t, [-1])) as [Tensor, Tensor, Tensor]) : null;
      const i = sigmoid(p ? add(ai, mul(p[0], cPrev)) : ai);
      const f = sigmoid(p ? add(af, mul(p[1], cPrev)) : af);
      const g = tanh(ag);
      const c = add(mul(f, cPrev), mul(i, g));
      const o = sigmoid(p ? add(ao, mul(p[2], c)) : ao);
      const u = mul(o, tanh(c));
      return { h: w.wHr ? linear(u, w.wHr, null) : u, s: [c] };
    }
    case 'gru': {
      const [xr, xz, xn] = split(ax, G, -1) as [Tensor, Tensor, Tensor];
      const [hr, hz, hn] = split(ah, G, -1) as [Tensor, Tensor, Tensor];
      const r = sigmoid(add(xr, hr));
      const z = sigmoid(add(xz, hz));
      let n: Tensor;
      if (w.resetBefore) {
        // The reset gate scales h before the n block of W_hh (so hn above is not used).
        const H = st.h.shape[1]!;
        const wn = narrow(w.wHh, 0, 2 * H, H);
        const bn = w.bHh ? narrow(w.bHh, 0, 2 * H, H) : null;
        n = tanh(add(xn, linear(mul(r, st.h), wn, bn)));
      } else {
        n = tanh(add(xn, mul(r, hn)));
      }
      return { h: add(n, mul(z, sub(st.h, n))), s: [] };
    }
    case 'slstm': {
      const a = add(ax, ah);
      const [it, ft, zt, ot] = split(a, G, -1) as [Tensor, Tensor, Tensor, Tensor];
      const [cPrev, nPrev, mPrev] = st.s as [Tensor, Tensor, Tensor];
      const lf = logSigmoid(ft);
      // The stabiliser m only rescales c and n; it carries no gradient (as in xLSTM).
      const m = noGrad(() => maximum(add(lf, mPrev), it));
      const ig = exp(sub(it, m));
      const fg = exp(sub(add(lf, mPrev), m));
      const c = add(mul(fg, cPrev), mul(ig, tanh(zt)));
      const n = add(mul(fg, nPrev), ig);
      return { h: div(mul(sigmoid(ot), c), n), s: [c, n, m] };
    }
  }
}

/**
 * The whole-sequence pass as the spec: `cellStep` scanned over time through the tape
 * (`scanSequential`, so backward is O(T)), with frozen state and zero output where `mask` is 0.
 * Same signature and results as `fusedSequence`.
 */
export function recurrentSequence(inp: SequenceInputs): SequenceOutputs {
  const S = CELL_SHAPE[inp.kind].states;
  const w: CellWeights = { wIh: inp.wIh, wHh: inp.wHh, bIh: inp.bIh, bHh: inp.bHh, param: inp.param, wHr: inp.wHr, resetBefore: inp.resetBefore ?? false };
  const s0 = S ? split(inp.s0!, S, 0).map((t) => reshape(t, t.shape.slice(1))) : [];
  // carry = [h, ...cell states]; xs = [x] or [x, mask] with mask [T, B] or [T, B, 1].
  const r = scanSequential(([h, ...s], [xt, mt]) => {
    const st: CellState = { h: h!, s };
    const next = cellStep(inp.kind, xt!, st, w);
    if (!mt) return { carry: [next.h, ...next.s], y: [next.h] };
    const m = unsqueeze(reshape(mt, [-1]), 1); // [B, 1]
    const keep = (a: Tensor, b: Tensor): Tensor => where(m, a, b);
    const hNew = keep(next.h, st.h);
    return { carry: [hNew, ...next.s.map((sv, k) => keep(sv, s[k]!))], y: [where(m, hNew, 0)] };
  }, [inp.h0, ...s0], inp.mask ? [inp.x, inp.mask] : [inp.x], { reverse: !!inp.reverse });
  const [h, ...s] = r.carry;
  return { y: r.ys[0]!, h: h!, s: S ? stack(s, 0) : null };
}
