import type { Backend, Buffer, CellKind } from '../../backend/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import { customGrad } from '../../autodiff/grad.js';
import { empty } from '../../ops/util.js';
import { CELL_SHAPE } from '../../backend/types.js';

/** Inputs of one layer-direction's whole-sequence pass. */
export interface SequenceInputs {
  kind: CellKind;
  reverse: boolean;
  /** x [T, B, I], time-major. */
  x: Tensor;
  /** Initial state h0 [B, Hout] and cell states s0 [S, B, H] (null when S = 0). */
  h0: Tensor;
  s0: Tensor | null;
  wIh: Tensor; wHh: Tensor;
  bIh: Tensor | null; bHh: Tensor | null;
  /** LSTM peepholes [3, H] or leaky rates [H]. */
  param: Tensor | null;
  /** LSTM projection [Hout, H]. */
  wHr: Tensor | null;
  /** 1/0 per (t, b) [T, B], or null when all sequences run the full length. */
  mask: Tensor | null;
  /** GRU reset-before variant (recurrent implementation only). */
  resetBefore?: boolean;
}

/** Outputs: y [T, B, Hout] (zero where masked), final h [B, Hout], final s [S, B, H] or null. */
export interface SequenceOutputs {
  y: Tensor;
  h: Tensor;
  s: Tensor | null;
}

function buf(t: Tensor | null): Buffer | null {
  return t ? t.buffer : null;
}

/**
 * The fused whole-sequence forward and hand-written backward of one recurrent layer-direction
 * (llm.c style): the input projection of all steps is one GEMM, each step does one recurrent GEMM
 * plus one pointwise cell kernel, and the backward accumulates the weight gradients as one GEMM
 * over all steps. Recorded on the tape as a single node.
 */
