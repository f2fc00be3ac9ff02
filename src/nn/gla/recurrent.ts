import { add, exp, mul } from '../../ops/elementwise.js';
import { squeeze, unsqueeze } from '../../ops/movement.js';
import { zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { scanSequential } from '../../scan/sequential.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RecurrenceOutput } from '../sequence-layer.js';
import { glaInputs } from './inputs.js';
import type { GLAFormOptions } from './inputs.js';

/**
 * Gated linear attention token by token, op by op: the spec the chunkwise and fused forms are
 * tested against. Per batch and head (fla's state convention S [dk, dv]):
 *   S_t = exp(g_t) ⊙ S_{t-1} + k_t v_tᵀ,   o_t = S_tᵀ q_t,
 * with g [B, H, T] (one decay per head) or [B, H, T, dk] (per key channel: scales the rows of S).
 * Returns o [B, H, T, dv] and S_T. Scanned with `scanSequential` along time, so its backward is O(T).
 */
export function glaRecurrent(q: Tensor, k: Tensor, v: Tensor, g: Tensor, opts: GLAFormOptions = {}): RecurrenceOutput {
  const { B, H, dk, dv, vector, S0 } = glaInputs('glaRecurrent', q, k, v, g, opts);
  const S = S0 ?? zeros([B, H, dk, dv], { dtype: q.dtype });
  const r = scanSequential(([s], [qt, kt, vt, gt]) => {
    const a = exp(gt!); // [B, H, dk] or [B, H]
    const decay = vector ? unsqueeze(a, -1) : unsqueeze(unsqueeze(a, -1), -1); // rows of S, or all of S
    const St = add(mul(decay, s!), matmul(unsqueeze(kt!, -1), unsqueeze(vt!, -2)));
    return { carry: [St], y: [squeeze(matmul(unsqueeze(qt!, -2), St), -2)] }; // qᵀ S = (Sᵀ q)ᵀ
  }, [S], [q, k, v, g], { axis: 2 });
  return { o: r.ys[0]!, state: r.carry[0]! };
}
