import { ShapeError, fmtShape } from '../../errors.js';
import { concat, narrow, reshape, squeeze, unsqueeze } from '../../ops/movement.js';
import { zeros } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RecurrenceOutput } from '../sequence-layer.js';
import { sameShape } from '../sequence-util.js';
import { oneOf } from '../../options.js';
import { deltaRuleChunk } from './chunk.js';
import { deltaRuleFused } from './fused.js';
import type { DeltaFormOptions } from './inputs.js';
import { deltaRuleRecurrent } from './recurrent.js';

/**
 * How `deltaRule` runs: 'recurrent' (the spec: token by token through the tape), 'chunk' (the UT
 * transform, C tokens at a time) or 'fused' (one backend kernel each way with a hand-written
 * backward; keeps every state for the backward, B·H·T·dv·dk elements).
 */
export type DeltaImpl = 'recurrent' | 'chunk' | 'fused';

/** Options of `deltaRule` and `deltaProduct`: the form and the options every form takes. */
export interface DeltaOptions extends DeltaFormOptions {
  /** 'chunk' (default), 'recurrent' or 'fused'. */
  impl?: DeltaImpl;
}

/** The forms by name; each validates its inputs (one signature, one set of checks). */
const FORMS = { recurrent: deltaRuleRecurrent, chunk: deltaRuleChunk, fused: deltaRuleFused } as const;

/**
 * The (gated) delta rule (DeltaNet and Gated DeltaNet), per batch and head with state S [dv, dk]:
 *   S_t = α_t S_{t-1} + β_t (v_t - α_t S_{t-1} k_t) k_tᵀ,   o_t = S_t q_t,   α_t = exp(g_t) (1 without g).
 * q, k [B, H, T, dk], v [B, H, T, dv], beta [B, H, T]; returns o [B, H, T, dv] and S_T. Dispatches
 * to `deltaRuleRecurrent` (the spec), `deltaRuleChunk` or `deltaRuleFused`, which agree on values
 * and every gradient.
 */
export function deltaRule(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, opts: DeltaOptions = {}): RecurrenceOutput {
  const { impl, ...rest } = opts;
  return FORMS[oneOf('deltaRule', 'impl', impl ?? 'chunk', Object.keys(FORMS) as DeltaImpl[])](q, k, v, beta, rest);
}

/**
 * DeltaProduct: n_h delta-rule (Householder) steps per token, the state read out after the last:
 *   S ← α_t S; for j = 1..n_h: S ← S + β_tj (v_tj - S k_tj) k_tjᵀ;  o_t = S q_t.
 * q [B, H, T, dk], k [B, H, T, n_h, dk], v [B, H, T, n_h, dv], beta [B, H, T, n_h]; g [B, H, T]
 * decays once per token. Runs `deltaRule` on the interleaved sequence of length T·n_h (q placed
 * on each token's last sub-step, g on its first), so the chunkwise form carries over unchanged.
 */
export function deltaProduct(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, opts: DeltaOptions = {}): RecurrenceOutput {
  const op = 'deltaProduct';
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const nh = k.shape[3]!;
  const dv = v.shape[4]!;
  if (q.rank !== 4 || !sameShape(k, [B, H, T, nh, dk]) || !sameShape(v, [B, H, T, nh, dv]) || !sameShape(beta, [B, H, T, nh])) {
    throw new ShapeError(op, `need q [B, H, T, dk], k [B, H, T, n_h, dk], v [B, H, T, n_h, dv], beta [B, H, T, n_h]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}, ${fmtShape(beta.shape)}`);
  }
  const g = opts.g ?? null;
  if (g && !sameShape(g, [B, H, T])) throw new ShapeError(op, `g must be [${B}, ${H}, ${T}], got ${fmtShape(g.shape)}`);
  if (nh === 1) return deltaRule(q, squeeze(k, 3), squeeze(v, 3), squeeze(beta, 3), opts);
  const L = T * nh;
  const pad = (x: Tensor, first: boolean): Tensor => {
    // x [B, H, T, ...] → [B, H, T·n_h, ...], x on sub-step 0 (first) or n_h - 1, zeros elsewhere
    const z = zeros([...x.shape.slice(0, 3), nh - 1, ...x.shape.slice(3)], { dtype: x.dtype });
    const parts = first ? [unsqueeze(x, 3), z] : [z, unsqueeze(x, 3)];
    return reshape(concat(parts, 3), [B, H, L, ...x.shape.slice(3)]);
  };
  const r = deltaRule(pad(q, false), reshape(k, [B, H, L, dk]), reshape(v, [B, H, L, dv]), reshape(beta, [B, H, L]),
    { ...opts, g: g ? pad(g, true) : null });
  return { o: squeeze(narrow(reshape(r.o, [B, H, T, nh, dv]), 3, nh - 1, 1), 3), state: r.state };
}
