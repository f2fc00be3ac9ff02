import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { customGrad } from '../../autodiff/grad.js';
import { tensor } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { fft, pow2AtLeast } from './fft.js';

/** Per-channel spectra of rows of length T zero-padded to n (re, im) — one FFT per row. */
function spectra(data: ArrayLike<number>, rows: number, T: number, n: number): { re: Float64Array[]; im: Float64Array[] } {
  const re: Float64Array[] = [], im: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    const a = new Float64Array(n), b = new Float64Array(n);
    for (let t = 0; t < T; t++) a[t] = data[r * T + t]!;
    fft(a, b);
    re.push(a); im.push(b);
  }
  return { re, im };
}

/** First T values of IFFT(x · y) (or x · conj(y) for a correlation), accumulated into out[off..]. */
function mulInverse(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, conj: boolean, T: number, out: Float64Array, off: number): void {
  const n = xr.length;
  const pr = new Float64Array(n), pi = new Float64Array(n);
  const s = conj ? -1 : 1;
  for (let k = 0; k < n; k++) {
    pr[k] = xr[k]! * yr[k]! - s * xi[k]! * yi[k]!;
    pi[k] = xi[k]! * yr[k]! + s * xr[k]! * yi[k]!;
  }
  fft(pr, pi, true);
  for (let t = 0; t < T; t++) out[off + t]! += pr[t]!;
}

/**
 * Causal depthwise convolution y[b, h, t] = Σ_{k≤t} K[h, k] u[b, h, t-k] by FFT (O(T log T) per
 * row, float64 inside). u [B, H, T], K [H, T] → y [B, H, T]. Backward: du is the correlation of dy
 * with K, dK the correlation of dy with u summed over the batch — both by FFT as well. The
 * convolutional form of a linear time-invariant state-space layer.
 */
export function causalConv(u: Tensor, K: Tensor): Tensor {
  const op = 'causalConv';
  if (u.rank !== 3 || K.rank !== 2 || K.shape[0] !== u.shape[1] || K.shape[1] !== u.shape[2]) {
    throw new ShapeError(op, `u must be [B, H, T] and K [H, T], got ${fmtShape(u.shape)} and ${fmtShape(K.shape)}`);
  }
  if (u.dtype === 'int32' || u.dtype !== K.dtype) throw new ArgumentError(op, `u and K must share a float dtype, got ${u.dtype} and ${K.dtype}`);
  const [B, H, T] = u.shape as [number, number, number];
  const n = pow2AtLeast(2 * T);
  const run = customGrad('causalConv', (uu: Tensor, kk: Tensor) => {
    const us = spectra(uu.data(), B * H, T, n);
    const ks = spectra(kk.data(), H, T, n);
    const y = new Float64Array(B * H * T);
    for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) {
      const r = b * H + h;
      mulInverse(us.re[r]!, us.im[r]!, ks.re[h]!, ks.im[h]!, false, T, y, r * T);
    }
    return {
      value: tensor(y, [B, H, T], { dtype: uu.dtype }),
      gradFunc: ([dy], needs) => {
        const ds = spectra(dy!.data(), B * H, T, n);
        let du: Tensor | null = null, dk: Tensor | null = null;
        if (needs[0]) {
          const g = new Float64Array(B * H * T);
          // du[s] = Σ_t dy[t] K[t-s]: reverse time, convolve, reverse back — done in the spectrum
          // as dy' · conj(K̂) on the reversed output, i.e. a correlation.
          for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) corr(ds.re[b * H + h]!, ds.im[b * H + h]!, ks.re[h]!, ks.im[h]!, T, g, (b * H + h) * T);
          du = tensor(g, [B, H, T], { dtype: uu.dtype });
        }
        if (needs[1]) {
          const g = new Float64Array(H * T);
          for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) corr(ds.re[b * H + h]!, ds.im[b * H + h]!, us.re[b * H + h]!, us.im[b * H + h]!, T, g, h * T);
          dk = tensor(g, [H, T], { dtype: kk.dtype });
        }
        return [du, dk];
      },
    };
  });
  return run(u, K) as Tensor;
}

/** out[off + s] += Σ_t x[t] y[t - s] for s < T (x, y given as spectra of zero-padded rows). */
function corr(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, T: number, out: Float64Array, off: number): void {
  // IFFT(X · conj(Y))[s] = Σ_t x[t + s] y[t]: with x = dy, y = K that is Σ_t dy[t+s] K[t], i.e. the
  // lag-s correlation; cyclic wrap-around cannot reach s < T because both rows are zero past T.
  mulInverse(xr, xi, yr, yi, true, T, out, off);
}
