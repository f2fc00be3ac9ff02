import type { Buffer, CellKind } from '../../backend/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../ops/util.js';
import { CELL_SHAPE } from '../../backend/types.js';
import type { CellWeights } from './recurrent.js';

/**
 * Streaming step of a whole unidirectional stack straight on backend kernels, for inference when
 * nothing records gradients: per layer two GEMMs and the pointwise cell kernel, reading the state
 * in place and writing the new state in place, scratch from the backend's buffer pool, no tape.
 * Matches `cellStep` layer by layer. h is [L, B, Hout]; `c` the LSTM cell state [L, B, H] or null.
 * (sLSTM, whose three states are separate tensors, takes the tape path.)
 */
export function fastStepStack(kind: CellKind, x: Tensor, h: Tensor, c: Tensor | null, weights: CellWeights[]): { output: Tensor; h: Tensor; c: Tensor | null } {
  const { gates: G, cache: C } = CELL_SHAPE[kind];
  const be = x.backend;
  const dtype = x.dtype;
  const B = x.shape[0]!;
  const L = weights.length;
  const GH = weights[0]!.wHh.shape[0]!;
  const H = GH / G;
  const Hout = h.shape[2]!;
  const hNew = empty([L, B, Hout], dtype, be);
  const cNew = c ? empty([L, B, H], dtype, be) : null;
  const output = empty([B, Hout], dtype, be);
  const raw: Buffer[] = [];
  const scratch = (n: number): Buffer => {
    const b = be.alloc(dtype, n);
    raw.push(b);
    return b;
  };
  const gx = scratch(B * GH);
  const gh = scratch(B * GH);
  const cache = scratch(B * C * H);
  const u = weights[0]!.wHr ? scratch(B * H) : null;
  let inBuf = x.buffer;
  let inOff = 0;
  let inSize = x.shape[1]!;
  for (let l = 0; l < L; l++) {
    const w = weights[l]!;
    const pre = (a: Buffer, aOff: number, k: number, wt: Tensor, bias: Tensor | null, out: Buffer): void => {
      if (bias) be.copyStrided({ buf: bias.buffer, offset: 0, strides: [0, 1] }, out, [B, GH]);
      be.matmul({ a, b: wt.buffer, out, batch: 1, m: B, k, n: GH, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, aOffset: aOff, accumulate: !!bias });
    };
    pre(inBuf, inOff, inSize, w.wIh, w.bIh, gx);
    pre(h.buffer, l * B * Hout, Hout, w.wHh, w.bHh, gh);
    be.cellForward(kind, {
      batch: B, hidden: H, gx, gxOff: 0, gh, ghOff: 0,
      h: h.buffer, hPrevOff: l * B * Hout, hOutOff: u ? 0 : l * B * Hout, hDst: u ?? hNew.buffer,
      s: c ? c.buffer : null, sPrevOff: l * B * H, sNextOff: l * B * H, sDst: cNew ? cNew.buffer : null,
      cache, cacheOff: 0, mask: null, maskOff: 0, param: w.param ? w.param.buffer : null,
    });
    if (u && w.wHr) {
      be.matmul({ a: u, b: w.wHr.buffer, out: hNew.buffer, batch: 1, m: B, k: H, n: Hout, transA: false, transB: true,
        aBatchStride: 0, bBatchStride: 0, outOffset: l * B * Hout });
    }
    inBuf = hNew.buffer;
    inOff = l * B * Hout;
    inSize = Hout;
  }
  be.copyStrided({ buf: hNew.buffer, offset: (L - 1) * B * Hout, strides: [1] }, output.buffer, [B * Hout]);
  for (const b of raw) be.free(b);
  return { output, h: hNew, c: cNew };
}
