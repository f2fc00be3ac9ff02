import { add, exp, mul, sub, where } from '../../ops/elementwise.js';
import { concat, narrow, transpose, unsqueeze } from '../../ops/movement.js';
import { eye, tensor, zeros } from '../../ops/creation.js';
import { cumsum } from '../../ops/reduce.js';
import { matmul } from '../../ops/linalg.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RecurrenceOutput } from '../sequence-layer.js';
import { solve } from '../ssm/linalg.js';
import { positiveInt } from '../sequence-util.js';
import { deltaInputs } from './inputs.js';
import type { DeltaFormOptions } from './inputs.js';

/**
 * The (gated) delta rule C tokens at a time (the UT transform), same values and gradients as
 * `deltaRuleRecurrent`. With γ the in-chunk cumulative log decay, Γ_ij = exp(γ_i − γ_j) (i ≥ j),
 * A = tril(diag(β)(K Kᵀ ⊙ Γ), −1), the corrections U = (I + A)⁻¹ diag(β)(V − diag(e^γ) K S0ᵀ) give
 * the outputs diag(e^γ) Q S0ᵀ + (Q Kᵀ ⊙ Γ ⊙ causal) U and the next state e^{γ_C} S0 + Uᵀ diag(e^{γ_C − γ}) K.
 */
export function deltaRuleChunk(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, opts: DeltaFormOptions = {}): RecurrenceOutput {
  const op = 'deltaRuleChunk';
  const { B, H, T, dk, dv, g, S0 } = deltaInputs(op, q, k, v, beta, opts);
  const C = positiveInt(op, 'chunk', opts.chunk ?? 16);
  let S = S0 ?? zeros([B, H, dv, dk], { dtype: q.dtype });
  const outs: Tensor[] = [];
  for (let s = 0; s < T; s += C) {
    const n = Math.min(C, T - s);
    const Q = narrow(q, 2, s, n), K = narrow(k, 2, s, n), V = narrow(v, 2, s, n), bb = unsqueeze(narrow(beta, 2, s, n), -1); // [B,H,n,1]
    const strict = mask(n, false, q), incl = mask(n, true, q);
    let KKt = matmul(K, transpose(K, -1, -2)); // [B,H,n,n]
    let QKt = matmul(Q, transpose(K, -1, -2));
    let Kg = K, Qg = Q, Sn = S, Kend = K;
    if (g) {
      const gam = cumsum(narrow(g, 2, s, n), -1); // [B,H,n]
      // Γ_ij = exp(γ_i - γ_j) on i ≥ j; the exponent is zeroed above the diagonal before exp, where it could overflow.
      const diff = sub(unsqueeze(gam, -1), unsqueeze(gam, -2));
      const Gam = mul(exp(where(incl, diff, 0)), incl);
      KKt = mul(KKt, Gam);
      QKt = mul(QKt, Gam);
      const eg = unsqueeze(exp(gam), -1); // [B,H,n,1]
      const last = narrow(gam, 2, n - 1, 1); // [B,H,1]
      Kg = mul(K, eg);
      Qg = mul(Q, eg);
      Kend = mul(K, unsqueeze(exp(sub(last, gam)), -1));
      Sn = mul(S, unsqueeze(exp(last), -1));
    }
    const IA = add(eye(n, { dtype: q.dtype }), mul(mul(bb, KKt), strict));
    const W = solve(IA, mul(bb, Kg)), U = solve(IA, mul(bb, V)); // T diag(e^γ) K, T V
    const Us = sub(U, matmul(W, transpose(S, -1, -2))); // [B,H,n,dv]
    outs.push(add(matmul(Qg, transpose(S, -1, -2)), matmul(mul(QKt, incl), Us)));
    S = add(Sn, matmul(transpose(Us, -1, -2), Kend));
  }
  return { o: outs.length === 1 ? outs[0]! : concat(outs, 2), state: S };
}

/** The n×n lower-triangular 0/1 mask (diagonal included when `inclusive`). */
function mask(n: number, inclusive: boolean, like: Tensor): Tensor {
  return tensor(Array.from({ length: n * n }, (_, i) => (inclusive ? Math.floor(i / n) >= i % n : Math.floor(i / n) > i % n) ? 1 : 0), [n, n], { dtype: like.dtype });
}
