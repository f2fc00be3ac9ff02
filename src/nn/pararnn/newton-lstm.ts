import { customGrad } from '../../autodiff/grad.js';
import { abs, add, maximum, mul, sub, where } from '../../ops/elementwise.js';
import { concat, narrow, squeeze, unsqueeze } from '../../ops/movement.js';
import { max, sum } from '../../ops/reduce.js';
import { zeros, zerosLike } from '../../ops/creation.js';
import { empty } from '../../ops/util.js';
import type { Buffer } from '../../backend/types.js';
import { associativeScan } from '../../scan/associative.js';
import type { Combine } from '../../scan/associative.js';
import { dispose, tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';
import { lstmDiagInputGrads, lstmDiagStep } from './lstm-diag.js';
import { shifted } from './newton.js';
import type { NewtonOptions } from './newton.js';

/**
 * The 2×2 block linear recurrence per unit, x_t = M_t x_{t-1} + r_t (x = (x1, x2)), one backend
 * kernel pass (lanes independent, `block2Scan`). `transposeNext` solves the adjoint instead:
 * x_t = r_t + M_{t+1}ᵀ x_{t+1} from the last step to the first. Returns the two components.
 */
function block2(m: Tensor[], r1: Tensor, r2: Tensor, transposeNext: boolean): [Tensor, Tensor] {
  const T = r1.shape[0]!;
  const be = r1.backend;
  const x1 = empty(r1.shape, r1.dtype, be), x2 = empty(r1.shape, r1.dtype, be);
  const [m11, m12, m21, m22] = m.map((t) => t.buffer) as [Buffer, Buffer, Buffer, Buffer];
  be.block2Scan({ T, N: r1.size / T, transposeNext, m11, m12, m21, m22, r1: r1.buffer, r2: r2.buffer }, x1.buffer, x2.buffer);
  return [x1, x2];
}

/** The 2×2-block linear-recurrence combine on (m11, m12, m21, m22, v1, v2): (M₂M₁, M₂v₁ + v₂). */
const block2Combine: Combine = ([a1, b1, c1, d1, p1, q1], [a2, b2, c2, d2, p2, q2]) => [
  add(mul(a2!, a1!), mul(b2!, c1!)), add(mul(a2!, b1!), mul(b2!, d1!)),
  add(mul(c2!, a1!), mul(d2!, c1!)), add(mul(c2!, b1!), mul(d2!, d1!)),
  add(add(mul(a2!, p1!), mul(b2!, q1!)), p2!), add(add(mul(c2!, p1!), mul(d2!, q1!)), q2!),
];

/** The same solve as `block2` by the associative prefix scan (the parallel reduction). */
function block2Parallel(m: Tensor[], r1: Tensor, r2: Tensor, transposeNext: boolean): [Tensor, Tensor] {
  if (!transposeNext) {
    const out = associativeScan(block2Combine, [...m, r1, r2]);
    return [out[4]!, out[5]!];
  }
  // Adjoint: x_t = r_t + M_{t+1}ᵀ x_{t+1}, i.e. a reversed scan with the transposed, shifted blocks.
  const T = r1.shape[0]!;
  const next = (t: Tensor): Tensor => (T === 1 ? zerosLike(t) : concat([narrow(t, 0, 1, T - 1), zeros([1, ...t.shape.slice(1)], { dtype: t.dtype })], 0));
  const [a, b, c, d] = m.map(next) as [Tensor, Tensor, Tensor, Tensor];
  const out = associativeScan(block2Combine, [a, c, b, d, r1, r2], { reverse: true });
  return [out[4]!, out[5]!];
}

/**
 * Newton's method for the CIFG-LSTM trajectory (ParaLSTM), the 2×2-block analogue of
 * `newtonGruDiag`: each iteration evaluates the cell and its block Jacobians at every step, solves
 * the block-bidiagonal linear system and updates (c, h). The backward solves the adjoint with the
 * transposed blocks. u [T, B, 3H], A [3, H], P [2, H], c0/h0 [B, H] or null → [c [T,B,H], h [T,B,H]].
 */
export function newtonLstmDiag(u: Tensor, A: Tensor, P: Tensor, c0: Tensor | null, h0: Tensor | null, valid: Tensor | null, opts: NewtonOptions = {}): [Tensor, Tensor] {
  const K = opts.iterations ?? 3;
  const tol = opts.tol ?? 0;
  const solve2 = opts.solver === 'parallel' ? block2Parallel : block2;
  const step = (cp: Tensor, hp: Tensor, uu: Tensor, AA: Tensor, PP: Tensor) => {
    const s = lstmDiagStep(cp, hp, uu, AA, PP);
    if (!valid) return { s, c: s.c, h: s.h, J: [s.jcc, s.jch, s.jhc, s.jhh] };
    // Frozen steps keep their state: f = identity, J = I.
    return { s, c: where(valid, s.c, cp), h: where(valid, s.h, hp), J: [where(valid, s.jcc, 1), where(valid, s.jch, 0), where(valid, s.jhc, 0), where(valid, s.jhh, 1)] };
  };
  const withC0 = !!c0, withH0 = !!h0;
  const run = customGrad('newtonLstmDiag', (...ins: Tensor[]) => {
    const [uu, AA, PP] = ins as [Tensor, Tensor, Tensor];
    const cc0 = withC0 ? ins[3]! : null;
    const hh0 = withH0 ? ins[withC0 ? 4 : 3]! : null;
    const H = AA.shape[1]!;
    const residuals: number[] = [];
    let [c, h] = tidy(() => {
      const z = zeros([...uu.shape.slice(0, -1), H], { dtype: uu.dtype });
      const r = step(z, z, uu, AA, PP);
      return [r.c, r.h];
    }) as [Tensor, Tensor];
    for (let k = 0; k <= K; k++) {
      const next = tidy(() => {
        const r = step(shifted(c, cc0), shifted(h, hh0), uu, AA, PP);
        const dc = sub(r.c, c), dh = sub(r.h, h);
        residuals.push(max(maximum(abs(dc), abs(dh))).item());
        if (k === K || residuals.at(-1)! <= tol) return null;
        const [xc, xh] = solve2(r.J, dc, dh, false);
        return [add(c, xc), add(h, xh)];
      });
      if (!next) break;
      dispose([c, h]);
      [c, h] = next as [Tensor, Tensor];
    }
    opts.onResidual?.(residuals);
    return {
      value: [c, h],
      gradFunc: ([dcs, dhs], needs) => tidy(() => {
        const cp = shifted(c, cc0), hp = shifted(h, hh0);
        const r = step(cp, hp, uu, AA, PP);
        const [lc, lh] = solve2(r.J, dcs!, dhs!, true);
        const mc = valid ? where(valid, lc, 0) : lc, mh = valid ? where(valid, lh, 0) : lh;
        const g = lstmDiagInputGrads(mc, mh, cp, hp, r.s, PP);
        const red = (t: Tensor): Tensor => unsqueeze(sum(t, Array.from({ length: t.rank - 1 }, (_, i) => i)), 0);
        const out: (Tensor | null)[] = [concat(g.du, -1), concat(g.dA.map(red), 0), concat(g.dP.map(red), 0)];
        // d(c0, h0) = J_0ᵀ λ_0
        const first = (t: Tensor): Tensor => squeeze(narrow(t, 0, 0, 1), 0);
        const [a, b, cc, d] = r.J.map(first) as [Tensor, Tensor, Tensor, Tensor];
        const l1 = first(lc), l2 = first(lh);
        if (withC0) out.push(needs[3] ? add(mul(a, l1), mul(cc, l2)) : null);
        if (withH0) out.push(needs[withC0 ? 4 : 3] ? add(mul(b, l1), mul(d, l2)) : null);
        return out;
      }),
    };
  });
  const ins = [u, A, P, ...(c0 ? [c0] : []), ...(h0 ? [h0] : [])];
  return run(...ins) as unknown as [Tensor, Tensor];
}

