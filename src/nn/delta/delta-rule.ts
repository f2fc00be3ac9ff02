import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { add, mul, sub } from '../../ops/elementwise.js';
import { concat, narrow, squeeze, stack, transpose, unsqueeze } from '../../ops/movement.js';
import { eye, tensor, zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import type { Tensor } from '../../tensor/tensor.js';
import { solve } from '../ssm/linalg.js';

/** How `deltaRule` runs: the token-by-token recurrence (the spec) or chunkwise via the UT transform. */
export type DeltaImpl = 'recurrent' | 'chunk';

/**
 * The delta rule (DeltaNet; fla's `delta_rule_recurrence` as the spec): per batch and head, with
 * state S [dv, dk],
 *   S_t = S_{t-1} + β_t (v_t - S_{t-1} k_t) k_tᵀ,   o_t = S_t q_t.
 * q, k [B, H, T, dk], v [B, H, T, dv], beta [B, H, T]; S0 [B, H, dv, dk] optional.
 * 'chunk' processes C tokens at a time: with A = tril(diag(β) K Kᵀ, -1) and T = (I + A)⁻¹ diag(β),
 * W = T K and U = T V give the chunk's corrections U_S = U - W Sᵀ, outputs Q Sᵀ + tril(Q Kᵀ) U_S
 * and the next state S + U_Sᵀ K (the WY / UT representation). Returns o [B, H, T, dv] and S_T.
 */
export function deltaRule(q: Tensor, k: Tensor, v: Tensor, beta: Tensor,
  opts: { impl?: DeltaImpl; chunk?: number; state?: Tensor | null } = {}): { o: Tensor; state: Tensor } {
  const op = 'deltaRule';
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  const same = (a: Tensor, shape: number[]): boolean => a.rank === shape.length && a.shape.every((d, i) => d === shape[i]);
  if (q.rank !== 4 || !same(k, [B, H, T, dk]) || !same(v, [B, H, T, dv]) || !same(beta, [B, H, T])) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv], beta [B, H, T]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}, ${fmtShape(beta.shape)}`);
  }
  let S = opts.state ?? zeros([B, H, dv, dk], { dtype: q.dtype });
  if (!same(S, [B, H, dv, dk])) throw new ShapeError(op, `state must be [${B}, ${H}, ${dv}, ${dk}], got ${fmtShape(S.shape)}`);
  const impl = opts.impl ?? 'chunk';
  const at = (x: Tensor, t: number): Tensor => squeeze(narrow(x, 2, t, 1), 2);
  if (impl === 'recurrent') {
    const os: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const kt = unsqueeze(at(k, t), -1), vt = unsqueeze(at(v, t), -1), bt = unsqueeze(unsqueeze(at(beta, t), -1), -1);
      const err = sub(vt, matmul(S, kt)); // [B, H, dv, 1]
      S = add(S, mul(bt, matmul(err, transpose(kt, -1, -2))));
      os.push(squeeze(matmul(S, unsqueeze(at(q, t), -1)), -1));
    }
    return { o: stack(os, 2), state: S };
  }
  if (impl !== 'chunk') throw new ArgumentError(op, `impl must be recurrent or chunk, got '${String(impl)}'`);
  const C = opts.chunk ?? 16;
  if (!Number.isInteger(C) || C < 1) throw new ArgumentError(op, `chunk must be a positive integer, got ${String(C)}`);
  const outs: Tensor[] = [];
  for (let s = 0; s < T; s += C) {
    const n = Math.min(C, T - s);
    const Q = narrow(q, 2, s, n), K = narrow(k, 2, s, n), V = narrow(v, 2, s, n), bb = unsqueeze(narrow(beta, 2, s, n), -1); // [B,H,n,1]
    const strict = tensor(Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) > i % n ? 1 : 0)), [n, n], { dtype: q.dtype });
    const incl = tensor(Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) >= i % n ? 1 : 0)), [n, n], { dtype: q.dtype });
    const KKt = matmul(K, transpose(K, -1, -2)); // [B,H,n,n]
    const IA = add(eye(n, { dtype: q.dtype }), mul(mul(bb, KKt), strict));
    const W = solve(IA, mul(bb, K)), U = solve(IA, mul(bb, V)); // T K, T V
    const Us = sub(U, matmul(W, transpose(S, -1, -2))); // [B,H,n,dv]
    outs.push(add(matmul(Q, transpose(S, -1, -2)), matmul(mul(matmul(Q, transpose(K, -1, -2)), incl), Us)));
    S = add(S, matmul(transpose(Us, -1, -2), K));
  }
  return { o: outs.length === 1 ? outs[0]! : concat(outs, 2), state: S };
}
