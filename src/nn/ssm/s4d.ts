import { add, cos, div, exp, mul, neg, sin, sub } from '../../ops/elementwise.js';
import { arange, full } from '../../ops/creation.js';
import { narrow, squeeze, transpose, unsqueeze } from '../../ops/movement.js';
import { sum } from '../../ops/reduce.js';
import { normal, uniform } from '../init.js';
import { Module } from '../module.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { MixerOutput } from '../sequence-layer.js';
import { causalConv } from './causal-conv.js';
import { diagonalKernel } from './vandermonde.js';
import { cmul, complexRecurrence } from './complex.js';
import type { Complex } from './complex.js';
import { dtypeOpt } from '../sequence-util.js';
import { oneOf } from '../../options.js';

/**
 * How an LTI state-space layer runs over a sequence: FFT convolution, one fused recurrence kernel
 * pass, the parallel (associative) scan, or the loop through the tape (the spec).
 */
export type SSMImpl = 'conv' | 'fused' | 'scan' | 'recurrent';

/** A discretised state-space model: the per-step state transition Ā and input matrix B̄. */
export interface Discretized<T> {
  /** Ā, the state transition of one step. */
  a: T;
  /** B̄, the input matrix of one step. */
  bb: T;
}

/** S4D's discretisation: Ā, B̄ and the exponent Δλ (Ā = exp(Δλ)), each complex [H, N]. */
export interface S4DDiscretized extends Discretized<Complex> {
  /** The exponent Δλ, from which the convolution kernel takes its powers Āᵏ = exp(k Δλ). */
  dl: Complex;
}

/**
 * S4D (Gu et al. 2022), the diagonal S4 — also the diagonal linear RNN (DLR) view: H independent
 * channels, each with N complex modes λ = -exp(A_real_log) + i A_imag (S4D-Lin init: -1/2 + iπn),
 * a learned step Δ = exp(log_dt), ZOH discretisation Ā = exp(Δλ), B̄ = (Ā - 1)/λ · B, and
 *   x_t = Ā x_{t-1} + B̄ u_t,   y_t = Re(Σ_n C_n x_t,n) + D u_t.
 * Linear and time-invariant, so y is also the causal convolution of u with K_k = Re(Σ C B̄ Āᵏ),
 * computed by FFT ('conv', the default for training). u is time-major [T, B, H].
 */
export class S4DKernel extends Module {
  /** Log step size per channel [H]: Δ = exp(log_dt). */
  readonly log_dt: Tensor;
  /** Log of minus the modes' real parts [H, N]: Re λ = −exp(A_real_log). */
  readonly A_real_log: Tensor;
  /** The modes' imaginary parts [H, N]. */
  readonly A_imag: Tensor;
  /** Real part of B [H, N]. */
  readonly B_re: Tensor;
  /** Imaginary part of B [H, N]. */
  readonly B_im: Tensor;
  /** Real part of C [H, N]. */
  readonly C_re: Tensor;
  /** Imaginary part of C [H, N]. */
  readonly C_im: Tensor;
  /** Skip connection per channel [H]. */
  readonly D: Tensor;

  constructor(
    /** Channels H. */
    readonly H: number,
    /** Complex modes per channel N. */
    readonly N: number,
    rng: Rng, dtype: DType | undefined) {
    super();
    const o = { rng, ...dtypeOpt(dtype) };
    const d = dtypeOpt(dtype);
    this.log_dt = this.registerParameter('log_dt', uniform([H], Math.log(1e-3), Math.log(1e-1), o));
    this.A_real_log = this.registerParameter('A_real_log', full([H, N], Math.log(0.5), d));
    this.A_imag = this.registerParameter('A_imag', mul(full([H, N], Math.PI, d), unsqueeze(arange(0, N, 1, d), 0)));
    this.B_re = this.registerParameter('B_re', full([H, N], 1, d));
    this.B_im = this.registerParameter('B_im', full([H, N], 0, d));
    this.C_re = this.registerParameter('C_re', normal([H, N], 0, Math.sqrt(0.5), o));
    this.C_im = this.registerParameter('C_im', normal([H, N], 0, Math.sqrt(0.5), o));
    this.D = this.registerParameter('D', normal([H], 0, 1, o));
  }

  /** Ā [H, N], B̄ [H, N] (complex) and the exponent Δλ. */
  discretize(): S4DDiscretized {
    const dt = unsqueeze(exp(this.log_dt), -1);
    const lre = neg(exp(this.A_real_log)), lim = this.A_imag;
    const dl = { re: mul(lre, dt), im: mul(lim, dt) };
    const mag = exp(dl.re);
    const a = { re: mul(mag, cos(dl.im)), im: mul(mag, sin(dl.im)) };
    // (Ā - 1) / λ = (Ā - 1) conj(λ) / |λ|²
    const den = add(mul(lre, lre), mul(lim, lim));
    const num = cmul({ re: sub(a.re, 1), im: a.im }, { re: lre, im: neg(lim) });
    const q = { re: div(num.re, den), im: div(num.im, den) };
    return { a, bb: cmul(q, { re: this.B_re, im: this.B_im }), dl };
  }

  /** The convolution kernel K [H, T]: K_k = Re(Σ_n C_n B̄_n Āₙᵏ), Āᵏ = exp(k Δλ). */
  kernel(T: number): Tensor {
    const { bb, dl } = this.discretize();
    const cb = cmul({ re: this.C_re, im: this.C_im }, bb);
    return diagonalKernel(cb.re, cb.im, dl.re, dl.im, T);
  }

  /** u [T, B, H] → y [T, B, H] and (for the recurrent forms) the final complex state [B, H, N]. */
  forward(u: Tensor, impl: SSMImpl, valid: Tensor | null, state: Complex | null): MixerOutput<Complex | null> {
    if (impl === 'conv' && !state) {
      const T = u.shape[0]!;
      const y = causalConv(transpose(transpose(u, 0, 1), 1, 2), this.kernel(T)); // [B, H, T]
      return { y: add(transpose(transpose(y, 1, 2), 0, 1), mul(u, this.D)), state: null };
    }
    oneOf('S4D', 'impl', impl, ['conv', 'fused', 'scan', 'recurrent'] as const);
    const { a, bb } = this.discretize();
    const uu = unsqueeze(u, -1); // [T, B, H, 1]
    const x = complexRecurrence(a, { re: mul(bb.re, uu), im: mul(bb.im, uu) }, { impl: impl === 'conv' ? 'fused' : impl, x0: state, valid: valid ? unsqueeze(valid, -1) : null });
    const y = sum(sub(mul(x.re, this.C_re), mul(x.im, this.C_im)), -1);
    const T = u.shape[0]!;
    return { y: add(y, mul(u, this.D)), state: { re: lastStep(x.re, T), im: lastStep(x.im, T) } };
  }

  /** One step: u [B, H] → y [B, H], state [B, H, N]. */
  step(u: Tensor, state: Complex | null): MixerOutput<Complex> {
    const { a, bb } = this.discretize();
    const uu = unsqueeze(u, -1);
    let x: Complex = { re: mul(bb.re, uu), im: mul(bb.im, uu) };
    if (state) {
      const ax = cmul(a, state);
      x = { re: add(ax.re, x.re), im: add(ax.im, x.im) };
    }
    return { y: add(sum(sub(mul(x.re, this.C_re), mul(x.im, this.C_im)), -1), mul(u, this.D)), state: x };
  }
}

/** The last time step of [T, ...]. */
export function lastStep(t: Tensor, T: number): Tensor {
  return squeeze(narrow(t, 0, T - 1, 1), 0);
}
