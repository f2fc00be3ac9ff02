import { add, mul, sigmoid, sub, tanh } from '../../ops/elementwise.js';
import { split, squeeze } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';
import { rowsOf } from './gru-diag.js';

/** One CIFG-LSTM step over whole trajectories: new (c, h), the 2×2 Jacobian per unit, and gates. */
export interface LstmDiagStep {
  c: Tensor; h: Tensor;
  /** ∂(c', h')/∂(c, h) per unit: [[jcc, jch], [jhc, jhh]]. */
  jcc: Tensor; jch: Tensor; jhc: Tensor; jhh: Tensor;
  f: Tensor; cand: Tensor; o: Tensor; tc: Tensor;
}

/**
 * ParaLSTM's cell (ParaRNN's LSTMCIFGDiagMH): coupled input-forget gate, diagonal recurrences
 * A = (a_f, a_c, a_o) [3, H] and diagonal peepholes P = (p_f, p_o) [2, H]; u [..., 3H] holds the
 * input projections (f, c, o blocks):
 *   f = σ(a_f h + u_f + p_f c),  ĉ = tanh(a_c h + u_c),  c' = f c + (1 - f) ĉ,
 *   o = σ(a_o h + u_o + p_o c'),  h' = o tanh(c').
 * Each unit's (c, h) couples only with itself: the Jacobian is 2×2 block-diagonal.
 */
export function lstmDiagStep(cPrev: Tensor, hPrev: Tensor, u: Tensor, A: Tensor, P: Tensor): LstmDiagStep {
  const [af, ac, ao] = rowsOf(A);
  const [pf, po] = split(P, 2, 0) as [Tensor, Tensor];
  const pfv = squeeze0(pf), pov = squeeze0(po);
  const [uf, uc, uo] = split(u, 3, -1) as [Tensor, Tensor, Tensor];
  const f = sigmoid(add(add(mul(af, hPrev), uf), mul(pfv, cPrev)));
  const cand = tanh(add(mul(ac, hPrev), uc));
  const c = add(mul(f, cPrev), mul(sub(1, f), cand));
  const o = sigmoid(add(add(mul(ao, hPrev), uo), mul(pov, c)));
  const tc = tanh(c);
  const h = mul(o, tc);
  const fp = mul(f, sub(1, f));
  const diff = sub(cPrev, cand);
  const jcc = add(f, mul(mul(diff, fp), pfv));
  const jch = add(mul(mul(diff, fp), af), mul(mul(sub(1, f), sub(1, mul(cand, cand))), ac));
  const op = mul(o, sub(1, o));
  // dh'/dc' through tanh and through o's peephole
  const g = add(mul(o, sub(1, mul(tc, tc))), mul(mul(tc, op), pov));
  return { c, h, jcc, jch, jhc: mul(g, jcc), jhh: add(mul(g, jch), mul(mul(tc, op), ao)), f, cand, o, tc };
}

/**
 * Cotangents of the step's inputs other than (c, h) given λ = (λc, λh) = dL/d(c', h'):
 * d(pre-activations) [f, c, o] (= du blocks) and the per-element terms of dA and dP.
 */
export function lstmDiagInputGrads(lc: Tensor, lh: Tensor, cPrev: Tensor, hPrev: Tensor, s: LstmDiagStep, P: Tensor): { du: Tensor[]; dA: Tensor[]; dP: Tensor[] } {
  const [, po] = split(P, 2, 0) as [Tensor, Tensor];
  const pov = squeeze0(po);
  const preO = mul(mul(lh, s.tc), mul(s.o, sub(1, s.o)));
  const dc = add(add(lc, mul(mul(lh, s.o), sub(1, mul(s.tc, s.tc)))), mul(preO, pov));
  const preF = mul(mul(dc, sub(cPrev, s.cand)), mul(s.f, sub(1, s.f)));
  const preC = mul(mul(dc, sub(1, s.f)), sub(1, mul(s.cand, s.cand)));
  return {
    du: [preF, preC, preO],
    dA: [mul(preF, hPrev), mul(preC, hPrev), mul(preO, hPrev)],
    dP: [mul(preF, cPrev), mul(preO, s.c)],
  };
}

/** [1, H] -> [H]. */
function squeeze0(t: Tensor): Tensor {
  return squeeze(t, 0);
}
