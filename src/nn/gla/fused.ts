import type { GLAArgs } from '../../backend/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RecurrenceOutput } from '../sequence-layer.js';
import { fusedRecurrence } from '../fused-recurrence.js';
import { glaInputs } from './inputs.js';
import type { GLAFormOptions } from './inputs.js';

/**
 * Gated linear attention as one fused kernel each way (the backend's `glaForward` /
 * `glaBackward`, a hand-written backward instead of the tape over T steps):
 *   S_t = exp(g_t) ⊙ S_{t-1} + k_t v_tᵀ,   o_t = S_tᵀ q_t.
 * Same signature, values and gradients as `glaRecurrent`, its spec.
 *
 * Memory: when a gradient will be taken, the forward keeps every state S_t for the backward, an
 * extra B·H·T·dk·dv elements (e.g. 34 MB of float32 for B·H = 128, T = 256, dk = dv = 16). Without
 * a tape only the running state is kept.
 */
export function glaFused(q: Tensor, k: Tensor, v: Tensor, g: Tensor, opts: GLAFormOptions = {}): RecurrenceOutput {
  const op = 'glaFused';
  const { B, H, T, dk, dv, vector, S0 } = glaInputs(op, q, k, v, g, opts);
  return fusedRecurrence<GLAArgs>({
    op, inputs: [['q', q], ['k', k], ['v', v], ['g', g], ['state', S0]],
    output: [B, H, T, dv], state: [B, H, dk, dv], kept: [B, H, T, dk, dv], alwaysGrad: 3,
    args: (b) => ({ BH: B * H, T, dk, dv, q: b.get('q')!, k: b.get('k')!, v: b.get('v')!, g: b.get('g')!, vectorGate: vector, s0: b.get('state') ?? null }),
    forward: (be, args, o, states, sFinal) => be.glaForward(args, o, states, sFinal),
    backward: (be, args, states, dO, dS, grads) => be.glaBackward(args, states, dO, dS,
      grads.get('q')!, grads.get('k')!, grads.get('v')!, grads.get('g') ?? null, grads.get('state') ?? null),
  });
}
