import type { MatmulArgs } from '../types.js';
import { arr } from './buffer.js';

/**
 * Reference batched GEMM: plain loops with a float64 row accumulator (i-p-j order so the inner
 * loop walks B and C rows contiguously in the common non-transposed case).
 */
export function matmulKernel(args: MatmulArgs): void {
  const { batch, m, k, n, transA, transB, aBatchStride, bBatchStride } = args;
  const A = arr(args.a);
  const B = arr(args.b);
  const C = arr(args.out);
  const ars = transA ? 1 : k;
  const acs = transA ? m : 1;
  const brs = transB ? 1 : n;
  const bcs = transB ? k : 1;
  const row = new Float64Array(n);
  for (let bi = 0; bi < batch; bi++) {
    const ao = (args.aOffset ?? 0) + bi * aBatchStride;
    const bo = (args.bOffset ?? 0) + bi * bBatchStride;
    const co = (args.outOffset ?? 0) + bi * m * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = A[ao + i * ars + p * acs]!;
        const bp = bo + p * brs;
        for (let j = 0; j < n; j++) row[j]! += av * B[bp + j * bcs]!;
      }
      const c = co + i * n;
      if (args.accumulate) for (let j = 0; j < n; j++) C[c + j]! += row[j]!;
      else for (let j = 0; j < n; j++) C[c + j] = row[j]!;
    }
  }
}
