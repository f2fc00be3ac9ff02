import type { Backend, Buffer } from '../types.js';
import { RefBuffer, arr } from './buffer.js';
import { copyStrided, stridedLoop } from './strided.js';
import { binaryKernel, unaryKernel, whereKernel } from './elementwise.js';
import { argmaxKernel, cumsumKernel, reduceKernel, softmaxKernel } from './reduce.js';
import { matmulKernel } from './matmul.js';
import { layerNormBackwardKernel, layerNormKernel, rmsNormBackwardKernel, rmsNormKernel } from './norm.js';
import { gatherKernel, indexAddKernel, indexSelectKernel, scatterAddKernel } from './indexing.js';
import { conv1dBackwardKernel, conv1dKernel } from './conv.js';
import { cellBackwardRef, cellForwardRef } from './cells.js';
import { block2ScanRef, linearScanBackwardRef, linearScanRef } from './scan.js';
import { deltaRuleBackwardRef, deltaRuleForwardRef } from './delta.js';
import { glaBackwardRef, glaForwardRef } from './gla.js';

/**
 * Creates the reference backend: every kernel as plain TypeScript loops over typed arrays,
 * accumulating in float64. It is the executable specification that faster backends are tested
 * against, and it runs anywhere JS runs.
 */
export function createRefBackend(): Backend {
  return {
    name: 'ref',
    alloc: (dtype, size) => new RefBuffer(dtype, size),
    free: (buf: Buffer) => {
      // Drop the array so a use-after-free shows up as an error, not stale numbers.
      (buf as RefBuffer).data = new Float32Array(0);
    },
    write: (buf, data) => arr(buf).set(data),
    read: (buf) => arr(buf).slice(),
    view: (buf) => arr(buf),
    fill: (buf, value) => arr(buf).fill(value),
    copyStrided: (src, out, shape) => copyStrided(src, arr(out), shape),
    scatterStrided: (src, dst, shape) => {
      const s = arr(src);
      const d = arr(dst.buf);
      stridedLoop(shape, [dst], (i, o) => {
        d[o] = s[i]!;
      });
    },
    cast: (x, out) => {
      const s = arr(x);
      const d = arr(out);
      // float -> int32 truncates toward zero, like a C cast.
      for (let i = 0; i < d.length; i++) d[i] = out.dtype === 'int32' ? Math.trunc(s[i]!) : s[i]!;
    },
    unary: (op, x, out, alpha) => unaryKernel(op, arr(x), arr(out), alpha),
    binary: (op, a, b, out, shape) => binaryKernel(op, a, b, arr(out), shape),
    where: (c, a, b, out, shape) => whereKernel(c, a, b, arr(out), shape),
    reduce: (op, x, outer, n, inner, out) => reduceKernel(op, arr(x), outer, n, inner, arr(out)),
    argmax: (x, outer, n, inner, out) => argmaxKernel(arr(x), outer, n, inner, arr(out)),
    cumsum: (x, outer, n, inner, reverse, out) => cumsumKernel(arr(x), outer, n, inner, reverse, arr(out)),
    softmax: (x, outer, n, inner, log, out) => softmaxKernel(arr(x), outer, n, inner, log, arr(out)),
    matmul: matmulKernel,
    layerNorm: layerNormKernel,
    layerNormBackward: layerNormBackwardKernel,
    rmsNorm: rmsNormKernel,
    rmsNormBackward: rmsNormBackwardKernel,
    indexSelect: (x, outer, n, inner, index, out) => indexSelectKernel(arr(x), outer, n, inner, arr(index), arr(out)),
    indexAdd: (src, outer, n, inner, index, out) => indexAddKernel(arr(src), outer, n, inner, arr(index), arr(out)),
    gather: (x, outer, n, inner, index, m, out) => gatherKernel(arr(x), outer, n, inner, arr(index), m, arr(out)),
    scatterAdd: (src, outer, n, inner, index, m, out) => scatterAddKernel(arr(src), outer, n, inner, arr(index), m, arr(out)),
    conv1d: (x, w, bias, out, a) => conv1dKernel(arr(x), arr(w), bias ? arr(bias) : null, arr(out), a),
    conv1dBackward: (x, w, dy, dx, dw, db, a) =>
      conv1dBackwardKernel(arr(x), arr(w), arr(dy), dx ? arr(dx) : null, dw ? arr(dw) : null, db ? arr(db) : null, a),
    linearScan: linearScanRef,
    block2Scan: block2ScanRef,
    linearScanBackward: linearScanBackwardRef,
    deltaRuleForward: deltaRuleForwardRef,
    deltaRuleBackward: deltaRuleBackwardRef,
    glaForward: glaForwardRef,
    glaBackward: glaBackwardRef,
    cellForward: cellForwardRef,
    cellBackward: cellBackwardRef,
  };
}
