import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { add, exp, mul, sub, where } from '../../ops/elementwise.js';
import { concat, narrow, reshape, squeeze, stack, transpose, unsqueeze } from '../../ops/movement.js';
import { eye, tensor, zeros } from '../../ops/creation.js';
import { cumsum } from '../../ops/reduce.js';
import { matmul } from '../../ops/linalg.js';
import type { Tensor } from '../../tensor/tensor.js';
import { solve } from '../ssm/linalg.js';
import { deltaRuleFused } from './delta-fused.js';

/**
 * How `deltaRule` runs: the token-by-token recurrence of autodiff ops (the spec), chunkwise via the
 * UT transform, or 'fused': one backend kernel each way with a hand-written backward (see
 * delta-fused.ts; keeps every state for the backward, B·H·T·dv·dk elements).
 */
export type DeltaImpl = 'recurrent' | 'chunk' | 'fused';

/** Options of `deltaRule` and `deltaProduct`. */
export interface DeltaOptions {
  /** 'chunk' (default), 'recurrent' or 'fused'. */
  impl?: DeltaImpl;
  /** Chunk length of the chunkwise form (default 16). */
  chunk?: number;
  /** Initial state S0 [B, H, dv, dk] (zeros when absent). */
  state?: Tensor | null;
  /** Log decay g [B, H, T] (≤ 0 in Gated DeltaNet): the state is scaled by exp(g_t) before step t. */
  g?: Tensor | null;
}

const same = (a: Tensor, shape: number[]): boolean => a.rank === shape.length && a.shape.every((d, i) => d === shape[i]);

/**
 * The (gated) delta rule (DeltaNet and Gated DeltaNet; fla's naive recurrences as the spec): per
 * batch and head, with state S [dv, dk],
 *   S_t = α_t S_{t-1} + β_t (v_t - α_t S_{t-1} k_t) k_tᵀ,   o_t = S_t q_t,   α_t = exp(g_t) (1 without g).
 * q, k [B, H, T, dk], v [B, H, T, dv], beta [B, H, T]. 'chunk' processes C tokens at a time: with γ
 * the in-chunk cumulative log decay, Γ_ij = exp(γ_i - γ_j) (i ≥ j), A = tril(diag(β)(K Kᵀ ⊙ Γ), -1),
 * the corrections U = (I + A)⁻¹ diag(β)(V - diag(e^γ) K S0ᵀ) (the UT transform) give the outputs
 * diag(e^γ) Q S0ᵀ + (Q Kᵀ ⊙ Γ ⊙ causal) U and the next state e^{γ_C} S0 + Uᵀ diag(e^{γ_C - γ}) K.
 * Returns o [B, H, T, dv] and S_T.
 */
export function deltaRule(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, opts: DeltaOptions = {}): { o: Tensor; state: Tensor } {
  const op = 'deltaRule';
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  if (q.rank !== 4 || !same(k, [B, H, T, dk]) || !same(v, [B, H, T, dv]) || !same(beta, [B, H, T])) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv], beta [B, H, T]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}, ${fmtShape(beta.shape)}`);
  }
  const g = opts.g ?? null;
  if (g && !same(g, [B, H, T])) throw new ShapeError(op, `g must be [${B}, ${H}, ${T}], got ${fmtShape(g.shape)}`);
  const S0 = opts.state ?? null;
  if (S0 && !same(S0, [B, H, dv, dk])) throw new ShapeError(op, `state must be [${B}, ${H}, ${dv}, ${dk}], got ${fmtShape(S0.shape)}`);
  const impl = opts.impl ?? 'chunk';
  if (impl === 'fused') return deltaRuleFused(q, k, v, beta, g, S0);
  let S = S0 ?? zeros([B, H, dv, dk], { dtype: q.dtype });
  const at = (x: Tensor, t: number): Tensor => squeeze(narrow(x, 2, t, 1), 2);
  if (impl === 'recurrent') {
    const os: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      if (g) S = mul(S, exp(unsqueeze(unsqueeze(at(g, t), -1), -1)));
      const kt = unsqueeze(at(k, t), -1), vt = unsqueeze(at(v, t), -1), bt = unsqueeze(unsqueeze(at(beta, t), -1), -1);
      const err = sub(vt, matmul(S, kt)); // [B, H, dv, 1]
      S = add(S, mul(bt, matmul(err, transpose(kt, -1, -2))));
      os.push(squeeze(matmul(S, unsqueeze(at(q, t), -1)), -1));
    }
    return { o: stack(os, 2), state: S };
  }
  if (impl !== 'chunk') throw new ArgumentError(op, `impl must be recurrent, chunk or fused, got '${String(impl)}'`);
  const C = opts.chunk ?? 16;
  if (!Number.isInteger(C) || C < 1) throw new ArgumentError(op, `chunk must be a positive integer, got ${String(C)}`);
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

/**
 * DeltaProduct: n_h delta-rule (Householder) steps per token, the state read out after the last:
 *   S ← α_t S; for j = 1..n_h: S ← S + β_tj (v_tj - S k_tj) k_tjᵀ;  o_t = S q_t.
 * q [B, H, T, dk], k [B, H, T, n_h, dk], v [B, H, T, n_h, dv], beta [B, H, T, n_h]; g [B, H, T]
 * decays once per token. Runs `deltaRule` on the interleaved sequence of length T·n_h (q placed
 * on each token's last sub-step, g on its first), so the chunkwise form carries over unchanged.
 */
export function deltaProduct(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, opts: DeltaOptions = {}): { o: Tensor; state: Tensor } {
  const op = 'deltaProduct';
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const nh = k.shape[3]!;
  const dv = v.shape[4]!;
  if (q.rank !== 4 || !same(k, [B, H, T, nh, dk]) || !same(v, [B, H, T, nh, dv]) || !same(beta, [B, H, T, nh])) {
    throw new ShapeError(op, `need q [B, H, T, dk], k [B, H, T, n_h, dk], v [B, H, T, n_h, dv], beta [B, H, T, n_h]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}, ${fmtShape(beta.shape)}`);
  }
  const g = opts.g ?? null;
  if (g && !same(g, [B, H, T])) throw new ShapeError(op, `g must be [${B}, ${H}, ${T}], got ${fmtShape(g.shape)}`);
  if (nh === 1) return deltaRule(q, squeeze(k, 3), squeeze(v, 3), squeeze(beta, 3), opts);
  const L = T * nh;
  const pad = (x: Tensor, first: boolean): Tensor => {
    // x [B, H, T, ...] → [B, H, T·n_h, ...], x on sub-step 0 (first) or n_h - 1, zeros elsewhere
    const z = zeros([...x.shape.slice(0, 3), nh - 1, ...x.shape.slice(3)], { dtype: x.dtype });
    const parts = first ? [unsqueeze(x, 3), z] : [z, unsqueeze(x, 3)];
    return reshape(concat(parts, 3), [B, H, L, ...x.shape.slice(3)]);
  };
  const r = deltaRule(pad(q, false), reshape(k, [B, H, L, dk]), reshape(v, [B, H, L, dv]), reshape(beta, [B, H, L]),
    { ...opts, g: g ? pad(g, true) : null });
  return { o: squeeze(narrow(reshape(r.o, [B, H, T, nh, dv]), 3, nh - 1, 1), 3), state: r.state };
}
