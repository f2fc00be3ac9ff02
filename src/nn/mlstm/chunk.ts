import { abs, add, div, exp, maximum, mul, neg, sub, where } from '../../ops/elementwise.js';
import { concat, narrow, squeeze, transpose, unsqueeze } from '../../ops/movement.js';
import { tensor } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { cumsum, max, sum } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import { positiveInt } from '../sequence-util.js';
import { MLSTM_NEG_BIG, mlstmInputs } from './inputs.js';
import type { MLSTMFormOptions, MLSTMOutput, MLSTMState } from './inputs.js';

/**
 * The mLSTM cell chunkwise: the stabilised parallel form inside chunks of C tokens, (C, n, m)
 * carried between them. Same signature, values and gradients as `mlstmRecurrent`: with F the
 * cumulative log f, m_i = max(F_i + m_prev, max_{j≤i} F_i − F_j + i_j) is exactly the recurrent m.
 */
export function mlstmChunk(q: Tensor, k: Tensor, v: Tensor, iPre: Tensor, fPre: Tensor, opts: MLSTMFormOptions = {}): MLSTMOutput {
  const op = 'mlstmChunk';
  const { T, ks, logF, state: s0, eps } = mlstmInputs(op, q, k, v, iPre, fPre, opts);
  const L = positiveInt(op, 'chunk', opts.chunk ?? 16);
  if (L >= T) return block(q, ks, v, iPre, logF, s0, eps);
  let state = s0;
  const hs: Tensor[] = [];
  for (let s = 0; s < T; s += L) {
    const n = Math.min(L, T - s);
    const r = block(narrow(q, 2, s, n), narrow(ks, 2, s, n), narrow(v, 2, s, n), narrow(iPre, 2, s, n), narrow(logF, 2, s, n), state, eps);
    hs.push(r.h);
    state = r.state;
  }
  return { h: concat(hs, 2), state };
}

/** The mLSTM cell in its whole-sequence parallel (quadratic) form: `mlstmChunk` with one chunk. */
export function mlstmParallel(q: Tensor, k: Tensor, v: Tensor, iPre: Tensor, fPre: Tensor, opts: MLSTMFormOptions = {}): MLSTMOutput {
  const { ks, logF, state, eps } = mlstmInputs('mlstmParallel', q, k, v, iPre, fPre, opts);
  return block(q, ks, v, iPre, logF, state, eps);
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
function block(q: Tensor, k: Tensor, v: Tensor, iPre: Tensor, logF: Tensor, s0: MLSTMState, eps: number): MLSTMOutput {
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
