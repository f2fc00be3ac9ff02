import { ArgumentError } from '../../errors.js';
import { customGrad } from '../../autodiff/grad.js';
import { abs, add, mul, sub, where } from '../../ops/elementwise.js';
import { concat, narrow, squeeze, unsqueeze } from '../../ops/movement.js';
import { max, sum } from '../../ops/reduce.js';
import { zeros } from '../../ops/creation.js';
import { dispose, tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';
import { linearRecurrence } from '../../scan/linear.js';
import { gruDiagInputGrads, gruDiagStep } from './gru-diag.js';
import { oneOf } from '../../options.js';

/** Newton settings: at most `iterations` steps (ParaRNN's default 3), stopping early below `tol`. */
export interface NewtonOptions {
  /** Most Newton steps to take (default 3). */
  iterations?: number;
  /** How each linearised system is solved: 'fused' (default; the linear-recurrence kernel, one
   *  pass over time per lane) or 'parallel' (the associative prefix scan: log-depth in time, the
   *  parallel reduction of ParaRNN; same result). */
  solver?: 'fused' | 'parallel';
  /** Stop when max |h_t - f(h_{t-1}, x_t)| ≤ tol (0 = always run every iteration). */
  tol?: number;
  /** Receives max |residual| after each iteration (the first entry: the initial guess). */
  onResidual?: (residuals: number[]) => void;
}

/** All h_{t-1}: h0 (or zeros) followed by h_0..h_{T-2}. */
export function shifted(h: Tensor, h0: Tensor | null): Tensor {
  const T = h.shape[0]!;
  const first = unsqueeze(h0 ?? zeros(h.shape.slice(1), { dtype: h.dtype }), 0);
  return T === 1 ? first : concat([first, narrow(h, 0, 0, T - 1)], 0);
}

/**
 * Solves the diagonal-GRU trajectory h_t = f(h_{t-1}, u_t) for all t at once by Newton's method
 * (ParaRNN): linearise around the current guess, solve δ_t = J_t δ_{t-1} + r_t with the parallel
 * linear recurrence, update. After k iterations the first k steps are exact, so T iterations
 * always reproduce the recurrent pass; well-conditioned cells converge in ~3. `valid` [T, B, 1]
 * (1/0) freezes sequences past their length. The backward solves the adjoint recurrence
 * λ_t = dh_t + J_{t+1} λ_{t+1} with the same linear scan, reversed — no Newton in the backward.
 *
 * u [T, B, 3H] (input projections), A [3, H], h0 [B, H] or null → h [T, B, H].
 */
export function newtonGruDiag(u: Tensor, A: Tensor, h0: Tensor | null, valid: Tensor | null, opts: NewtonOptions = {}): Tensor {
  const K = opts.iterations ?? 3;
  const tol = opts.tol ?? 0;
  const solver = opts.solver ?? 'fused';
  oneOf('ParaGRU', 'solver', solver, ['fused', 'parallel'] as const);
  if (!Number.isInteger(K) || K < 1) throw new ArgumentError('ParaGRU', `iterations must be a positive integer, got ${String(K)}`);
  if (!(tol >= 0)) throw new ArgumentError('ParaGRU', `tol must be >= 0, got ${String(tol)}`);
  const step = (hPrev: Tensor, uu: Tensor, AA: Tensor): { f: Tensor; J: Tensor } => {
    const s = gruDiagStep(hPrev, uu, AA);
    // Frozen steps: f = h_prev, J = 1.
    return valid ? { f: where(valid, s.h, hPrev), J: where(valid, s.J, 1) } : { f: s.h, J: s.J };
  };
  const run = customGrad('newtonGruDiag', (...ins: Tensor[]) => {
    const [uu, AA, hh0] = ins as [Tensor, Tensor, Tensor | undefined];
    const init = hh0 ?? null;
    const residuals: number[] = [];
    // Initial guess (ParaGRU): every step from a zero previous state.
    // (tidy hands its result to the enclosing scope, so iterates are freed like any op output)
    let h = tidy(() => step(zeros([...uu.shape.slice(0, -1), AA.shape[1]!], { dtype: uu.dtype }), uu, AA).f);
    for (let k = 0; k <= K; k++) {
      const next = tidy(() => {
        const { f, J } = step(shifted(h, init), uu, AA);
        const r = sub(f, h);
        residuals.push(max(abs(r)).item());
        if (k === K || residuals.at(-1)! <= tol) return null;
        return add(h, linearRecurrence(J, r, { impl: solver === 'parallel' ? 'associative' : 'fused' }));
      });
      if (!next) break;
      dispose(h);
      h = next;
    }
    opts.onResidual?.(residuals);
    return {
      value: h,
      gradFunc: ([dh], needs) => tidy(() => {
        const hPrev = shifted(h, init);
        const s = gruDiagStep(hPrev, uu, AA);
        const J = valid ? where(valid, s.J, 1) : s.J;
        const T = h.shape[0]!;
        // a_t = J_{t+1}, and nothing after the last step.
        const aNext = T === 1 ? zeros(J.shape, { dtype: J.dtype }) : concat([narrow(J, 0, 1, T - 1), zeros([1, ...J.shape.slice(1)], { dtype: J.dtype })], 0);
        const lambda = linearRecurrence(aNext, dh!, { reverse: true, impl: solver === 'parallel' ? 'associative' : 'fused' });
        const lam = valid ? where(valid, lambda, 0) : lambda;
        const g = gruDiagInputGrads(lam, hPrev, s, AA);
        const du = concat(g.du, -1);
        const red = (t: Tensor): Tensor => sum(t, Array.from({ length: t.rank - 1 }, (_, i) => i));
        const dA = concat(g.dA.map((t) => unsqueeze(red(t), 0)), 0);
        const out: (Tensor | null)[] = [du, dA];
        if (hh0) out.push(needs[2] ? squeeze(mul(narrow(J, 0, 0, 1), narrow(lambda, 0, 0, 1)), 0) : null);
        return out;
      }),
    };
  });
  return run(...(h0 ? [u, A, h0] : [u, A])) as Tensor;
}
