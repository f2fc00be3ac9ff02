import type { Tensor } from '../../tensor/tensor.js';
import { oneOf } from '../../options.js';
import { mlstmChunk, mlstmParallel } from './chunk.js';
import type { MLSTMFormOptions, MLSTMOutput } from './inputs.js';
import { mlstmRecurrent } from './recurrent.js';

export { MLSTM_NEG_BIG } from './inputs.js';
export type { MLSTMState } from './inputs.js';

/**
 * How `mlstm` runs: the token-by-token stabilised recurrence (the spec), the whole-sequence
 * parallel (quadratic) form, or chunkwise (parallel inside a chunk, (C, n, m) carried between).
 */
export type MLSTMImpl = 'recurrent' | 'parallel' | 'chunk';

/** Options of `mlstm`: the form and the options every form takes. */
export interface MLSTMCellOptions extends MLSTMFormOptions {
  /** 'chunk' (default), 'parallel' or 'recurrent'. */
  impl?: MLSTMImpl;
}

/** The forms by name; each validates its inputs. */
const FORMS = { recurrent: mlstmRecurrent, parallel: mlstmParallel, chunk: mlstmChunk } as const;

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
  opts: MLSTMCellOptions = {}): MLSTMOutput {
  const { impl, ...rest } = opts;
  return FORMS[oneOf('mlstm', 'impl', impl ?? 'chunk', Object.keys(FORMS) as MLSTMImpl[])](q, k, v, iPre, fPre, rest);
}
