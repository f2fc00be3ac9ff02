import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { add, exp, mul, sub, where } from '../../ops/elementwise.js';
import { concat, narrow, squeeze, stack, transpose, unsqueeze } from '../../ops/movement.js';
import { tensor, zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { cumsum, sum } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import { glaFused } from './gla-fused.js';

/**
 * How `gatedLinearAttention` runs: the token-by-token recurrence of autodiff ops (the spec),
 * chunkwise, or 'fused': one backend kernel each way with a hand-written backward (see
 * gla-fused.ts; keeps every state for the backward, B·H·T·dk·dv elements).
 */
export type GLAImpl = 'recurrent' | 'chunk' | 'fused';

/** Options of `gatedLinearAttention`. */
export interface GLAOpOptions {
  /** 'chunk' (default), 'recurrent' (the spec) or 'fused'. */
  impl?: GLAImpl;
  /** Tokens per chunk for impl 'chunk' (default 16). */
  chunk?: number;
  /** Initial state S⁰ [B, H, dk, dv] (zeros when absent). */
  state?: Tensor | null;
}

/**
 * Gated linear attention (fla's GLA / simple GLA and Mamba-2's SSD; fla's state convention
 * S [dk, dv]): per batch and head
 *   S_t = exp(g_t) ⊙ S_{t-1} + k_t v_tᵀ,   o_t = S_tᵀ q_t.
 * q, k [B, H, T, dk], v [B, H, T, dv]; the log-gate g is [B, H, T] (one decay per head: simple GLA,
 * Mamba-2) or [B, H, T, dk] (a decay per key channel, scaling the rows of S: GLA). No scaling is
 * applied to q (the caller does it). Returns o [B, H, T, dv] and the final state [B, H, dk, dv].
 *
 * 'chunk' takes C tokens at a time with γ = the within-chunk cumulative log-gate:
 *   O = (Q Kᵀ ⊙ Γ) V + (Q ⊙ exp(γ)) S⁰,  Γ_ij = exp(γ_i − γ_j) for i ≥ j, 0 above the diagonal,
 *   S = exp(γ_last) ⊙ S⁰ + (K ⊙ exp(γ_last − γ))ᵀ V.
 * For a vector gate Γ is [C, C, dk] and enters the score channel by channel. Every exponent that is
 * evaluated is ≤ 0 when g ≤ 0 (the exponent is masked to 0 above the diagonal before exp), so
 * nothing overflows however strong the decay, and no masked entry can put inf or NaN into a gradient.
 */
export function gatedLinearAttention(q: Tensor, k: Tensor, v: Tensor, g: Tensor, opts: GLAOpOptions = {}): { o: Tensor; state: Tensor } {
  const op = 'gatedLinearAttention';
  if (q.rank !== 4) throw new ShapeError(op, `q must be [B, H, T, dk], got ${fmtShape(q.shape)}`);
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const same = (a: Tensor, shape: number[]): boolean => a.rank === shape.length && a.shape.every((d, i) => d === shape[i]);
  const dv = v.rank === 4 ? v.shape[3]! : -1;
  const vector = g.rank === 4;
  if (!same(k, [B, H, T, dk]) || !same(v, [B, H, T, dv]) || !(same(g, [B, H, T]) || same(g, [B, H, T, dk]))) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv], g [B, H, T] or [B, H, T, dk]; got q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}, g ${fmtShape(g.shape)}`);
  }
  if (T < 1) throw new ShapeError(op, `need at least one time step, got T = ${T}`);
  const S0 = opts.state ?? null;
  if (S0 && !same(S0, [B, H, dk, dv])) throw new ShapeError(op, `state must be [${B}, ${H}, ${dk}, ${dv}], got ${fmtShape(S0.shape)}`);
  const impl = opts.impl ?? 'chunk';
  if (impl !== 'recurrent' && impl !== 'chunk' && impl !== 'fused') throw new ArgumentError(op, `impl must be recurrent, chunk or fused, got '${String(impl)}'`);
  const C = opts.chunk ?? 16;
  if (!Number.isInteger(C) || C < 1) throw new ArgumentError(op, `chunk must be a positive integer, got ${String(C)}`);
  if (impl === 'fused') return glaFused(q, k, v, g, S0);
  let S = S0 ?? zeros([B, H, dk, dv], { dtype: q.dtype });

  if (impl === 'recurrent') {
    const at = (x: Tensor, t: number): Tensor => squeeze(narrow(x, 2, t, 1), 2);
    const os: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const a = exp(at(g, t)); // [B, H, dk] or [B, H]
      const decay = vector ? unsqueeze(a, -1) : unsqueeze(unsqueeze(a, -1), -1); // rows of S, or all of S
      S = add(mul(decay, S), matmul(unsqueeze(at(k, t), -1), unsqueeze(at(v, t), -2)));
      os.push(squeeze(matmul(unsqueeze(at(q, t), -2), S), -2)); // qᵀ S = (Sᵀ q)ᵀ
    }
    return { o: stack(os, 2), state: S };
  }

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
