import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../../errors.js';
import { abs, add, div, exp, logSigmoid, maximum, mul, neg, sub, where } from '../../ops/elementwise.js';
import { concat, narrow, squeeze, stack, transpose, unsqueeze } from '../../ops/movement.js';
import { tensor, zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { cumsum, max, sum } from '../../ops/reduce.js';
import { isFloat } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * How `mlstm` runs: the token-by-token stabilised recurrence (the spec), the whole-sequence
 * parallel (quadratic) form, or chunkwise (parallel inside a chunk, (C, n, m) carried between).
 */
export type MLSTMImpl = 'recurrent' | 'parallel' | 'chunk';

/**
 * The mLSTM state per batch and head: matrix memory C [B, H, dk, dv], normaliser n [B, H, dk] and
 * stabiliser m [B, H] (log scale: the true memory is C·e^m, the true normaliser n·e^m).
 */
export interface MLSTMState {
  C: Tensor;
  n: Tensor;
  m: Tensor;
}

/** Options of `mlstm`. */
export interface MLSTMCellOptions {
  /** 'chunk' (default), 'parallel' or 'recurrent'. */
  impl?: MLSTMImpl;
  /** Tokens per chunk for impl 'chunk' (default 16). */
  chunk?: number;
  /** Initial state; null or absent means C = 0, n = 0, m = 0 (as xlstm's kernels). */
  state?: MLSTMState | null;
  /** Added to the normaliser of h (default 1e-6, as xlstm). */
  eps?: number;
}

/**
 * A finite stand-in for -∞ in log space: masked (j > i) exponents and frozen input gates. exp of it
 * is exactly 0 and, unlike -Infinity, it never meets +∞ in a sum, so no NaN reaches a gradient.
 */
export const MLSTM_NEG_BIG = -1e30;

/**
 * The mLSTM cell (xLSTM; xlstm's `recurrent_step_stabilized_simple` as the spec), per batch and
 * head, with k scaled by dk^-1/2 and log f = logsigmoid(fPre):
 *   m_t = max(log f_t + m_{t-1}, i_t)
 *   C_t = e^(log f_t + m_{t-1} - m_t) C_{t-1} + e^(i_t - m_t) k_t v_tᵀ,  n_t likewise with k_t
 *   h_t = C_tᵀ q_t / (max(|n_tᵀ q_t|, e^(-m_t)) + eps)
 * q, k [B, H, T, dk], v [B, H, T, dv], iPre, fPre [B, H, T] (gate pre-activations). Returns
 * h [B, H, T, dv] and the final state. 'parallel' and 'chunk' unroll the same recurrence: with F
 * the cumulative log f, m_i = max(F_i + m_prev, max_{j≤i} F_i - F_j + i_j) is exactly the
 * recurrent m, so all three forms agree on h, the final state and every gradient up to rounding.
 */
export function mlstm(q: Tensor, k: Tensor, v: Tensor, iPre: Tensor, fPre: Tensor,
  opts: MLSTMCellOptions = {}): { h: Tensor; state: MLSTMState } {
  const op = 'mlstm';
  const same = (a: Tensor, shape: number[]): boolean => a.rank === shape.length && a.shape.every((d, i) => d === shape[i]);
  if (q.rank !== 4 || v.rank !== 4) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv]; got q ${fmtShape(q.shape)}, v ${fmtShape(v.shape)}`);
  }
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  if (!same(k, [B, H, T, dk]) || !same(v, [B, H, T, dv]) || !same(iPre, [B, H, T]) || !same(fPre, [B, H, T])) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv], iPre, fPre [B, H, T]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}, ${fmtShape(iPre.shape)}, ${fmtShape(fPre.shape)}`);
  }
  if (T < 1 || dk < 1 || dv < 1 || B < 1 || H < 1) throw new ShapeError(op, `empty input: q ${fmtShape(q.shape)}, v ${fmtShape(v.shape)}`);
  const dtype = q.dtype;
  if (!isFloat(dtype)) throw new DTypeError(op, `q must be floating point, got ${dtype}`);
  for (const [name, t] of [['k', k], ['v', v], ['iPre', iPre], ['fPre', fPre]] as const) {
    if (t.dtype !== dtype) throw new DTypeError(op, `${name} is ${t.dtype} but q is ${dtype}`);
  }
  const impl = opts.impl ?? 'chunk';
  if (impl !== 'recurrent' && impl !== 'parallel' && impl !== 'chunk') {
    throw new ArgumentError(op, `impl must be recurrent, parallel or chunk, got '${String(impl)}'`);
  }
  const chunk = opts.chunk ?? 16;
  if (!Number.isInteger(chunk) || chunk < 1) throw new ArgumentError(op, `chunk must be a positive integer, got ${String(chunk)}`);
  const eps = opts.eps ?? 1e-6;
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(op, `eps must be a finite number >= 0, got ${String(eps)}`);
  let state: MLSTMState;
  if (opts.state) {
    const { C, n, m } = opts.state;
    if (!C || !n || !m) throw new ArgumentError(op, 'state must have all of C, n and m');
    if (!same(C, [B, H, dk, dv]) || !same(n, [B, H, dk]) || !same(m, [B, H])) {
      throw new ShapeError(op, `state must be C [${B}, ${H}, ${dk}, ${dv}], n [${B}, ${H}, ${dk}], m [${B}, ${H}]; got ${fmtShape(C.shape)}, ${fmtShape(n.shape)}, ${fmtShape(m.shape)}`);
    }
    for (const [name, t] of [['C', C], ['n', n], ['m', m]] as const) {
      if (t.dtype !== dtype) throw new DTypeError(op, `state.${name} is ${t.dtype} but q is ${dtype}`);
    }
    state = { C, n, m };
  } else {
    state = { C: zeros([B, H, dk, dv], { dtype }), n: zeros([B, H, dk], { dtype }), m: zeros([B, H], { dtype }) };
  }
  const ks = mul(k, 1 / Math.sqrt(dk));
  const logF = logSigmoid(fPre);
  if (impl === 'recurrent') return recurrent(q, ks, v, iPre, logF, state, eps);
  const L = impl === 'parallel' ? T : chunk;
  if (L >= T) return block(q, ks, v, iPre, logF, state, eps);
  const hs: Tensor[] = [];
  for (let s = 0; s < T; s += L) {
    const n = Math.min(L, T - s);
    const r = block(narrow(q, 2, s, n), narrow(ks, 2, s, n), narrow(v, 2, s, n), narrow(iPre, 2, s, n), narrow(logF, 2, s, n), state, eps);
    hs.push(r.h);
    state = r.state;
  }
  return { h: concat(hs, 2), state };
}

