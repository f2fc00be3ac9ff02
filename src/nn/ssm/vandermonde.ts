import { customGrad } from '../../autodiff/grad.js';
import { tensor } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * K[h, k] = Re(Σ_n w[h, n] · exp(k · z[h, n])) for k < T — the convolution kernel of a diagonal
 * SSM (w = C B̄, z = Δλ), as one op: float64 on the host, powers by repeated complex
 * multiplication, memory O(H·N + H·T) instead of the O(H·N·T) of writing it with elementwise ops.
 * Backward: dw = Σ_k dK conj-weighted powers, dz = Σ_k dK · k · (w e^{kz}) (real/imag parts).
 */
export function diagonalKernel(wRe: Tensor, wIm: Tensor, zRe: Tensor, zIm: Tensor, T: number): Tensor {
  const [H, N] = wRe.shape as [number, number];
  const run = customGrad('diagonalKernel', (a: Tensor, b: Tensor, c: Tensor, d: Tensor) => {
    const wr = a.data(), wi = b.data(), zr = c.data(), zi = d.data();
    const K = new Float64Array(H * T);
    for (let h = 0; h < H; h++) {
      for (let n = 0; n < N; n++) {
        const i = h * N + n;
        const er = Math.exp(zr[i]!) * Math.cos(zi[i]!), ei = Math.exp(zr[i]!) * Math.sin(zi[i]!);
        // p = w e^{kz}, starting at k = 0
        let pr = wr[i]!, pi = wi[i]!;
        for (let k = 0; k < T; k++) {
          K[h * T + k]! += pr;
          const t = pr * er - pi * ei;
          pi = pr * ei + pi * er;
          pr = t;
        }
      }
    }
    return {
      value: tensor(K, [H, T], { dtype: a.dtype }),
      gradFunc: ([dK]) => {
        const g = dK!.data();
        const dwr = new Float64Array(H * N), dwi = new Float64Array(H * N), dzr = new Float64Array(H * N), dzi = new Float64Array(H * N);
        for (let h = 0; h < H; h++) {
          for (let n = 0; n < N; n++) {
            const i = h * N + n;
            const er = Math.exp(zr[i]!) * Math.cos(zi[i]!), ei = Math.exp(zr[i]!) * Math.sin(zi[i]!);
            let qr = 1, qi = 0; // e^{kz}
            let sWr = 0, sWi = 0, sZr = 0, sZi = 0;
            for (let k = 0; k < T; k++) {
              const gk = g[h * T + k]!;
              // K = Re(w q): dK/dw_re = q_re, dK/dw_im = -q_im
              sWr += gk * qr;
              sWi -= gk * qi;
              // d/dz of Re(w e^{kz}) = k Re(w q) (real part), -k Im(w q) (imaginary part)
              const pr = wr[i]! * qr - wi[i]! * qi, pi = wr[i]! * qi + wi[i]! * qr;
              sZr += gk * k * pr;
              sZi -= gk * k * pi;
              const t = qr * er - qi * ei;
              qi = qr * ei + qi * er;
              qr = t;
            }
            dwr[i] = sWr; dwi[i] = sWi; dzr[i] = sZr; dzi[i] = sZi;
          }
        }
        const mk = (x: Float64Array): Tensor => tensor(x, [H, N], { dtype: a.dtype });
        return [mk(dwr), mk(dwi), mk(dzr), mk(dzi)];
      },
    };
  });
  return run(wRe, wIm, zRe, zIm) as Tensor;
}
