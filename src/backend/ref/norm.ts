import type { Buffer, NormArgs } from '../types.js';
import { arr } from './buffer.js';

/** LayerNorm over rows of length n (biased variance, as PyTorch), float64 accumulation. */
export function layerNormKernel(a: NormArgs, out: Buffer, mean: Buffer, rstd: Buffer): void {
  const x = arr(a.x), y = arr(out), mu = arr(mean), rs = arr(rstd);
  const w = a.weight ? arr(a.weight) : null;
  const b = a.bias ? arr(a.bias) : null;
  const { rows, n, eps } = a;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += x[o + j]!;
    const m = s / n;
    let v = 0;
    for (let j = 0; j < n; j++) { const d = x[o + j]! - m; v += d * d; }
    const inv = 1 / Math.sqrt(v / n + eps);
    mu[r] = m;
    rs[r] = inv;
    for (let j = 0; j < n; j++) {
      const h = (x[o + j]! - m) * inv;
      y[o + j] = h * (w ? w[j]! : 1) + (b ? b[j]! : 0);
    }
  }
}

/**
 * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * w; dw = sum dy*xhat; db = sum dy.
 * Uses the saved mean/rstd rather than recomputing them.
 */
export function layerNormBackwardKernel(a: NormArgs, dyB: Buffer, mean: Buffer, rstd: Buffer,
  dxB: Buffer, dwB: Buffer | null, dbB: Buffer | null): void {
  const x = arr(a.x), dy = arr(dyB), mu = arr(mean), rs = arr(rstd), dx = arr(dxB);
  const w = a.weight ? arr(a.weight) : null;
  const { rows, n } = a;
  const dw = dwB ? new Float64Array(n) : null;
  const db = dbB ? new Float64Array(n) : null;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const m = mu[r]!, inv = rs[r]!;
    let sg = 0, sgx = 0;
    for (let j = 0; j < n; j++) {
      const h = (x[o + j]! - m) * inv;
      const g = dy[o + j]! * (w ? w[j]! : 1);
      sg += g;
      sgx += g * h;
      if (dw) dw[j]! += dy[o + j]! * h;
      if (db) db[j]! += dy[o + j]!;
    }
    sg /= n;
    sgx /= n;
    for (let j = 0; j < n; j++) {
      const h = (x[o + j]! - m) * inv;
      const g = dy[o + j]! * (w ? w[j]! : 1);
      dx[o + j] = inv * (g - sg - h * sgx);
    }
  }
  if (dw && dwB) arr(dwB).set(dw);
  if (db && dbB) arr(dbB).set(db);
}

/** RMSNorm: y = x / sqrt(mean(x^2) + eps) * w. */
export function rmsNormKernel(a: NormArgs, out: Buffer, rstd: Buffer): void {
  const x = arr(a.x), y = arr(out), rs = arr(rstd);
  const w = a.weight ? arr(a.weight) : null;
  const { rows, n, eps } = a;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += x[o + j]! * x[o + j]!;
    const inv = 1 / Math.sqrt(s / n + eps);
    rs[r] = inv;
    for (let j = 0; j < n; j++) y[o + j] = x[o + j]! * inv * (w ? w[j]! : 1);
  }
}

/** dx = rstd * (g - x * rstd^2 * mean(g * x)) with g = dy * w; dw = sum dy * x * rstd. */
export function rmsNormBackwardKernel(a: NormArgs, dyB: Buffer, rstd: Buffer, dxB: Buffer, dwB: Buffer | null): void {
  const x = arr(a.x), dy = arr(dyB), rs = arr(rstd), dx = arr(dxB);
  const w = a.weight ? arr(a.weight) : null;
  const { rows, n } = a;
  const dw = dwB ? new Float64Array(n) : null;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const inv = rs[r]!;
    let sgx = 0;
    for (let j = 0; j < n; j++) {
      sgx += dy[o + j]! * (w ? w[j]! : 1) * x[o + j]!;
      if (dw) dw[j]! += dy[o + j]! * x[o + j]! * inv;
    }
    const c = (inv * inv * sgx) / n;
    for (let j = 0; j < n; j++) dx[o + j] = inv * (dy[o + j]! * (w ? w[j]! : 1) - x[o + j]! * c);
  }
  if (dw && dwB) arr(dwB).set(dw);
}
