import { ShapeError, fmtShape } from '../../errors.js';
import { exp, mul } from '../../ops/elementwise.js';
import { narrow, squeeze, unsqueeze } from '../../ops/movement.js';
import { sum } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { MixerOutput } from '../sequence-layer.js';
import { linearRecurrence } from '../../scan/linear.js';
import type { LinearImpl } from '../../scan/linear.js';
import { sameShape } from '../sequence-util.js';
import { oneOf } from '../../options.js';

/** How the selective scan runs: the fused linear-recurrence kernel, the associative scan, or the loop (the spec). */
export type SelectiveImpl = 'fused' | 'scan' | 'recurrent';

/** Options every form of the selective scan takes. */
export interface SelectiveScanOptions {
  /** Initial state x0 [B, D, N] (zeros when absent). */
  x0?: Tensor | null;
}

/** Options of `selectiveScan`: the form and the options every form takes. */
export interface SelectiveOptions extends SelectiveScanOptions {
  /** 'fused' (default), 'scan' or 'recurrent' (the spec). */
  impl?: SelectiveImpl;
}

/**
 * Mamba's selective scan (mamba_ssm `selective_scan_ref`, time-major): for every channel d and
 * state n, x_t = exp(Δ_t A) ⊙ x_{t-1} + Δ_t B_t u_t and y_t = Σ_n C_t x_t — a diagonal linear
 * recurrence whose coefficients depend on the input. u, delta [T, B, D] (delta already softplus'd),
 * A [D, N], Bm, Cm [T, B, N]; x0 [B, D, N] optional. Returns y [T, B, D] and the last state.
 * Dispatches to `selectiveScanRecurrent` (the spec), `selectiveScanAssociative` or
 * `selectiveScanFused`, which differ only in how the linear recurrence is run.
 */
export function selectiveScan(u: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor,
  opts: SelectiveOptions = {}): MixerOutput<Tensor> {
  const { impl, ...rest } = opts;
  return FORMS[oneOf('selectiveScan', 'impl', impl ?? 'fused', Object.keys(FORMS) as SelectiveImpl[])](u, delta, A, Bm, Cm, rest);
}

/** The selective scan step by step through the tape (`linearRecurrence` impl 'recurrent'): the spec. */
export function selectiveScanRecurrent(u: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor, opts: SelectiveScanOptions = {}): MixerOutput<Tensor> {
  return run('selectiveScanRecurrent', 'recurrent', u, delta, A, Bm, Cm, opts);
}

/** The selective scan as a parallel associative scan over time. */
export function selectiveScanAssociative(u: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor, opts: SelectiveScanOptions = {}): MixerOutput<Tensor> {
  return run('selectiveScanAssociative', 'associative', u, delta, A, Bm, Cm, opts);
}

/** The selective scan with the recurrence in the fused linear-recurrence kernel (one pass each way). */
export function selectiveScanFused(u: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor, opts: SelectiveScanOptions = {}): MixerOutput<Tensor> {
  return run('selectiveScanFused', 'fused', u, delta, A, Bm, Cm, opts);
}

const FORMS = { fused: selectiveScanFused, scan: selectiveScanAssociative, recurrent: selectiveScanRecurrent } as const;

function run(op: string, impl: LinearImpl, u: Tensor, delta: Tensor, A: Tensor, Bm: Tensor, Cm: Tensor, opts: SelectiveScanOptions): MixerOutput<Tensor> {
  const [T, B, D] = u.shape as [number, number, number];
  const N = A.shape[1]!;
  const ok = u.rank === 3 && sameShape(delta, u.shape) && A.rank === 2 && A.shape[0] === D
    && sameShape(Bm, [T, B, N]) && sameShape(Cm, [T, B, N]);
  if (!ok) {
    throw new ShapeError(op, `need u, delta [T, B, D], A [D, N], B and C [T, B, N]; got u ${fmtShape(u.shape)}, delta ${fmtShape(delta.shape)}, A ${fmtShape(A.shape)}, B ${fmtShape(Bm.shape)}, C ${fmtShape(Cm.shape)}`);
  }
  const dt = unsqueeze(delta, -1); // [T, B, D, 1]
  const a = exp(mul(dt, A)); // [T, B, D, N]
  const b = mul(mul(dt, unsqueeze(Bm, 2)), unsqueeze(u, -1)); // [T, B, D, N]
  const x = linearRecurrence(a, b, { h0: opts.x0 ?? null, impl });
  const y = sum(mul(x, unsqueeze(Cm, 2)), -1);
  return { y, state: lastOf(x) };
}

/** The last time step of [T, ...]. */
function lastOf(x: Tensor): Tensor {
  return squeeze(narrow(x, 0, x.shape[0]! - 1, 1), 0);
}