export function fusedSequence(inp: SequenceInputs): SequenceOutputs {
  const { kind, reverse } = inp;
  const { gates: G, states: S, cache: C } = CELL_SHAPE[kind];
  const [T, B, I] = inp.x.shape as [number, number, number];
  const H = inp.wHh.shape[0]! / G;
  const Hout = inp.wHr ? inp.wHr.shape[0]! : H;
  const be: Backend = inp.x.backend;
  const dtype = inp.x.dtype;
  const tensors = [inp.x, inp.h0, inp.s0, inp.wIh, inp.wHh, inp.bIh, inp.bHh, inp.param, inp.wHr];
  const present = tensors.map((t) => t !== null);
  const list = tensors.filter((t): t is Tensor => t !== null);
  const unpack = (ts: Tensor[]): (Tensor | null)[] => {
    let k = 0;
    return present.map((p) => (p ? ts[k++]! : null));
  };

  const run = customGrad(`fused_${kind}`, (...ins: Tensor[]) => {
    const [x, h0, s0, wIh, wHh, bIh, bHh, param, wHr] = unpack(ins) as [Tensor, Tensor, Tensor | null, Tensor, Tensor, Tensor | null, Tensor | null, Tensor | null, Tensor | null];
    const GH = G * H;
    // Input pre-activations of every step in one GEMM, plus b_ih.
    const gx = empty([T, B, GH], dtype, be);
    be.matmul({ a: x.buffer, b: wIh.buffer, out: gx.buffer, batch: 1, m: T * B, k: I, n: GH, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 });
    if (bIh) be.binary('add', { buf: gx.buffer, offset: 0, strides: [GH, 1] }, { buf: bIh.buffer, offset: 0, strides: [0, 1] }, gx.buffer, [T * B, GH]);
    // b_hh adds linearly to the pre-activations of every cell but GRU (whose b_hn sits inside the
    // reset gate), so it joins b_ih once here instead of being copied into every step's GEMM.
    const foldBhh = !!bHh && kind !== 'gru';
    if (foldBhh) be.binary('add', { buf: gx.buffer, offset: 0, strides: [GH, 1] }, { buf: bHh!.buffer, offset: 0, strides: [0, 1] }, gx.buffer, [T * B, GH]);
    const hs = empty([T + 1, B, Hout], dtype, be);
    be.copyStrided({ buf: h0.buffer, offset: 0, strides: [1] }, hs.buffer, [B * Hout]);
    const us = wHr ? empty([T + 1, B, H], dtype, be) : null;
    if (us) be.fill(us.buffer, 0);
    const ss = S ? empty([T + 1, S, B, H], dtype, be) : null;
    if (ss && s0) be.copyStrided({ buf: s0.buffer, offset: 0, strides: [1] }, ss.buffer, [S * B * H]);
    const cache = empty([T, B, C * H], dtype, be);
    const gh = empty([B, GH], dtype, be);
    // W_hh is the right operand of every step's GEMM: lay it out once for the whole sequence.
    const whhPrep = be.prepareRhs ? be.prepareRhs(wHh.buffer, Hout, GH, true) : null;
    // The layer frees its mask after forward; backward keeps its own copy.
    let mask: Tensor | null = null;
    if (inp.mask) {
      mask = empty(inp.mask.shape, inp.mask.dtype, be);
      be.copyStrided({ buf: inp.mask.buffer, offset: 0, strides: [1] }, mask.buffer, [inp.mask.size]);
    }
    for (let q = 0; q < T; q++) {
      const t = reverse ? T - 1 - q : q;
      // gh = b_hh + h_{q} W_hh^T
      const stepBias = !!bHh && !foldBhh;
      if (stepBias) be.copyStrided({ buf: bHh!.buffer, offset: 0, strides: [0, 1] }, gh.buffer, [B, GH]);
      be.matmul({ a: hs.buffer, b: wHh.buffer, out: gh.buffer, batch: 1, m: B, k: Hout, n: GH, transA: false, transB: true,
        aBatchStride: 0, bBatchStride: 0, aOffset: q * B * Hout, accumulate: stepBias, bPrepared: whhPrep });
      be.cellForward(kind, {
        batch: B, hidden: H, gx: gx.buffer, gxOff: t * B * GH, gh: gh.buffer, ghOff: 0,
        h: us ? us.buffer : hs.buffer, hPrevOff: q * B * (us ? H : Hout), hOutOff: (q + 1) * B * (us ? H : Hout),
        s: buf(ss), sPrevOff: q * S * B * H, sNextOff: (q + 1) * S * B * H,
        cache: cache.buffer, cacheOff: t * B * C * H, mask: buf(mask), maskOff: t * B, param: buf(param),
      });
      if (us && wHr) {
        be.matmul({ a: us.buffer, b: wHr.buffer, out: hs.buffer, batch: 1, m: B, k: H, n: Hout, transA: false, transB: true,
          aBatchStride: 0, bBatchStride: 0, aOffset: (q + 1) * B * H, outOffset: (q + 1) * B * Hout });
        if (mask) {
          // Frozen sequences keep their projected state.
          be.where({ buf: mask.buffer, offset: t * B, strides: [1, 0] }, { buf: hs.buffer, offset: (q + 1) * B * Hout, strides: [Hout, 1] },
            { buf: hs.buffer, offset: q * B * Hout, strides: [Hout, 1] }, gh.buffer, [B, Hout]);
          be.scatterStrided(gh.buffer, { buf: hs.buffer, offset: (q + 1) * B * Hout, strides: [1] }, [B * Hout]);
        }
      }
    }
    // Outputs in time order, zero past each sequence's end.
    const y = empty([T, B, Hout], dtype, be);
    const zero = empty([1], dtype, be);
    be.fill(zero.buffer, 0);
    for (let q = 0; q < T; q++) {
      const t = reverse ? T - 1 - q : q;
      if (mask) {
        // where, not a product: padding is exactly +0 (and NaN-free) as in PyTorch.
        be.where({ buf: mask.buffer, offset: t * B, strides: [1, 0] }, { buf: hs.buffer, offset: (q + 1) * B * Hout, strides: [Hout, 1] },
          { buf: zero.buffer, offset: 0, strides: [0, 0] }, gh.buffer, [B, Hout]);
        be.scatterStrided(gh.buffer, { buf: y.buffer, offset: t * B * Hout, strides: [1] }, [B * Hout]);
      } else {
        be.scatterStrided(slice(be, hs, (q + 1) * B * Hout, B * Hout, gh), { buf: y.buffer, offset: t * B * Hout, strides: [1] }, [B * Hout]);
      }
    }
    const hN = empty([B, Hout], dtype, be);
    be.copyStrided({ buf: hs.buffer, offset: T * B * Hout, strides: [1] }, hN.buffer, [B * Hout]);
    let sN: Tensor | null = null;
    if (ss) {
      sN = empty([S, B, H], dtype, be);
      be.copyStrided({ buf: ss.buffer, offset: T * S * B * H, strides: [1] }, sN.buffer, [S * B * H]);
    }
    gx.dispose();
    gh.dispose();
    zero.dispose();
    if (whhPrep) be.free(whhPrep);

    const gradFunc = (dys: Tensor[], needs: boolean[], given: boolean[]): (Tensor | null)[] => {
      const [dy, dhN, dsN] = dys as [Tensor, Tensor, Tensor | undefined];
      const dGx = empty([T, B, GH], dtype, be);
      // Every cell but GRU has equal input and recurrent pre-activation gradients; in time order
      // (forward direction) they are even stored alike, so one buffer serves both.
      const shareG = kind !== 'gru' && !reverse;
      const dGh = shareG ? dGx : empty([T, B, GH], dtype, be);
      let dh = empty([B, Hout], dtype, be);
      be.copyStrided({ buf: dhN.buffer, offset: 0, strides: [1] }, dh.buffer, [B * Hout]);
      const ds = S ? empty([S, B, H], dtype, be) : null;
      if (ds) {
        if (dsN) be.copyStrided({ buf: dsN.buffer, offset: 0, strides: [1] }, ds.buffer, [S * B * H]);
        else be.fill(ds.buffer, 0);
      }
      let dhPrev = empty([B, Hout], dtype, be);
      const du = us ? empty([B, H], dtype, be) : null;
      // The kernel's direct d(previous u) of a projected LSTM is [B, H] (H > Hout): its own scratch.
      const duPrev = us ? empty([B, H], dtype, be) : null;
      const dHist = us ? empty([T, B, Hout], dtype, be) : null;
      const tmp = empty([B, Hout], dtype, be);
      const zeroB = empty([1], dtype, be);
      be.fill(zeroB.buffer, 0);
      const dparam = param ? empty(param.shape, dtype, be) : null;
      const whhPrepB = be.prepareRhs ? be.prepareRhs(wHh.buffer, GH, Hout, false) : null;
      if (dparam) be.fill(dparam.buffer, 0);
      for (let q = T - 1; q >= 0; q--) {
        const t = reverse ? T - 1 - q : q;
        // dh += dy[t] * mask[t] (skipped when the output sequence is unused, e.g. a loss on the final state)
        if (!given[0]) {
          // nothing to add
        } else if (mask) {
          be.where({ buf: mask.buffer, offset: t * B, strides: [1, 0] }, { buf: dy.buffer, offset: t * B * Hout, strides: [Hout, 1] },
            { buf: zeroB.buffer, offset: 0, strides: [0, 0] }, tmp.buffer, [B, Hout]);
          be.binary('add', { buf: dh.buffer, offset: 0, strides: [1] }, { buf: tmp.buffer, offset: 0, strides: [1] }, dh.buffer, [B * Hout]);
        } else {
          be.binary('add', { buf: dh.buffer, offset: 0, strides: [1] }, { buf: dy.buffer, offset: t * B * Hout, strides: [1] }, dh.buffer, [B * Hout]);
        }
        let dCell = dh;
        if (us && du && dHist && wHr) {
          // Projected state: active rows back-propagate through W_hr, frozen rows pass dh through.
          if (mask) {
            be.binary('mul', { buf: dh.buffer, offset: 0, strides: [Hout, 1] }, { buf: mask.buffer, offset: t * B, strides: [1, 0] }, tmp.buffer, [B, Hout]);
            be.scatterStrided(tmp.buffer, { buf: dHist.buffer, offset: q * B * Hout, strides: [1] }, [B * Hout]);
          } else {
            be.scatterStrided(dh.buffer, { buf: dHist.buffer, offset: q * B * Hout, strides: [1] }, [B * Hout]);
          }
          be.matmul({ a: dHist.buffer, b: wHr.buffer, out: du.buffer, batch: 1, m: B, k: Hout, n: H, transA: false, transB: false,
            aBatchStride: 0, bBatchStride: 0, aOffset: q * B * Hout });
          dCell = du;
        }
        be.cellBackward(kind, {
          batch: B, hidden: H, gx: cache.buffer, gxOff: 0, gh: cache.buffer, ghOff: 0,
          h: us ? us.buffer : hs.buffer, hPrevOff: q * B * (us ? H : Hout), hOutOff: (q + 1) * B * (us ? H : Hout),
          s: buf(ss), sPrevOff: q * S * B * H, sNextOff: (q + 1) * S * B * H,
          cache: cache.buffer, cacheOff: t * B * C * H, mask: buf(mask), maskOff: t * B, param: buf(param),
          dh: dCell.buffer, dhOff: 0, ds: buf(ds), dsOff: 0,
          dgx: dGx.buffer, dgxOff: t * B * GH, dgh: dGh.buffer, dghOff: q * B * GH,
          dhPrev: duPrev ? duPrev.buffer : dhPrev.buffer, dhPrevOff: 0, dparam: buf(dparam),
        });
        if (us) {
          // The kernel's direct term is w.r.t. u (zero for LSTM); frozen projected rows pass dh.
          if (mask) {
            be.binary('mul', { buf: dh.buffer, offset: 0, strides: [Hout, 1] }, { buf: mask.buffer, offset: t * B, strides: [1, 0] }, tmp.buffer, [B, Hout]);
            be.binary('sub', { buf: dh.buffer, offset: 0, strides: [1] }, { buf: tmp.buffer, offset: 0, strides: [1] }, dhPrev.buffer, [B * Hout]);
          } else {
            be.fill(dhPrev.buffer, 0);
          }
        }
        be.matmul({ a: dGh.buffer, b: wHh.buffer, out: dhPrev.buffer, batch: 1, m: B, k: GH, n: Hout, transA: false, transB: false,
          aBatchStride: 0, bBatchStride: 0, aOffset: q * B * GH, accumulate: true, bPrepared: whhPrepB });
        [dh, dhPrev] = [dhPrev, dh];
      }
      // Weight gradients as single GEMMs over all steps.
      // dX only when the input needs it (a model's first layer usually does not): it is a full GEMM.
      let dX: Tensor | null = null;
      if (needs[0]) {
        dX = empty([T, B, I], dtype, be);
        be.matmul({ a: dGx.buffer, b: wIh.buffer, out: dX.buffer, batch: 1, m: T * B, k: GH, n: I, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
      }
      const dWih = empty(wIh.shape, dtype, be);
      be.matmul({ a: dGx.buffer, b: x.buffer, out: dWih.buffer, batch: 1, m: GH, k: T * B, n: I, transA: true, transB: false, aBatchStride: 0, bBatchStride: 0 });
      const dWhh = empty(wHh.shape, dtype, be);
      be.matmul({ a: dGh.buffer, b: hs.buffer, out: dWhh.buffer, batch: 1, m: GH, k: T * B, n: Hout, transA: true, transB: false, aBatchStride: 0, bBatchStride: 0 });
      const dbIh = bIh ? empty(bIh.shape, dtype, be) : null;
      if (dbIh) be.reduce('sum', dGx.buffer, 1, T * B, GH, dbIh.buffer);
      const dbHh = bHh ? empty(bHh.shape, dtype, be) : null;
      if (dbHh) be.reduce('sum', dGh.buffer, 1, T * B, GH, dbHh.buffer);
      let dWhr: Tensor | null = null;
      if (wHr && dHist && us) {
        dWhr = empty(wHr.shape, dtype, be);
        be.matmul({ a: dHist.buffer, b: us.buffer, out: dWhr.buffer, batch: 1, m: Hout, k: T * B, n: H, transA: true, transB: false,
          aBatchStride: 0, bBatchStride: 0, bOffset: B * H });
      }
      for (const tt of [dGx, shareG ? null : dGh, dhPrev, du, duPrev, dHist, tmp, zeroB]) tt?.dispose();
      if (whhPrepB) be.free(whhPrepB);
      const grads = [dX, dh, ds, dWih, dWhh, dbIh, dbHh, dparam, dWhr];
      return grads.filter((_, i) => present[i]);
    };
    const outs = sN ? [y, hN, sN] : [y, hN];
    return { value: outs, gradFunc, save: [hs, cache, ...(us ? [us] : []), ...(ss ? [ss] : []), ...(mask ? [mask] : [])] };
  });
  const outs = run(...list) as Tensor[];
  return { y: outs[0]!, h: outs[1]!, s: outs[2] ?? null };
}

/** Copies `n` elements at `offset` of `t` into `into` and returns its buffer. */
function slice(be: Backend, t: Tensor, offset: number, n: number, into: Tensor): Buffer {
  be.copyStrided({ buf: t.buffer, offset, strides: [1] }, into.buffer, [n]);
  return into.buffer;
}
