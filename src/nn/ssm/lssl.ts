import { ArgumentError } from '../../errors.js';
import { add, exp, mul, sub } from '../../ops/elementwise.js';
import { concat, narrow, squeeze, transpose, unsqueeze } from '../../ops/movement.js';
import { eye, tensor, zeros } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { sum } from '../../ops/reduce.js';
import { normal, uniform } from '../init.js';
import { Module } from '../module.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { MixerOutput } from '../sequence-layer.js';
import type { Complex } from './complex.js';
import { scanSequential } from '../../scan/sequential.js';
import { causalConv } from './causal-conv.js';
import { expm, solve } from './linalg.js';
import type { Discretized, SSMImpl } from './s4d.js';
import { dtypeOpt } from '../sequence-util.js';

/** HiPPO-LegT: A_nk = -√(2n+1)√(2k+1)·(1 if n ≥ k else (-1)^(n-k)), B_n = √(2n+1). */
export function hippoLegT(N: number): { A: number[][]; B: number[] } {
  const A = Array.from({ length: N }, (_, n) => Array.from({ length: N }, (_, k) =>
    -Math.sqrt(2 * n + 1) * Math.sqrt(2 * k + 1) * (n >= k ? 1 : (n - k) % 2 === 0 ? 1 : -1)));
  return { A, B: Array.from({ length: N }, (_, n) => Math.sqrt(2 * n + 1)) };
}

/** How LSSL turns (A, B, Δ) into (Ā, B̄). */
export type Discretization = 'bilinear' | 'zoh';

/**
 * LSSL (Gu et al. 2021): per channel a dense N-dimensional linear state-space model with the
 * HiPPO-LegT matrix (fixed, or learned with `learnA`), a learned step Δ = exp(log_dt) per channel,
 * bilinear (Ā = (I - Δ/2 A)⁻¹(I + Δ/2 A), B̄ = (I - Δ/2 A)⁻¹ Δ B) or ZOH (Ā = e^{ΔA},
 * B̄ = ∫ e^{As} ds B, from one exponential of the augmented matrix) discretisation, and
 *   x_t = Ā x_{t-1} + B̄ u_t,   y_t = C x_t + D u_t.
 * 'conv' builds the kernel K_k = C Āᵏ B̄ and convolves by FFT; 'recurrent' is the recurrence.
 */
export class LSSLKernel extends Module {
  /** The HiPPO-LegT state matrix [N, N] (a buffer, or a parameter with `learnA`). */
  readonly A: Tensor;
  /** The HiPPO-LegT input vector [N] (a buffer, or a parameter with `learnA`). */
  readonly B: Tensor;
  /** Log step size per channel [H]: Δ = exp(log_dt). */
  readonly log_dt: Tensor;
  /** Output matrix [H, N]. */
  readonly C: Tensor;
  /** Skip connection per channel [H]. */
  readonly D: Tensor;

  constructor(
    /** Channels H. */
    readonly H: number,
    /** State size per channel N. */
    readonly N: number,
    /** How (A, B, Δ) become (Ā, B̄). */
    readonly disc: Discretization,
    learnA: boolean, rng: Rng, dtype: DType | undefined) {
    super();
    const o = { rng, ...dtypeOpt(dtype) };
    const d = dtypeOpt(dtype);
    const h = hippoLegT(N);
    const A = tensor(h.A.flat(), [N, N], d), B = tensor(h.B, [N], d);
    this.A = learnA ? this.registerParameter('A', A) : this.registerBuffer('A', A);
    this.B = learnA ? this.registerParameter('B', B) : this.registerBuffer('B', B);
    this.log_dt = this.registerParameter('log_dt', uniform([H], Math.log(1e-3), Math.log(1e-1), o));
    this.C = this.registerParameter('C', normal([H, N], 0, 1 / Math.sqrt(N), o));
    this.D = this.registerParameter('D', normal([H], 0, 1, o));
  }

