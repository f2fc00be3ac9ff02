import type { Tensor } from '../../tensor/tensor.js';
import type { RecurrenceOutput } from '../sequence-layer.js';
import { oneOf } from '../../options.js';
import { glaChunk } from './chunk.js';
import { glaFused } from './fused.js';
import type { GLAFormOptions } from './inputs.js';
import { glaRecurrent } from './recurrent.js';

/**
 * How `gatedLinearAttention` runs: 'recurrent' (the spec: token by token through the tape),
 * 'chunk' (chunkwise) or 'fused' (one backend kernel each way with a hand-written backward; keeps
 * every state for the backward, B·H·T·dk·dv elements).
 */
export type GLAImpl = 'recurrent' | 'chunk' | 'fused';

/** Options of `gatedLinearAttention`: the form and the options every form takes. */
export interface GLAOpOptions extends GLAFormOptions {
  /** 'chunk' (default), 'recurrent' (the spec) or 'fused'. */
  impl?: GLAImpl;
}

/** The forms by name; each validates its inputs. */
const FORMS = { recurrent: glaRecurrent, chunk: glaChunk, fused: glaFused } as const;

/**
 * Gated linear attention (fla's GLA / simple GLA and Mamba-2's SSD; fla's state convention
 * S [dk, dv]): per batch and head
 *   S_t = exp(g_t) ⊙ S_{t-1} + k_t v_tᵀ,   o_t = S_tᵀ q_t.
 * q, k [B, H, T, dk], v [B, H, T, dv]; the log-gate g is [B, H, T] (one decay per head: simple GLA,
 * Mamba-2) or [B, H, T, dk] (a decay per key channel, scaling the rows of S: GLA). No scaling is
 * applied to q (the caller does it). Returns o [B, H, T, dv] and the final state [B, H, dk, dv].
 * Dispatches to `glaRecurrent` (the spec), `glaChunk` or `glaFused`, which agree on values and
 * every gradient.
 */
export function gatedLinearAttention(q: Tensor, k: Tensor, v: Tensor, g: Tensor, opts: GLAOpOptions = {}): RecurrenceOutput {
  const { impl, ...rest } = opts;
  return FORMS[oneOf('gatedLinearAttention', 'impl', impl ?? 'chunk', Object.keys(FORMS) as GLAImpl[])](q, k, v, g, rest);
}
