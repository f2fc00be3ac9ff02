import type { CellKind } from '../../backend/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../ops/util.js';
import { CELL_SHAPE } from '../../backend/ref/cells.js';
import type { CellState, CellWeights } from './naive.js';

/**
 * One streaming step straight on backend kernels (two GEMMs and the pointwise cell kernel), for
 * inference when nothing records gradients: no intermediate tensors, no tape. Matches `cellStep`.
 */
export function fastStep(kind: CellKind, x: Tensor, st: CellState, w: CellWeights): CellState {
  const { gates: G, states: S, cache: C } = CELL_SHAPE[kind];
  const be = x.backend;
  const B = x.shape[0]!;
  const I = x.shape[1]!;
  const GH = w.wHh.shape[0]!;
  const H = GH / G;
  const Hout = w.wHr ? w.wHr.shape[0]! : H;
  const dtype = x.dtype;
  const gx = empty([B, GH], dtype, be);
  const gh = empty([B, GH], dtype, be);
  const bias = (b: Tensor | null, out: Tensor): void => {
    if (b) be.copyStrided({ buf: b.buffer, offset: 0, strides: [0, 1] }, out.buffer, [B, GH]);
  };
  bias(w.bIh, gx);
  be.matmul({ a: x.buffer, b: w.wIh.buffer, out: gx.buffer, batch: 1, m: B, k: I, n: GH, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, accumulate: !!w.bIh });
  bias(w.bHh, gh);
  be.matmul({ a: st.h.buffer, b: w.wHh.buffer, out: gh.buffer, batch: 1, m: B, k: Hout, n: GH, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, accumulate: !!w.bHh });
  // h buffer: [prev, out] so the kernel can read h' and write h in one buffer.
  const hBuf = empty([2, B, H], dtype, be);
  if (!w.wHr) be.copyStrided({ buf: st.h.buffer, offset: 0, strides: [1] }, hBuf.buffer, [B * H]);
  else be.fill(hBuf.buffer, 0);
  const sBuf = S ? empty([2, S, B, H], dtype, be) : null;
  if (sBuf) for (let k = 0; k < S; k++) be.scatterStrided(st.s[k]!.buffer, { buf: sBuf.buffer, offset: k * B * H, strides: [1] }, [B * H]);
  const cache = empty([B, C * H], dtype, be);
  be.cellForward(kind, {
    batch: B, hidden: H, gx: gx.buffer, gxOff: 0, gh: gh.buffer, ghOff: 0, h: hBuf.buffer, hPrevOff: 0, hOutOff: B * H,
    s: sBuf ? sBuf.buffer : null, sPrevOff: 0, sNextOff: S * B * H, cache: cache.buffer, cacheOff: 0, mask: null, maskOff: 0,
    param: w.param ? w.param.buffer : null,
  });
  const h = empty([B, Hout], dtype, be);
  if (w.wHr) {
    be.matmul({ a: hBuf.buffer, b: w.wHr.buffer, out: h.buffer, batch: 1, m: B, k: H, n: Hout, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, aOffset: B * H });
  } else {
    be.copyStrided({ buf: hBuf.buffer, offset: B * H, strides: [1] }, h.buffer, [B * H]);
  }
  const s: Tensor[] = [];
  for (let k = 0; k < S; k++) {
    const t = empty([B, H], dtype, be);
    be.copyStrided({ buf: sBuf!.buffer, offset: (S + k) * B * H, strides: [1] }, t.buffer, [B * H]);
    s.push(t);
  }
  for (const t of [gx, gh, hBuf, cache, sBuf]) t?.dispose();
  return { h, s };
}
