import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../../errors.js';
import { logSigmoid, mul } from '../../ops/elementwise.js';
import { zeros } from '../../ops/creation.js';
import { checkTensor } from '../../ops/util.js';
import { isFloat } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { sameShape } from '../sequence-util.js';

/**
 * The mLSTM state per batch and head: matrix memory C [B, H, dk, dv], normaliser n [B, H, dk] and
 * stabiliser m [B, H] (log scale: the true memory is C·e^m, the true normaliser n·e^m).
 */
export interface MLSTMState {
  /** Matrix memory [B, H, dk, dv], scaled by e^{−m}. */
  C: Tensor;
  /** Normaliser [B, H, dk], scaled by e^{−m}. */
  n: Tensor;
  /** Log-scale stabiliser [B, H]. */
  m: Tensor;
}

/** What the mLSTM cell and its forms return: the hidden outputs and the final state. */
export interface MLSTMOutput {
  /** Hidden outputs h̃ [B, H, T, dv] (before the layer's output gate and norm). */
  h: Tensor;
  /** The state after the last step; pass it back as `state` to continue. */
  state: MLSTMState;
}

/** Options every form of the mLSTM cell takes (one signature: recurrent, parallel, chunk). */
export interface MLSTMFormOptions {
  /** Initial state; null or absent means C = 0, n = 0, m = 0 (as xlstm's kernels). */
  state?: MLSTMState | null;
  /** Added to the normaliser of h (default 1e-6, as xlstm). */
  eps?: number;
  /** Tokens per chunk of the chunkwise form (default 16; the other forms ignore it). */
  chunk?: number;
}

/**
 * A finite stand-in for -∞ in log space: masked (j > i) exponents and frozen input gates. exp of it
 * is exactly 0 and, unlike -Infinity, it never meets +∞ in a sum, so no NaN reaches a gradient.
 */
export const MLSTM_NEG_BIG = -1e30;

/** What every form starts from: k scaled by dk^-1/2, log f = logsigmoid(fPre), the initial state and eps. */
export interface MLSTMInputs { T: number; ks: Tensor; logF: Tensor; state: MLSTMState; eps: number }

/** Checks shared by the mLSTM forms: q, k [B, H, T, dk], v [B, H, T, dv], iPre, fPre [B, H, T], one float dtype, the state's shapes. */
export function mlstmInputs(op: string, q: Tensor, k: Tensor, v: Tensor, iPre: Tensor, fPre: Tensor, opts: MLSTMFormOptions): MLSTMInputs {
  for (const [name, t] of [['q', q], ['k', k], ['v', v], ['iPre', iPre], ['fPre', fPre]] as const) checkTensor(op, name, t);
  if (q.rank !== 4 || v.rank !== 4) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv]; got q ${fmtShape(q.shape)}, v ${fmtShape(v.shape)}`);
  }
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  if (!sameShape(k, [B, H, T, dk]) || !sameShape(v, [B, H, T, dv]) || !sameShape(iPre, [B, H, T]) || !sameShape(fPre, [B, H, T])) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv], iPre, fPre [B, H, T]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}, ${fmtShape(iPre.shape)}, ${fmtShape(fPre.shape)}`);
  }
  if (T < 1 || dk < 1 || dv < 1 || B < 1 || H < 1) throw new ShapeError(op, `empty input: q ${fmtShape(q.shape)}, v ${fmtShape(v.shape)}`);
  const dtype = q.dtype;
  if (!isFloat(dtype)) throw new DTypeError(op, `q must be floating point, got ${dtype}`);
  for (const [name, t] of [['k', k], ['v', v], ['iPre', iPre], ['fPre', fPre]] as const) {
    if (t.dtype !== dtype) throw new DTypeError(op, `${name} is ${t.dtype} but q is ${dtype}`);
  }
  const eps = opts.eps ?? 1e-6;
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(op, `eps must be a finite number >= 0, got ${String(eps)}`);
  let state: MLSTMState;
  if (opts.state) {
    const { C, n, m } = opts.state;
    if (!C || !n || !m) throw new ArgumentError(op, 'state must have all of C, n and m');
    if (!sameShape(C, [B, H, dk, dv]) || !sameShape(n, [B, H, dk]) || !sameShape(m, [B, H])) {
      throw new ShapeError(op, `state must be C [${B}, ${H}, ${dk}, ${dv}], n [${B}, ${H}, ${dk}], m [${B}, ${H}]; got ${fmtShape(C.shape)}, ${fmtShape(n.shape)}, ${fmtShape(m.shape)}`);
    }
    for (const [name, t] of [['C', C], ['n', n], ['m', m]] as const) {
      if (t.dtype !== dtype) throw new DTypeError(op, `state.${name} is ${t.dtype} but q is ${dtype}`);
    }
    state = { C, n, m };
  } else {
    state = { C: zeros([B, H, dk, dv], { dtype }), n: zeros([B, H, dk], { dtype }), m: zeros([B, H], { dtype }) };
  }
  return { T, ks: mul(k, 1 / Math.sqrt(dk)), logF: logSigmoid(fPre), state, eps };
}