  /** Ā [H, N, N] and B̄ [H, N, 1]. */
  discretize(): Discretized<Tensor> {
    const { H, N } = this;
    const dt = unsqueeze(unsqueeze(exp(this.log_dt), -1), -1); // [H, 1, 1]
    const dA = mul(dt, this.A); // [H, N, N]
    const dB = mul(dt, unsqueeze(this.B, -1)); // [H, N, 1]
    if (this.disc === 'bilinear') {
      const I = eye(N, { dtype: this.A.dtype });
      const left = sub(I, mul(dA, 0.5));
      return { a: solve(left, add(I, mul(dA, 0.5))), bb: solve(left, dB) };
    }
    // ZOH through exp([[ΔA, ΔB], [0, 0]]) = [[Ā, B̄], [0, 1]].
    const top = concat([dA, dB], -1); // [H, N, N+1]
    const aug = concat([top, zeros([H, 1, N + 1], { dtype: this.A.dtype })], 1);
    const e = expm(aug);
    return { a: narrow(narrow(e, 1, 0, N), 2, 0, N), bb: narrow(narrow(e, 1, 0, N), 2, N, 1) };
  }

  /**
   * K [H, T] with K_k = C Āᵏ B̄, by the paper's Krylov squaring: V = [B̄, ĀB̄, …, Ā^{m−1}B̄] grows
   * to [V, Ā^m V] while Ā^m is squared, so ⌈log₂ T⌉ batched matmuls replace T matrix-vector
   * products (a long tape of tiny ops is what made training slow).
   */
  kernel(T: number): Tensor {
    const { a, bb } = this.discretize();
    let v = bb; // [H, N, m]
    let p = a; // Ā^m
    let m = 1;
    while (m < T) {
      const extra = Math.min(m, T - m);
      v = concat([v, matmul(p, extra === m ? v : narrow(v, 2, 0, extra))], 2);
      m += extra;
      if (m < T) p = matmul(p, p);
    }
    return squeeze(matmul(unsqueeze(this.C, 1), v), 1); // [H, 1, N] · [H, N, T] -> [H, T]
  }

  /** u [T, B, H] → y [T, B, H]; the recurrent form also returns the final state [B, H, N]. */
  forward(u: Tensor, impl: SSMImpl, valid: Tensor | null, state: { re: Tensor } | null): MixerOutput<Complex | null> {
    if (impl === 'scan' || impl === 'fused') throw new ArgumentError('LSSL', "has a dense state matrix: use impl 'conv' or 'recurrent'");
    if (impl === 'conv' && !state) {
      const T = u.shape[0]!;
      const y = causalConv(transpose(transpose(u, 0, 1), 1, 2), this.kernel(T));
      return { y: add(transpose(transpose(y, 1, 2), 0, 1), mul(u, this.D)), state: null };
    }
    const { a, bb } = this.discretize();
    const [, B] = u.shape as [number, number];
    const x0 = state ? transpose(state.re, 0, 1) : zeros([this.H, B, this.N], { dtype: u.dtype }); // [H, B, N]
    const r = scanSequential((carry, [ut, vt]) => {
      const xp = carry[0]!; // [H, B, N]
      // x [H, B, N] · Āᵀ + B̄ᵀ u
      let x = add(matmul(xp, transpose(a, -1, -2)), mul(transpose(bb, -1, -2), unsqueeze(transpose(ut!, 0, 1), -1)));
      if (vt) x = add(mul(x, unsqueeze(transpose(vt, 0, 1), -1)), mul(xp, sub(1, unsqueeze(transpose(vt, 0, 1), -1))));
      const y = add(transpose(sum(mul(x, unsqueeze(this.C, 1)), -1), 0, 1), mul(ut!, this.D)); // [B, H]
      return { carry: [x], y: [y] };
    }, [x0], valid ? [u, valid] : [u]);
    const last = transpose(r.carry[0]!, 0, 1); // [B, H, N]
    return { y: r.ys[0]!, state: { re: last, im: zeros(last.shape, { dtype: last.dtype }) } };
  }

  /** One step: u [B, H] → y [B, H], state [B, H, N]. */
  step(u: Tensor, state: { re: Tensor } | null): MixerOutput<Complex> {
    const r = this.forward(unsqueeze(u, 0), 'recurrent', null, state);
    return { y: squeeze(r.y, 0), state: r.state! };
  }
}
