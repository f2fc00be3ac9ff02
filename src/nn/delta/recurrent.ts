import { add, exp, mul, sub } from '../../ops/elementwise.js';
import { squeeze, transpose, unsqueeze } from '../../ops/movement.js';
import { zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { scanSequential } from '../../scan/sequential.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RecurrenceOutput } from '../sequence-layer.js';
import { deltaInputs } from './inputs.js';
import type { DeltaFormOptions } from './inputs.js';

/**
 * The (gated) delta rule token by token, op by op (fla's naive recurrence): the spec the chunkwise
 * and fused forms are tested against. Per batch and head, with state S [dv, dk]:
 *   S_t = α_t S_{t-1} + β_t (v_t − α_t S_{t-1} k_t) k_tᵀ,   o_t = S_t q_t,   α_t = exp(g_t) (1 without g).
 * q, k [B, H, T, dk], v [B, H, T, dv], beta [B, H, T]. Returns o [B, H, T, dv] and S_T. Scanned
 * with `scanSequential` along the time axis, so its backward is O(T).
 */
export function deltaRuleRecurrent(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, opts: DeltaFormOptions = {}): RecurrenceOutput {
  const { B, H, dk, dv, g, S0 } = deltaInputs('deltaRuleRecurrent', q, k, v, beta, opts);
  const S = S0 ?? zeros([B, H, dv, dk], { dtype: q.dtype });
  const r = scanSequential(([s], [qt, kt, vt, bt, gt]) => {
    let St = gt ? mul(s!, exp(unsqueeze(unsqueeze(gt, -1), -1))) : s!;
    const kc = unsqueeze(kt!, -1); // [B, H, dk, 1]
    const err = sub(unsqueeze(vt!, -1), matmul(St, kc)); // [B, H, dv, 1]
    St = add(St, mul(unsqueeze(unsqueeze(bt!, -1), -1), matmul(err, transpose(kc, -1, -2))));
    return { carry: [St], y: [squeeze(matmul(St, unsqueeze(qt!, -1)), -1)] };
  }, [S], g ? [q, k, v, beta, g] : [q, k, v, beta], { axis: 2 });
  return { o: r.ys[0]!, state: r.carry[0]! };
}