/** The spec: one stabilised step per token (k already scaled, logF = log σ(fPre)). */
function recurrent(q: Tensor, k: Tensor, v: Tensor, iPre: Tensor, logF: Tensor, s0: MLSTMState, eps: number): { h: Tensor; state: MLSTMState } {
  const T = q.shape[2]!;
  const at = (x: Tensor, t: number): Tensor => squeeze(narrow(x, 2, t, 1), 2);
  let { C, n, m } = s0;
  const hs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const lf = at(logF, t), it = at(iPre, t); // [B, H]
    const decayed = add(lf, m);
    const mNew = maximum(decayed, it);
    const fg = exp(sub(decayed, mNew)), ig = exp(sub(it, mNew)); // stabilised gates, each <= 1
    const kt = unsqueeze(at(k, t), -1), vt = unsqueeze(at(v, t), -2); // [B, H, dk, 1], [B, H, 1, dv]
    C = add(mul(unsqueeze(unsqueeze(fg, -1), -1), C), mul(unsqueeze(unsqueeze(ig, -1), -1), matmul(kt, vt)));
    n = add(mul(unsqueeze(fg, -1), n), mul(unsqueeze(ig, -1), squeeze(kt, -1)));
    m = mNew;
    const qt = unsqueeze(at(q, t), -2); // [B, H, 1, dk]
    const num = squeeze(matmul(qt, C), -2); // Cᵀ q: [B, H, dv]
    const den = squeeze(squeeze(matmul(qt, unsqueeze(n, -1)), -1), -1); // nᵀ q: [B, H]
    hs.push(div(num, unsqueeze(add(maximum(abs(den), exp(neg(m))), eps), -1)));
  }
  return { h: stack(hs, 2), state: { C, n, m } };
}

/** Lower-triangular (inclusive) 0/1 mask [L, L]; `where` picks through it, so no 0·∞ ever forms. */
function causalMask(L: number, dtype: Tensor['dtype']): Tensor {
  return tensor(Array.from({ length: L * L }, (_, i) => (Math.floor(i / L) >= i % L ? 1 : 0)), [L, L], { dtype });
}

/**
 * The stabilised parallel form over one block of L tokens, continuing from `s0`: the incoming state
 * acts as one more "token" with log weight a_r = b_r + m_prev (b the block's cumulative log f), the
 * block's own tokens have log D_rj = b_r - b_j + i_j (j ≤ r), and m_r = max(a_r, max_j D_rj). Used
 * once for 'parallel' and once per chunk for 'chunk'; the last row gives the next (C, n, m).
 */
function block(q: Tensor, k: Tensor, v: Tensor, iPre: Tensor, logF: Tensor, s0: MLSTMState, eps: number): { h: Tensor; state: MLSTMState } {
  const L = q.shape[2]!;
  const b = cumsum(logF, -1); // [B, H, L]
  const a = add(b, unsqueeze(s0.m, -1)); // log weight of the carried state at each row
  const D = where(causalMask(L, q.dtype), add(sub(unsqueeze(b, -1), unsqueeze(b, -2)), unsqueeze(iPre, -2)), MLSTM_NEG_BIG); // [B, H, L, L]
  const m = maximum(a, max(D, -1)); // [B, H, L]
  const W = exp(sub(D, unsqueeze(m, -1))); // intra weights, masked entries exactly 0
  const wState = exp(sub(a, m)); // [B, H, L]
  const S = mul(matmul(q, transpose(k, -1, -2)), W);
  const num = add(matmul(S, v), mul(unsqueeze(wState, -1), matmul(q, s0.C))); // [B, H, L, dv]
  const den = add(sum(S, -1), mul(wState, squeeze(matmul(q, unsqueeze(s0.n, -1)), -1))); // [B, H, L]
  const h = div(num, unsqueeze(add(maximum(abs(den), exp(neg(m))), eps), -1));
  // The state after the block is row L-1 of the same weights.
  const wLast = narrow(W, 2, L - 1, 1); // [B, H, 1, L]
  const sLast = narrow(wState, 2, L - 1, 1); // [B, H, 1]
  const C = add(mul(unsqueeze(sLast, -1), s0.C), matmul(transpose(k, -1, -2), mul(transpose(wLast, -1, -2), v)));
  const n = add(mul(sLast, s0.n), squeeze(matmul(wLast, k), 2));
  return { h, state: { C, n, m: squeeze(narrow(m, 2, L - 1, 1), 2) } };
}
