import { ShapeError, fmtShape } from '../../errors.js';
import { customGrad } from '../../autodiff/grad.js';
import { empty } from '../../ops/util.js';
import { fusedInputs, willRecord } from '../fused-inputs.js';
import type { DeltaRuleArgs } from '../../backend/types.js';
import type { Tensor } from '../../tensor/tensor.js';

const same = (a: Tensor, shape: number[]): boolean => a.rank === shape.length && a.shape.every((d, i) => d === shape[i]);

/**
 * The (gated) delta rule as one fused kernel each way (the backend's `deltaRuleForward` /
 * `deltaRuleBackward`, a hand-written backward instead of the tape over T steps):
 *   S_t = α_t S_{t-1} + β_t (v_t − α_t S_{t-1} k_t) k_tᵀ,   o_t = S_t q_t,   α_t = exp(g_t).
 * q, k [B, H, T, dk], v [B, H, T, dv], beta [B, H, T], g [B, H, T] or null, s0 [B, H, dv, dk] or
 * null (zeros). Returns o [B, H, T, dv] and S_T. The same values and gradients as
 * `deltaRule(..., { impl: 'recurrent' })`, its spec.
 *
 * Memory: when a gradient will be taken, the forward keeps every state S_t for the backward, an
 * extra B·H·T·dv·dk elements (e.g. 33 MB of float32 for B·H = 512, T = 64, dv = dk = 16). Without
 * a tape only the running state is kept. (Recomputing states from checkpoints every C steps would
 * cut this by C at the cost of a second forward; not done yet.)
 */
export function deltaRuleFused(q: Tensor, k: Tensor, v: Tensor, beta: Tensor, g: Tensor | null = null, s0: Tensor | null = null): { o: Tensor; state: Tensor } {
  const op = 'deltaRuleFused';
  const inputs = fusedInputs(op, [['q', q], ['k', k], ['v', v], ['beta', beta], ['g', g], ['state', s0]]);
  const [B, H, T, dk] = q.shape as [number, number, number, number];
  const dv = v.shape[3]!;
  if (q.rank !== 4 || v.rank !== 4 || !same(k, [B, H, T, dk]) || !same(v, [B, H, T, dv]) || !same(beta, [B, H, T])) {
    throw new ShapeError(op, `need q, k [B, H, T, dk], v [B, H, T, dv], beta [B, H, T]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}, ${fmtShape(beta.shape)}`);
  }
  if (T < 1) throw new ShapeError(op, `needs at least one step, got q ${fmtShape(q.shape)}`);
  if (g && !same(g, [B, H, T])) throw new ShapeError(op, `g must be [${B}, ${H}, ${T}], got ${fmtShape(g.shape)}`);
  if (s0 && !same(s0, [B, H, dv, dk])) throw new ShapeError(op, `state must be [${B}, ${H}, ${dv}, ${dk}], got ${fmtShape(s0.shape)}`);

  const be = q.backend, dtype = q.dtype, BH = B * H;
  // Keep the states only when this op will be recorded.
  const keep = willRecord(inputs);
  const gi = g ? 4 : -1, si = s0 ? (g ? 5 : 4) : -1;
  const run = customGrad('deltaRuleFused', (...ins: Tensor[]) => {
    const args: DeltaRuleArgs = {
      BH, T, dk, dv, q: ins[0]!.buffer, k: ins[1]!.buffer, v: ins[2]!.buffer, beta: ins[3]!.buffer,
      g: gi >= 0 ? ins[gi]!.buffer : null, s0: si >= 0 ? ins[si]!.buffer : null,
    };
    const o = empty([B, H, T, dv], dtype, be);
    const sFinal = empty([B, H, dv, dk], dtype, be);
    const states = keep ? empty([B, H, T, dv, dk], dtype, be) : null;
    be.deltaRuleForward(args, o.buffer, states ? states.buffer : null, sFinal.buffer);
    return {
      value: [o, sFinal],
      save: states ? [states] : [],
      gradFunc: ([dO, dSFinal], needs, given) => {
        const dq = empty(q.shape, dtype, be), dk_ = empty(k.shape, dtype, be), dv_ = empty(v.shape, dtype, be);
        const dbeta = empty(beta.shape, dtype, be);
        const dg = gi >= 0 && needs[gi] ? empty(g!.shape, dtype, be) : null;
        const dS0 = si >= 0 && needs[si] ? empty(s0!.shape, dtype, be) : null;
        be.deltaRuleBackward(args, states!.buffer, dO!.buffer, given[1] ? dSFinal!.buffer : null,
          dq.buffer, dk_.buffer, dv_.buffer, dbeta.buffer, dg ? dg.buffer : null, dS0 ? dS0.buffer : null);
        const out: (Tensor | null)[] = [dq, dk_, dv_, dbeta];
        if (gi >= 0) out.push(dg);
        if (si >= 0) out.push(dS0);
        return out;
      },
    };
  });
  const [o, state] = run(...inputs) as Tensor[];
  return { o: o!, state: state! };
}
