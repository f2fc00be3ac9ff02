import type { Conv1dArgs } from '../types.js';
import type { TypedArray } from '../../tensor/dtype.js';

/**
 * Direct grouped 1-D convolution (cross-correlation, as PyTorch):
 * y[b, co, t] = bias[co] + sum_{c, k} w[co, c, k] * x[b, g*cpg + c, t*stride + k*dilation - padLeft].
 * Positions outside [0, length) read as zero, which gives causal convolution with padLeft = (K-1)*dilation.
 */
export function conv1dKernel(x: TypedArray, w: TypedArray, bias: TypedArray | null, y: TypedArray, a: Conv1dArgs): void {
  const cpg = a.cin / a.groups;
  const opg = a.cout / a.groups;
  for (let b = 0; b < a.batch; b++) {
    for (let co = 0; co < a.cout; co++) {
      const g = Math.floor(co / opg);
      for (let t = 0; t < a.outLength; t++) {
        let acc = bias ? bias[co]! : 0;
        for (let c = 0; c < cpg; c++) {
          const xrow = (b * a.cin + g * cpg + c) * a.length;
          const wrow = (co * cpg + c) * a.kernel;
          for (let k = 0; k < a.kernel; k++) {
            const s = t * a.stride + k * a.dilation - a.padLeft;
            if (s >= 0 && s < a.length) acc += w[wrow + k]! * x[xrow + s]!;
          }
        }
        y[(b * a.cout + co) * a.outLength + t] = acc;
      }
    }
  }
}

/** Gradients of conv1dKernel with respect to x, w and bias (each overwritten). */
export function conv1dBackwardKernel(x: TypedArray, w: TypedArray, dy: TypedArray,
  dx: TypedArray | null, dw: TypedArray | null, db: TypedArray | null, a: Conv1dArgs): void {
  const cpg = a.cin / a.groups;
  const opg = a.cout / a.groups;
  const dxAcc = dx ? new Float64Array(dx.length) : null;
  const dwAcc = dw ? new Float64Array(dw.length) : null;
  const dbAcc = db ? new Float64Array(db.length) : null;
  for (let b = 0; b < a.batch; b++) {
    for (let co = 0; co < a.cout; co++) {
      const g = Math.floor(co / opg);
      for (let t = 0; t < a.outLength; t++) {
        const d = dy[(b * a.cout + co) * a.outLength + t]!;
        if (dbAcc) dbAcc[co]! += d;
        for (let c = 0; c < cpg; c++) {
          const xrow = (b * a.cin + g * cpg + c) * a.length;
          const wrow = (co * cpg + c) * a.kernel;
          for (let k = 0; k < a.kernel; k++) {
            const s = t * a.stride + k * a.dilation - a.padLeft;
            if (s < 0 || s >= a.length) continue;
            if (dwAcc) dwAcc[wrow + k]! += d * x[xrow + s]!;
            if (dxAcc) dxAcc[xrow + s]! += d * w[wrow + k]!;
          }
        }
      }
    }
  }
  if (dx && dxAcc) dx.set(dxAcc);
  if (dw && dwAcc) dw.set(dwAcc);
  if (db && dbAcc) db.set(dbAcc);
}
