import { ShapeError, fmtShape } from '../../errors.js';
import { customGrad } from '../../autodiff/grad.js';
import { add, div, neg } from '../../ops/elementwise.js';
import { eye, tensor } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { transpose } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';

/** Solves M X = R for a batch of square systems (Gaussian elimination with partial pivoting, float64 on the host). */
function solveHost(m: ArrayLike<number>, r: ArrayLike<number>, batch: number, n: number, k: number): Float64Array {
  const out = new Float64Array(batch * n * k);
  const a = new Float64Array(n * n), x = new Float64Array(n * k);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n * n; i++) a[i] = m[b * n * n + i]!;
    for (let i = 0; i < n * k; i++) x[i] = r[b * n * k + i]!;
    for (let col = 0; col < n; col++) {
      let p = col;
      for (let i = col + 1; i < n; i++) if (Math.abs(a[i * n + col]!) > Math.abs(a[p * n + col]!)) p = i;
      if (a[p * n + col] === 0) throw new ShapeError('solve', 'matrix is singular');
      if (p !== col) {
        for (let j = 0; j < n; j++) [a[col * n + j], a[p * n + j]] = [a[p * n + j]!, a[col * n + j]!];
        for (let j = 0; j < k; j++) [x[col * k + j], x[p * k + j]] = [x[p * k + j]!, x[col * k + j]!];
      }
      for (let i = 0; i < n; i++) {
        if (i === col) continue;
        const f = a[i * n + col]! / a[col * n + col]!;
        if (f === 0) continue;
        for (let j = col; j < n; j++) a[i * n + j]! -= f * a[col * n + j]!;
        for (let j = 0; j < k; j++) x[i * k + j]! -= f * x[col * k + j]!;
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[b * n * k + i * k + j] = x[i * k + j]! / a[i * n + i]!;
  }
  return out;
}

/**
 * X = M⁻¹ R for M [..., n, n] and R [..., n, k] (same leading shape). Backward: dR = M⁻ᵀ dX,
 * dM = -dR Xᵀ. Used by the bilinear discretisation of dense state-space layers (small n).
 */
export function solve(M: Tensor, R: Tensor): Tensor {
  const n = M.shape[M.rank - 1]!, k = R.shape[R.rank - 1]!;
  const lead = M.shape.slice(0, -2);
  if (M.rank < 2 || M.shape[M.rank - 2] !== n || R.rank !== M.rank || R.shape[R.rank - 2] !== n || lead.some((d, i) => d !== R.shape[i])) {
    throw new ShapeError('solve', `M ${fmtShape(M.shape)} must be [..., n, n] and R ${fmtShape(R.shape)} [..., n, k] with the same leading axes`);
  }
  const batch = lead.reduce((p, q) => p * q, 1);
  const run = customGrad('solve', (m: Tensor, r: Tensor) => {
    const x = tensor(solveHost(m.data(), r.data(), batch, n, k), R.shape, { dtype: r.dtype });
    return {
      value: x,
      gradFunc: ([dx]) => {
        const mt = transpose(m, -1, -2);
        const dr = tensor(solveHost(mt.data(), dx!.data(), batch, n, k), R.shape, { dtype: r.dtype });
        return [neg(matmul(dr, transpose(x, -1, -2))), dr];
      },
    };
  });
  return run(M, R) as Tensor;
}

/**
 * Matrix exponential of a batch of square matrices by scaling and squaring with a degree-12
 * Taylor series, written with differentiable ops (so gradients come from the tape). For the
 * small, well-scaled matrices of a discretised state-space layer.
 */
export function expm(A: Tensor): Tensor {
  const n = A.shape[A.rank - 1]!;
  let norm = 0;
  const d = A.data();
  for (let b = 0; b < A.size / (n * n); b++) {
    for (let i = 0; i < n; i++) {
      let row = 0;
      for (let j = 0; j < n; j++) row += Math.abs(d[b * n * n + i * n + j]!);
      norm = Math.max(norm, row);
    }
  }
  const s = Math.max(0, Math.ceil(Math.log2(Math.max(norm, 1e-30))) + 1);
  const X = div(A, 2 ** s);
  const I = eye(n, { dtype: A.dtype });
  let term: Tensor = I, sum: Tensor = I;
  for (let k = 1; k <= 12; k++) {
    term = div(matmul(term, X), k);
    sum = add(sum, term);
  }
  for (let i = 0; i < s; i++) sum = matmul(sum, sum);
  return sum;
}
