import { ShapeError, fmtShape } from '../../errors.js';
import { exp, mul } from '../../ops/elementwise.js';
import { narrow, squeeze, unsqueeze } from '../../ops/movement.js';
import { sum } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import { linearRecurrence } from '../../scan/linear.js';

/** How the selective scan runs: the fused linear-recurrence kernel, the associative scan, or the loop. */
export type SelectiveImpl = 'fused' | 'scan' | 'sequential';

/**
 * Mamba's selective scan (mamba_ssm `selective_scan_ref`, time-major): for every channel d and
 * state n, x_t = exp(Δ_t A) ⊙ x_{t-1} + Δ_t B_t u_t and y_t = Σ_n C_t x_t — a diagonal linear
 * recurrence whose coefficients depend on the input. u, delta [T, B, D] (delta already softplus'd),
 * A [D, N], Bm, Cm [T, B, N]; x0 [B, D, N] optional. Returns y [T, B, D] and the last state.
 */
export function selectiveScan(u: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor,
  opts: { impl?: SelectiveImpl; x0?: Tensor | null } = {}): { y: Tensor; state: Tensor } {
  const [T, B, D] = u.shape as [number, number, number];
  const N = A.shape[1]!;
  const ok = u.rank === 3 && delta.shape.every((d, i) => d === u.shape[i]) && A.rank === 2 && A.shape[0] === D
    && Bm.rank === 3 && Bm.shape[0] === T && Bm.shape[1] === B && Bm.shape[2] === N && Cm.shape.every((d, i) => d === Bm.shape[i]);
  if (!ok) {
    throw new ShapeError('selectiveScan', `need u, delta [T, B, D], A [D, N], B and C [T, B, N]; got u ${fmtShape(u.shape)}, delta ${fmtShape(delta.shape)}, A ${fmtShape(A.shape)}, B ${fmtShape(Bm.shape)}, C ${fmtShape(Cm.shape)}`);
  }
  const dt = unsqueeze(delta, -1); // [T, B, D, 1]
  const a = exp(mul(dt, A)); // [T, B, D, N]
  const b = mul(mul(dt, unsqueeze(Bm, 2)), unsqueeze(u, -1)); // [T, B, D, N]
  const impl = opts.impl ?? 'fused';
  const x = linearRecurrence(a, b, { h0: opts.x0 ?? null, impl: impl === 'scan' ? 'associative' : impl });
  const y = sum(mul(x, unsqueeze(Cm, 2)), -1);
  return { y, state: lastOf(x) };
}

/** The last time step of [T, ...]. */
function lastOf(x: Tensor): Tensor {
  return squeeze(narrow(x, 0, x.shape[0]! - 1, 1), 0);
}
