import type { DeltaRuleArgs } from '../../backend/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RecurrenceOutput } from '../sequence-layer.js';
import { fusedRecurrence } from '../fused-recurrence.js';
import { deltaInputs } from './inputs.js';
import type { DeltaFormOptions } from './inputs.js';

/**
 * The (gated) delta rule as one fused kernel each way (the backend's `deltaRuleForward` /
 * `deltaRuleBackward`, a hand-written backward instead of the tape over T steps):
 *   S_t = α_t S_{t-1} + β_t (v_t − α_t S_{t-1} k_t) k_tᵀ,   o_t = S_t q_t,   α_t = exp(g_t).
 * Same signature, values and gradients as `deltaRuleRecurrent`, its spec.
 *
 * Memory: when a gradient will be taken, the forward keeps every state S_t for the backward, an
 * extra B·H·T·dv·dk elements (e.g. 33 MB of float32 for B·H = 512, T = 64, dv = dk = 16). Without
 * a tape only the running state is kept. (Recomputing states from checkpoints every C steps would
 * cut this by C at the cost of a second forward; not done yet.)
 */
export function deltaRuleFused(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, opts: DeltaFormOptions = {}): RecurrenceOutput {
  const op = 'deltaRuleFused';
  const { B, H, T, dk, dv, g, S0 } = deltaInputs(op, q, k, v, beta, opts);
  return fusedRecurrence<DeltaRuleArgs>({
    op, inputs: [['q', q], ['k', k], ['v', v], ['beta', beta], ['g', g], ['state', S0]],
    output: [B, H, T, dv], state: [B, H, dv, dk], kept: [B, H, T, dv, dk], alwaysGrad: 4,
    args: (b) => ({ BH: B * H, T, dk, dv, q: b.get('q')!, k: b.get('k')!, v: b.get('v')!, beta: b.get('beta')!, g: b.get('g') ?? null, s0: b.get('state') ?? null }),
    forward: (be, args, o, states, sFinal) => be.deltaRuleForward(args, o, states, sFinal),
    backward: (be, args, states, dO, dS, grads) => be.deltaRuleBackward(args, states, dO, dS,
      grads.get('q')!, grads.get('k')!, grads.get('v')!, grads.get('beta')!, grads.get('g') ?? null, grads.get('state') ?? null),
  });
}
