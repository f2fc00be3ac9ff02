import { add, exp, mul, sub, where } from '../../ops/elementwise.js';
import { concat, narrow, transpose, unsqueeze } from '../../ops/movement.js';
import { tensor, zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { cumsum, sum } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RecurrenceOutput } from '../sequence-layer.js';
import { positiveInt } from '../sequence-util.js';
import { glaInputs } from './inputs.js';
import type { GLAFormOptions } from './inputs.js';

/**
 * Gated linear attention C tokens at a time, same values and gradients as `glaRecurrent`. With γ
 * the within-chunk cumulative log-gate:
 *   O = (Q Kᵀ ⊙ Γ) V + (Q ⊙ exp(γ)) S⁰,  Γ_ij = exp(γ_i − γ_j) for i ≥ j, 0 above the diagonal,
 *   S = exp(γ_last) ⊙ S⁰ + (K ⊙ exp(γ_last − γ))ᵀ V.
 * For a vector gate Γ is [C, C, dk] and enters the score channel by channel. Every exponent that is
 * evaluated is ≤ 0 when g ≤ 0 (the exponent is masked to 0 above the diagonal before exp), so
 * nothing overflows however strong the decay, and no masked entry can put inf or NaN into a gradient.
 */
export function glaChunk(q: Tensor, k: Tensor, v: Tensor, g: Tensor, opts: GLAFormOptions = {}): RecurrenceOutput {
  const op = 'glaChunk';
  const { B, H, T, dk, dv, vector, S0 } = glaInputs(op, q, k, v, g, opts);
  const C = positiveInt(op, 'chunk', opts.chunk ?? 16);
  let S = S0 ?? zeros([B, H, dk, dv], { dtype: q.dtype });
  const outs: Tensor[] = [];
  for (let s = 0; s < T; s += C) {
    const n = Math.min(C, T - s);
    const Q = narrow(q, 2, s, n), K = narrow(k, 2, s, n), V = narrow(v, 2, s, n);
    const gam = cumsum(narrow(g, 2, s, n), 2); // γ [B, H, n(, dk)]
    const last = narrow(gam, 2, n - 1, 1); // γ_last [B, H, 1(, dk)]
    const causal = tensor(Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) >= i % n ? 1 : 0)), vector ? [n, n, 1] : [n, n], { dtype: q.dtype });
    // γ_i − γ_j, masked to 0 above the diagonal *before* exp (there it is ≥ 0 and could overflow).
    const diff = vector ? sub(unsqueeze(gam, 3), unsqueeze(gam, 2)) : sub(unsqueeze(gam, -1), unsqueeze(gam, -2));
    const decay = where(causal, exp(where(causal, diff, 0)), 0); // Γ [B, H, n, n(, dk)]
    let scores: Tensor, Qg: Tensor, Kg: Tensor, sDecay: Tensor;
    if (vector) {
      scores = sum(mul(mul(unsqueeze(Q, 3), unsqueeze(K, 2)), decay), -1); // Σ_c q_ic k_jc Γ_ijc
      Qg = mul(Q, exp(gam));
      Kg = mul(K, exp(sub(last, gam)));
      sDecay = transpose(exp(last), -1, -2); // [B, H, dk, 1]: scales the rows of S
    } else {
      scores = mul(matmul(Q, transpose(K, -1, -2)), decay);
      Qg = mul(Q, unsqueeze(exp(gam), -1));
      Kg = mul(K, unsqueeze(exp(sub(last, gam)), -1));
      sDecay = unsqueeze(exp(last), -1); // [B, H, 1, 1]
    }
    outs.push(add(matmul(scores, V), matmul(Qg, S)));
    S = add(mul(sDecay, S), matmul(transpose(Kg, -1, -2), V));
  }
  return { o: outs.length === 1 ? outs[0]! : concat(outs, 2), state: S };
}
