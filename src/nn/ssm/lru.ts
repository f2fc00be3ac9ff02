import { add, cos, exp, mul, neg, sin, sub } from '../../ops/elementwise.js';
import { arange, tensor } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { transpose, unsqueeze } from '../../ops/movement.js';
import { normal } from '../init.js';
import { Module } from '../module.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { MixerOutput } from '../sequence-layer.js';
import { causalConv } from './causal-conv.js';
import { cmul, complexRecurrence } from './complex.js';
import type { Complex } from './complex.js';
import { lastStep } from './s4d.js';
import type { SSMImpl } from './s4d.js';
import { dtypeOpt } from '../sequence-util.js';
import { oneOf } from '../../options.js';

/**
 * LRU, the Linear Recurrent Unit (Orvieto et al. 2023): N complex modes λ = exp(-exp(ν) + i exp(θ))
 * (stable by construction; init |λ| ∈ [0.9, 0.999], phase ∈ [0, π/10]), normalised input γ ⊙ B u
 * with γ = sqrt(1 - |λ|²), dense complex B [N, H] and C [H, N]:
 *   x_t = λ ⊙ x_{t-1} + γ ⊙ (B u_t),   y_t = Re(C x_t) + D ⊙ u_t.
 * 'scan' (default) is the parallel associative scan; 'conv' convolves each mode by FFT.
 */
export class LRUKernel extends Module {
  /** Log of minus the log modulus [N]: |λ| = exp(−exp(nu_log)). */
  readonly nu_log: Tensor;
  /** Log phase [N]: arg λ = exp(theta_log). */
  readonly theta_log: Tensor;
  /** Log input normalisation γ [N]. */
  readonly gamma_log: Tensor;
  /** Real part of B [N, H]. */
  readonly B_re: Tensor;
  /** Imaginary part of B [N, H]. */
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
    /** Complex modes in total N. */
    readonly N: number,
    rng: Rng, dtype: DType | undefined) {
    super();
    const o = { rng, ...dtypeOpt(dtype) };
    const d = dtypeOpt(dtype);
    // Ring initialisation: |λ|² uniform in [r_min², r_max²], phase uniform in [0, max_phase].
    const rMin = 0.9, rMax = 0.999, maxPhase = Math.PI / 10;
    const nu: number[] = [], th: number[] = [], ga: number[] = [];
    for (let n = 0; n < N; n++) {
      const r = Math.sqrt(rMin * rMin + rng.uniform() * (rMax * rMax - rMin * rMin));
      nu.push(Math.log(-Math.log(r)));
      th.push(Math.log(Math.max(1e-4, rng.uniform() * maxPhase)));
      ga.push(Math.log(Math.sqrt(1 - r * r)));
    }
    this.nu_log = this.registerParameter('nu_log', tensor(nu, [N], d));
    this.theta_log = this.registerParameter('theta_log', tensor(th, [N], d));
    this.gamma_log = this.registerParameter('gamma_log', tensor(ga, [N], d));
    this.B_re = this.registerParameter('B_re', normal([N, H], 0, 1 / Math.sqrt(2 * H), o));
    this.B_im = this.registerParameter('B_im', normal([N, H], 0, 1 / Math.sqrt(2 * H), o));
    this.C_re = this.registerParameter('C_re', normal([H, N], 0, 1 / Math.sqrt(N), o));
    this.C_im = this.registerParameter('C_im', normal([H, N], 0, 1 / Math.sqrt(N), o));
    this.D = this.registerParameter('D', normal([H], 0, 1, o));
  }

  /** λ (complex [N]) and its log (for powers). */
  private lambda(): { lam: Complex; logLam: Complex } {
    const logLam = { re: neg(exp(this.nu_log)), im: exp(this.theta_log) };
    const mag = exp(logLam.re);
    return { lam: { re: mul(mag, cos(logLam.im)), im: mul(mag, sin(logLam.im)) }, logLam };
  }

  /** γ ⊙ B u: u [..., H] → complex [..., N]. */
  private input(u: Tensor): Complex {
    const g = exp(this.gamma_log);
    return { re: mul(matmul(u, transpose(this.B_re, 0, 1)), g), im: mul(matmul(u, transpose(this.B_im, 0, 1)), g) };
  }

  /** Re(C x) + D u for x [..., N]. */
  private output(x: Complex, u: Tensor): Tensor {
    return add(sub(matmul(x.re, transpose(this.C_re, 0, 1)), matmul(x.im, transpose(this.C_im, 0, 1))), mul(u, this.D));
  }

  /** u [T, B, H] → y [T, B, H] and the final state [B, N] (recurrent forms). */
  forward(u: Tensor, impl: SSMImpl, valid: Tensor | null, state: Complex | null): MixerOutput<Complex | null> {
    oneOf('LRU', 'impl', impl, ['conv', 'fused', 'scan', 'recurrent'] as const);
    const v = this.input(u); // [T, B, N]
    const T = u.shape[0]!;
    if (impl === 'conv' && !state) {
      // Mode n sees the causal convolution of its input with λ_nᵏ: four real FFT convolutions.
      const { logLam } = this.lambda();
      const k = arange(0, T, 1, { dtype: u.dtype });
      const mag = exp(mul(unsqueeze(logLam.re, -1), k)), ang = mul(unsqueeze(logLam.im, -1), k); // [N, T]
      const kr = mul(mag, cos(ang)), ki = mul(mag, sin(ang));
      const toBNT = (t: Tensor): Tensor => transpose(transpose(t, 0, 1), 1, 2); // [T,B,N] -> [B,N,T]
      const back = (t: Tensor): Tensor => transpose(transpose(t, 1, 2), 0, 1);
      const vr = toBNT(v.re), vi = toBNT(v.im);
      const x = { re: back(sub(causalConv(vr, kr), causalConv(vi, ki))), im: back(add(causalConv(vr, ki), causalConv(vi, kr))) };
      return { y: this.output(x, u), state: null };
    }
    const { lam } = this.lambda();
    const x = complexRecurrence(lam, v, { impl: impl === 'conv' ? 'fused' : impl, x0: state, valid: valid ?? null });
    return { y: this.output(x, u), state: { re: lastStep(x.re, T), im: lastStep(x.im, T) } };
  }

  /** One step: u [B, H] → y [B, H], state [B, N]. */
  step(u: Tensor, state: Complex | null): MixerOutput<Complex> {
    let x = this.input(u);
    if (state) {
      const ax = cmul(this.lambda().lam, state);
      x = { re: add(ax.re, x.re), im: add(ax.im, x.im) };
    }
    return { y: this.output(x, u), state: x };
  }
}
