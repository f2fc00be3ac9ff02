import { ShapeError, fmtShape } from '../../errors.js';
import { customGrad } from '../../autodiff/grad.js';
import { empty } from '../../ops/util.js';
import { fusedInputs, willRecord } from '../fused-inputs.js';
import type { GLAArgs } from '../../backend/types.js';
import type { Tensor } from '../../tensor/tensor.js';

const same = (a: Tensor, shape: number[]): boolean => a.rank === shape.length && a.shape.every((d, i) => d === shape[i]);

/**
 * Gated linear attention as one fused kernel each way (the backend's `glaForward` /
 * `glaBackward`, a hand-written backward instead of the tape over T steps):
 *   S_t = exp(g_t) ⊙ S_{t-1} + k_t v_tᵀ,   o_t = S_tᵀ q_t,
 * with the log gate g [B, H, T] (scalar per head: scales all of S) or [B, H, T, dk] (per key
 * channel: scales the rows of S). q, k [B, H, T, dk], v [B, H, T, dv], s0 [B, H, dk, dv] or null
 * (zeros). Returns o [B, H, T, dv] and S_T. The same values and gradients as
 * `gatedLinearAttention(..., { impl: 'recurrent' })`, its spec.
 *
 * Memory: when a gradient will be taken, the forward keeps every state S_t for the backward, an
 * extra B·H·T·dk·dv elements (e.g. 34 MB of float32 for B·H = 128, T = 256, dk = dv = 16). Without
 * a tape only the running state is kept.
 */
export function glaFused(q: Tensor, k: Tensor, v: Tensor, g: Tensor, s0: Tensor | null = null): { o: Tensor; state: Tensor } {
  const op = 'glaFused';
  const inputs = fusedInputs(op, [['q', q], ['k', k], ['v', v], ['g', g], ['state', s0]]);
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const dv = v.rank === 4 ? v.shape[3]! : -1;
  const vectorGate = g.rank === 4;
  if (q.rank !== 4 || !same(k, [B, H, T, dk]) || !same(v, [B, H, T, dv]) || !(same(g, [B, H, T]) || same(g, [B, H, T, dk]))) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv], g [B, H, T] or [B, H, T, dk]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}, ${fmtShape(g.shape)}`);
  }
  if (T < 1) throw new ShapeError(op, `needs at least one step, got q ${fmtShape(q.shape)}`);
  if (s0 && !same(s0, [B, H, dk, dv])) throw new ShapeError(op, `state must be [${B}, ${H}, ${dk}, ${dv}], got ${fmtShape(s0.shape)}`);

  const be = q.backend, dtype = q.dtype, BH = B * H;
  // Keep the states only when this op will be recorded.
  const keep = willRecord(inputs);
  const run = customGrad('glaFused', (...ins: Tensor[]) => {
    const args: GLAArgs = {
      BH, T, dk, dv, q: ins[0]!.buffer, k: ins[1]!.buffer, v: ins[2]!.buffer, g: ins[3]!.buffer, vectorGate,
      s0: s0 ? ins[4]!.buffer : null,
    };
    const o = empty([B, H, T, dv], dtype, be);
    const sFinal = empty([B, H, dk, dv], dtype, be);
    const states = keep ? empty([B, H, T, dk, dv], dtype, be) : null;
    be.glaForward(args, o.buffer, states ? states.buffer : null, sFinal.buffer);
    return {
      value: [o, sFinal],
      save: states ? [states] : [],
      gradFunc: ([dO, dSFinal], needs, given) => {
        const dq = empty(q.shape, dtype, be), dk_ = empty(k.shape, dtype, be), dv_ = empty(v.shape, dtype, be);
        const dg = needs[3] ? empty(g.shape, dtype, be) : null;
        const dS0 = s0 && needs[4] ? empty(s0.shape, dtype, be) : null;
        be.glaBackward(args, states!.buffer, dO!.buffer, given[1] ? dSFinal!.buffer : null,
          dq.buffer, dk_.buffer, dv_.buffer, dg ? dg.buffer : null, dS0 ? dS0.buffer : null);
        const out: (Tensor | null)[] = [dq, dk_, dv_, dg];
        if (s0) out.push(dS0);
        return out;
      },
    };
  });
  const [o, state] = run(...inputs) as Tensor[];
  return { o: o!, state: state! };
}
