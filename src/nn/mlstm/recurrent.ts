import { abs, add, div, exp, maximum, mul, neg, sub } from '../../ops/elementwise.js';
import { squeeze, unsqueeze } from '../../ops/movement.js';
import { matmul } from '../../ops/linalg.js';
import { scanSequential } from '../../scan/sequential.js';
import type { Tensor } from '../../tensor/tensor.js';
import { mlstmInputs } from './inputs.js';
import type { MLSTMFormOptions, MLSTMOutput } from './inputs.js';

/**
 * The mLSTM cell (xLSTM; xlstm's `recurrent_step_stabilized_simple` as the spec), per batch and
 * head, with k scaled by dk^-1/2 and log f = logsigmoid(fPre):
 *   m_t = max(log f_t + m_{t-1}, i_t)
 *   C_t = e^(log f_t + m_{t-1} - m_t) C_{t-1} + e^(i_t - m_t) k_t v_tᵀ,  n_t likewise with k_t
 *   h_t = C_tᵀ q_t / (max(|n_tᵀ q_t|, e^(-m_t)) + eps)
 * q, k [B, H, T, dk], v [B, H, T, dv], iPre, fPre [B, H, T] (gate pre-activations). Returns
 * h [B, H, T, dv] and the final state. The spec `mlstmParallel` and `mlstmChunk` are tested
 * against; scanned with `scanSequential` along time, so its backward is O(T).
 */
export function mlstmRecurrent(q: Tensor, k: Tensor, v: Tensor, iPre: Tensor, fPre: Tensor, opts: MLSTMFormOptions = {}): MLSTMOutput {
  const { ks, logF, state, eps } = mlstmInputs('mlstmRecurrent', q, k, v, iPre, fPre, opts);
  const r = scanSequential(([C, n, m], [qt, kt, vt, it, lf]) => {
    const decayed = add(lf!, m!); // [B, H]
    const mNew = maximum(decayed, it!);
    const fg = exp(sub(decayed, mNew)), ig = exp(sub(it!, mNew)); // stabilised gates, each <= 1
    const kc = unsqueeze(kt!, -1), vr = unsqueeze(vt!, -2); // [B, H, dk, 1], [B, H, 1, dv]
    const Ct = add(mul(unsqueeze(unsqueeze(fg, -1), -1), C!), mul(unsqueeze(unsqueeze(ig, -1), -1), matmul(kc, vr)));
    const nt = add(mul(unsqueeze(fg, -1), n!), mul(unsqueeze(ig, -1), kt!));
    const qr = unsqueeze(qt!, -2); // [B, H, 1, dk]
    const num = squeeze(matmul(qr, Ct), -2); // Cᵀ q: [B, H, dv]
    const den = squeeze(squeeze(matmul(qr, unsqueeze(nt, -1)), -1), -1); // nᵀ q: [B, H]
    return { carry: [Ct, nt, mNew], y: [div(num, unsqueeze(add(maximum(abs(den), exp(neg(mNew))), eps), -1))] };
  }, [state.C, state.n, state.m], [q, ks, v, iPre, logF], { axis: 2 });
  const [C, n, m] = r.carry as [Tensor, Tensor, Tensor];
  return { h: r.ys[0]!, state: { C, n, m } };
}
