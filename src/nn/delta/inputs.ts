import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkTensor } from '../../ops/util.js';
import { sameShape } from '../sequence-util.js';

/** Options every form of the delta rule takes (one signature: recurrent, chunk, fused). */
export interface DeltaFormOptions {
  /** Initial state S0 [B, H, dv, dk] (zeros when absent). */
  state?: Tensor | null;
  /** Log decay g [B, H, T] (≤ 0 in Gated DeltaNet): the state is scaled by exp(g_t) before step t. */
  g?: Tensor | null;
  /** Chunk length of the chunkwise form (default 16; the other forms ignore it). */
  chunk?: number;
}

/** The checked sizes and optional inputs of a delta-rule call. */
export interface DeltaInputs { B: number; H: number; T: number; dk: number; dv: number; g: Tensor | null; S0: Tensor | null }

/** Shape checks shared by the delta-rule forms: q, k [B, H, T, dk], v [B, H, T, dv], beta, g [B, H, T], S0 [B, H, dv, dk]. */
export function deltaInputs(op: string, q: Tensor, k: Tensor, v: Tensor, beta: Tensor, opts: DeltaFormOptions): DeltaInputs {
  for (const [name, t] of [['q', q], ['k', k], ['v', v], ['beta', beta]] as const) checkTensor(op, name, t);
  if (opts.g) checkTensor(op, 'g', opts.g);
  if (opts.state) checkTensor(op, 'state', opts.state);
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const dv = v.rank === 4 ? v.shape[3]! : -1;
  if (q.rank !== 4 || !sameShape(k, [B, H, T, dk]) || !sameShape(v, [B, H, T, dv]) || !sameShape(beta, [B, H, T])) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv], beta [B, H, T]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}, ${fmtShape(beta.shape)}`);
  }
  if (T < 1) throw new ShapeError(op, `needs at least one step, got q ${fmtShape(q.shape)}`);
  const g = opts.g ?? null;
  if (g && !sameShape(g, [B, H, T])) throw new ShapeError(op, `g must be [${B}, ${H}, ${T}], got ${fmtShape(g.shape)}`);
  const S0 = opts.state ?? null;
  if (S0 && !sameShape(S0, [B, H, dv, dk])) throw new ShapeError(op, `state must be [${B}, ${H}, ${dv}, ${dk}], got ${fmtShape(S0.shape)}`);
  return { B, H, T, dk, dv, g, S0 };
}
