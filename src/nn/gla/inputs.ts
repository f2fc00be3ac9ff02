import { ShapeError, fmtShape } from '../../errors.js';
import { checkTensor } from '../../ops/util.js';
import type { Tensor } from '../../tensor/tensor.js';
import { sameShape } from '../sequence-util.js';

/** Options every form of gated linear attention takes (one signature: recurrent, chunk, fused). */
export interface GLAFormOptions {
  /** Initial state S⁰ [B, H, dk, dv] (zeros when absent). */
  state?: Tensor | null;
  /** Tokens per chunk of the chunkwise form (default 16; the other forms ignore it). */
  chunk?: number;
}

/** The checked sizes of a gated-linear-attention call; `vector` when g has a decay per key channel. */
export interface GLAInputs { B: number; H: number; T: number; dk: number; dv: number; vector: boolean; S0: Tensor | null }

/** Shape checks shared by the GLA forms: q, k [B, H, T, dk], v [B, H, T, dv], g [B, H, T] or [B, H, T, dk], S⁰ [B, H, dk, dv]. */
export function glaInputs(op: string, q: Tensor, k: Tensor, v: Tensor, g: Tensor, opts: GLAFormOptions): GLAInputs {
  for (const [name, t] of [['q', q], ['k', k], ['v', v], ['g', g]] as const) checkTensor(op, name, t);
  if (opts.state) checkTensor(op, 'state', opts.state);
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const dv = v.rank === 4 ? v.shape[3]! : -1;
  if (q.rank !== 4 || !sameShape(k, [B, H, T, dk]) || !sameShape(v, [B, H, T, dv]) || !(sameShape(g, [B, H, T]) || sameShape(g, [B, H, T, dk]))) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv], g [B, H, T] or [B, H, T, dk]; got q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}, g ${fmtShape(g.shape)}`);
  }
  if (T < 1) throw new ShapeError(op, `needs at least one step, got q ${fmtShape(q.shape)}`);
  const S0 = opts.state ?? null;
  if (S0 && !sameShape(S0, [B, H, dk, dv])) throw new ShapeError(op, `state must be [${B}, ${H}, ${dk}, ${dv}], got ${fmtShape(S0.shape)}`);
  return { B, H, T, dk, dv, vector: g.rank === 4, S0 };
}
