import type { AdamArgs, Backend, Buffer, CellKind, CellStepArgs, Conv1dArgs, MatmulArgs, NormArgs, Strided } from '../types.js';
import type { DType } from '../../tensor/dtype.js';
import { bytesPerElement } from '../../tensor/dtype.js';
import { createRefBackend } from '../ref/index.js';
import { Heap, WasmBuffer } from './heap.js';
import type { ThreadPool } from './pool.js';
import type { KernelExports } from './kernels.js';
import { BINARY_CODES, MAX_RANK, REDUCE_CODES, UNARY_CODES } from './kernels.js';
import { Task } from './task-kinds.js';

/** Cells with native f32x4 step kernels, by kernel code (others run the ref kernels). */
const NATIVE_CELLS: readonly CellKind[] = ['rnnTanh', 'rnnRelu', 'lstm', 'gru'];

/** Rows of `shape` viewed as [rows, last]: the unit strided kernels split over threads. */
function rowsOf(shape: readonly number[]): number {
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i]!;
  return shape.length && shape[shape.length - 1] === 0 ? 0 : rows;
}

// Work (elements or multiply-adds) below which a kernel runs on one thread: waking a worker
// costs tens of microseconds.
const MIN_ELEMS_PER_THREAD = 32768;
const MIN_FLOPS_PER_THREAD = 1 << 18;

/** What the wasm backend is made of (for `wasmInfo` and the tests). */
export interface WasmParts {
  memory: WebAssembly.Memory;
  exports: KernelExports;
  pool: ThreadPool | null;
  shared: boolean;
}

/**
 * The wasm backend: tensor storage in one wasm memory, float32 kernels compiled from
 * kernels/ (SIMD, threaded where it pays), and the ref kernels for the rest, which run unchanged on
 * typed-array views of the same memory (float64 and int32 math, and the ops listed in
 * docs/backends.md).
 */
export function createWasmBackend(parts: WasmParts): Backend & { heap: Heap } {
  const { memory, exports: k, pool } = parts;
  const ref = createRefBackend();
  const heap = new Heap(memory, k.heapBase());
  // One task descriptor (tasks run one at a time) and per-thread GEMM scratch. Each kind's words
  // are documented on its `...Task` entry in kernels/ (word 0 the kind, word 1 what threads split).
  const desc = heap.alloc(256).ptr;
  const threads = pool?.size ?? 1;
  const scratch = heap.alloc((k.GEMM_SCRATCH.value as number) * threads).ptr;
  let words = new Int32Array(memory.buffer);
  let f32 = new Float32Array(memory.buffer);
  let f64 = new Float64Array(memory.buffer);
  let epoch = heap.epoch;
  const views = (): void => {
    if (epoch !== heap.epoch || words.buffer !== memory.buffer) {
      words = new Int32Array(memory.buffer);
      f32 = new Float32Array(memory.buffer);
      f64 = new Float64Array(memory.buffer);
      epoch = heap.epoch;
    }
  };
  const put = (...vals: number[]): void => {
    views();
    const base = desc >> 2;
    for (let i = 0; i < vals.length; i++) words[base + i] = vals[i]!;
  };
  const putArray = (byteOffset: number, vals: readonly number[]): void => {
    const base = (desc + byteOffset) >> 2;
    for (let i = 0; i < vals.length; i++) words[base + i] = vals[i]!;
  };
  const run = (work: number, perThread: number): void => {
    const nth = Math.max(1, Math.min(pool?.threads ?? 1, Math.floor(work / perThread)));
    if (pool && nth > 1) pool.run(desc, nth);
    else k.task(desc, 0, 1);
  };
  const ptr = (b: Buffer): number => (b as WasmBuffer).ptr;
  const isF32 = (...bs: Buffer[]): boolean => bs.every((b) => b.dtype === 'float32');
  const addr = (s: Strided): number => ptr(s.buf) + s.offset * bytesPerElement(s.buf.dtype);

  return {
    ...ref,
    name: 'wasm',
    heap,
    alloc(dtype: DType, size: number): Buffer {
      const { ptr: p, cls } = heap.alloc(Math.max(1, size * bytesPerElement(dtype)));
      return new WasmBuffer(heap, dtype, size, p, cls);
    },
    free(buf: Buffer): void {
      const b = buf as WasmBuffer;
      if (b.freed) return;
      b.freed = true;
      heap.release(b.ptr, b.cls);
    },

    matmul(a: MatmulArgs): void {
      if (!isF32(a.a, a.b, a.out)) return ref.matmul(a);
      put(Task.Gemm, ptr(a.a) + (a.aOffset ?? 0) * 4, ptr(a.b) + (a.bOffset ?? 0) * 4, ptr(a.out) + (a.outOffset ?? 0) * 4, a.batch, a.m, a.n, a.k, a.transA ? 1 : 0, a.transB ? 1 : 0,
        a.accumulate ? 1 : 0, a.aBatchStride, a.bBatchStride, scratch, a.bPrepared && (a.batch === 1 || a.bBatchStride === 0) ? ptr(a.bPrepared) : 0);
      run(a.batch * a.m * a.n * a.k, MIN_FLOPS_PER_THREAD);
    },

    unary(op, x, out, alpha): void {
      // cos/sin have no wasm kernel (rare, off the hot path): ref on the wasm views.
      if (!isF32(x, out) || !(UNARY_CODES as readonly string[]).includes(op)) return ref.unary(op, x, out, alpha);
      put(Task.Unary, out.size, (UNARY_CODES as readonly string[]).indexOf(op), ptr(x), ptr(out), 0);
      f32[(desc + 20) >> 2] = alpha;
      run(out.size, MIN_ELEMS_PER_THREAD);
    },

    binary(op, a, b, out, shape): void {
      if (!isF32(a.buf, b.buf, out) || shape.length > MAX_RANK) return ref.binary(op, a, b, out, shape);
      const rows = rowsOf(shape);
      put(Task.Binary, rows, BINARY_CODES.indexOf(op), shape.length, addr(a), addr(b), ptr(out));
      putArray(64, shape);
      putArray(96, a.strides);
      putArray(128, b.strides);
      run(out.size, MIN_ELEMS_PER_THREAD);
    },

    copyStrided(src, out, shape): void {
      if (shape.length > MAX_RANK || src.buf.dtype !== out.dtype) return ref.copyStrided(src, out, shape);
      const rows = rowsOf(shape);
      put(Task.Copy, rows, shape.length, addr(src), ptr(out), bytesPerElement(out.dtype));
      putArray(64, shape);
      putArray(96, src.strides);
      run(out.size, MIN_ELEMS_PER_THREAD);
    },

    reduce(op, x, outer, n, inner, out): void {
      if (!isF32(x, out)) return ref.reduce(op, x, outer, n, inner, out);
      if (inner === 1) put(Task.ReduceRows, outer, REDUCE_CODES.indexOf(op), ptr(x), n, ptr(out));
      else put(Task.ReduceCols, outer * inner, REDUCE_CODES.indexOf(op), ptr(x), n, inner, ptr(out));
      run(outer * n * inner, MIN_ELEMS_PER_THREAD);
    },

    softmax(x, outer, n, inner, log, out): void {
      if (!isF32(x, out) || inner !== 1) return ref.softmax(x, outer, n, inner, log, out);
      put(Task.Softmax, outer, ptr(x), n, log ? 1 : 0, ptr(out));
      run(outer * n, MIN_ELEMS_PER_THREAD / 4);
    },

    scatterStrided(src, dst, shape): void {
      if (shape.length > MAX_RANK || src.dtype !== dst.buf.dtype) return ref.scatterStrided(src, dst, shape);
      const rows = rowsOf(shape);
      put(Task.Scatter, rows, shape.length, ptr(src), addr(dst), bytesPerElement(src.dtype));
      putArray(64, shape);
      putArray(96, dst.strides);
      // One thread: strided destinations of different rows could share cache lines, and this is cheap.
      run(0, 1);
    },

    where(c, a, b, out, shape): void {
      if (!isF32(a.buf, b.buf, out) || c.buf.dtype === 'float64' || shape.length > MAX_RANK) return ref.where(c, a, b, out, shape);
      put(Task.Where, rowsOf(shape), shape.length, addr(c), c.buf.dtype === 'int32' ? 1 : 0, addr(a), addr(b), ptr(out));
      putArray(64, shape);
      putArray(96, c.strides);
      putArray(128, a.strides);
      putArray(160, b.strides);
      run(out.size, MIN_ELEMS_PER_THREAD);
    },

    cast(x, out): void {
      const toInt = x.dtype === 'float32' && out.dtype === 'int32';
      if (!toInt && !(x.dtype === 'int32' && out.dtype === 'float32')) return ref.cast(x, out);
      put(Task.Cast, 1, ptr(x), ptr(out), out.size, toInt ? 1 : 0);
      run(0, 1);
    },

    argmax(x, outer, n, inner, out): void {
      if (!isF32(x)) return ref.argmax(x, outer, n, inner, out);
      put(Task.Argmax, 1, ptr(x), outer, n, inner, ptr(out));
      run(0, 1);
    },

    cumsum(x, outer, n, inner, reverse, out): void {
      if (!isF32(x, out)) return ref.cumsum(x, outer, n, inner, reverse, out);
      put(Task.Cumsum, 1, ptr(x), outer, n, inner, reverse ? 1 : 0, ptr(out));
      run(0, 1);
    },

    indexSelect(x, outer, n, inner, index, out): void {
      if (!isF32(x, out)) return ref.indexSelect(x, outer, n, inner, index, out);
      put(Task.IndexSelect, 1, ptr(x), outer, n, inner, ptr(index), index.size, ptr(out));
      run(0, 1);
    },

    indexAdd(src, outer, n, inner, index, out): void {
      if (!isF32(src, out)) return ref.indexAdd(src, outer, n, inner, index, out);
      // Threads split the feature columns, so repeated indices accumulate in the same order.
      put(Task.IndexAdd, inner, ptr(src), outer, n, inner, ptr(index), index.size, ptr(out));
      run(outer * index.size * inner, MIN_ELEMS_PER_THREAD);
    },

    gather(x, outer, n, inner, index, m, out): void {
      if (!isF32(x, out)) return ref.gather(x, outer, n, inner, index, m, out);
      put(Task.Gather, 1, ptr(x), outer, n, inner, ptr(index), m, ptr(out));
      run(0, 1);
    },

    scatterAdd(src, outer, n, inner, index, m, out): void {
      if (!isF32(src, out)) return ref.scatterAdd(src, outer, n, inner, index, m, out);
      put(Task.ScatterAdd, 1, ptr(src), outer, n, inner, ptr(index), m, ptr(out));
      run(0, 1);
    },

    conv1d(x, w, bias, out, a): void {
      if (!isF32(x, w, out)) return ref.conv1d(x, w, bias, out, a);
      put(Task.Conv, a.batch * a.cout, ptr(x), ptr(w), bias ? ptr(bias) : 0, ptr(out));
      putConvArgs(a);
      run(a.batch * a.cout * a.outLength * a.cin / a.groups * a.kernel, MIN_FLOPS_PER_THREAD);
    },

    conv1dBackward(x, w, dy, dx, dw, db, a): void {
      if (!isF32(x, w, dy)) return ref.conv1dBackward(x, w, dy, dx, dw, db, a);
      const work = a.batch * a.cout * a.outLength * a.cin / a.groups * a.kernel;
      if (dx) {
        put(Task.ConvDx, a.batch * a.cin, ptr(w), ptr(dy), ptr(dx));
        putConvArgs(a);
        run(work, MIN_FLOPS_PER_THREAD);
      }
      if (dw || db) {
        put(Task.ConvDw, a.cout * (a.cin / a.groups), ptr(x), ptr(dy), dw ? ptr(dw) : 0, db ? ptr(db) : 0);
        putConvArgs(a);
        run(work, MIN_FLOPS_PER_THREAD);
      }
    },

    prepareRhs(b: Buffer, kk: number, n: number, transB: boolean): Buffer {
      if (b.dtype !== 'float32') {
        // Nothing to prepare for the ref kernels: hand back a copy so callers can always free it.
        const copy = this.alloc(b.dtype, b.size);
        ref.copyStrided({ buf: b, offset: 0, strides: [1] }, copy, [b.size]);
        return copy;
      }
      const out = this.alloc('float32', k.packedBytes(kk, n) / 4);
      k.packFull(ptr(b), kk, n, transB ? 1 : 0, ptr(out));
      return out;
    },

    cellForward(kind, a): void {
      const code = NATIVE_CELLS.indexOf(kind);
      if (code < 0 || a.param || a.hidden % 4 !== 0 || !isF32(a.gx, a.gh, a.h, a.cache) || (a.mask && a.mask.dtype !== 'float32')
        || (a.hDst && a.hDst.dtype !== 'float32')) return ref.cellForward(kind, a);
      put(Task.CellForward, a.batch, code);
      putCell(a);
      // Rows (sequences) split over threads: transcendental-heavy, worth it from a few thousand elements.
      run(a.batch * a.hidden * 8, MIN_ELEMS_PER_THREAD);
    },

    linearScan(x, h): void {
      if (!isF32(x.a, x.b, h) || (x.h0 && x.h0.dtype !== 'float32')) return ref.linearScan(x, h);
      put(Task.LinearScan, Math.ceil(x.N / 4), ptr(x.a), ptr(x.b), x.h0 ? ptr(x.h0) : 0, ptr(h), x.T, x.N, x.reverse ? 1 : 0);
      run(x.T * x.N, MIN_ELEMS_PER_THREAD);
    },

    linearScanBackward(x, h, dh, da, db, dh0): void {
      if (!isF32(x.a, h, dh, da, db) || (x.h0 && x.h0.dtype !== 'float32') || (dh0 && dh0.dtype !== 'float32')) {
        return ref.linearScanBackward(x, h, dh, da, db, dh0);
      }
      put(Task.LinearScanBack, Math.ceil(x.N / 4), ptr(x.a), x.h0 ? ptr(x.h0) : 0, ptr(h), ptr(dh), x.T, x.N, x.reverse ? 1 : 0,
        ptr(da), ptr(db), dh0 ? ptr(dh0) : 0);
      run(x.T * x.N, MIN_ELEMS_PER_THREAD);
    },

    block2Scan(x, x1, x2): void {
      if (!isF32(x.m11, x.m12, x.m21, x.m22, x.r1, x.r2, x1, x2)) return ref.block2Scan(x, x1, x2);
      // words 2-5 unused; the buffers follow at byte 36
      put(Task.Block2Scan, Math.ceil(x.N / 4), 0, 0, 0, 0, x.T, x.N, x.transposeNext ? 1 : 0,
        ptr(x.m11), ptr(x.m12), ptr(x.m21), ptr(x.m22), ptr(x.r1), ptr(x.r2), ptr(x1), ptr(x2));
      run(x.T * x.N * 4, MIN_ELEMS_PER_THREAD);
    },

    deltaRuleForward(x, o, states, sFinal): void {
      if (!isF32(x.q, x.k, x.v, x.beta, o, sFinal) || (x.g && !isF32(x.g)) || (x.s0 && !isF32(x.s0)) || (states && !isF32(states))) {
        return ref.deltaRuleForward(x, o, states, sFinal);
      }
      put(Task.DeltaForward, x.BH, x.T, x.dk, x.dv, ptr(x.q), ptr(x.k), ptr(x.v), ptr(x.beta), x.g ? ptr(x.g) : 0, x.s0 ? ptr(x.s0) : 0,
        ptr(o), states ? ptr(states) : 0, ptr(sFinal));
      // Lanes (batch × heads) split over threads; ~4 multiply-adds per state element and step.
      run(x.BH * x.T * x.dv * x.dk * 4, MIN_FLOPS_PER_THREAD);
    },

    deltaRuleBackward(x, states, dO, dSFinal, dq, dk, dv, dbeta, dg, dS0): void {
      if (!isF32(x.q, x.k, x.v, x.beta, states, dO, dq, dk, dv, dbeta) || (x.g && !isF32(x.g)) || (x.s0 && !isF32(x.s0))
        || (dSFinal && !isF32(dSFinal)) || (dg && !isF32(dg)) || (dS0 && !isF32(dS0))) {
        return ref.deltaRuleBackward(x, states, dO, dSFinal, dq, dk, dv, dbeta, dg, dS0);
      }
      // One scratch block per call: w and u per row [BH, 2, dv], then the running dS [BH, dv, dk]
      // unless it can live in dS0.
      const n = x.dv * x.dk;
      const scratchBuf = this.alloc('float32', x.BH * 2 * x.dv + (dS0 ? 0 : x.BH * n));
      const sc = ptr(scratchBuf);
      const ws = dS0 ? ptr(dS0) : sc + x.BH * 2 * x.dv * 4;
      put(Task.DeltaBackward, x.BH, x.T, x.dk, x.dv, ptr(x.q), ptr(x.k), ptr(x.v), ptr(x.beta), x.g ? ptr(x.g) : 0, x.s0 ? ptr(x.s0) : 0,
        ptr(states), ptr(dO), dSFinal ? ptr(dSFinal) : 0, ptr(dq), ptr(dk), ptr(dv), ptr(dbeta), dg ? ptr(dg) : 0, ws, sc);
      run(x.BH * x.T * x.dv * x.dk * 8, MIN_FLOPS_PER_THREAD);
      this.free(scratchBuf);
    },

    glaForward(x, o, states, sFinal): void {
      if (!isF32(x.q, x.k, x.v, x.g, o, sFinal) || (x.s0 && !isF32(x.s0)) || (states && !isF32(states))) {
        return ref.glaForward(x, o, states, sFinal);
      }
      put(Task.GLAForward, x.BH, x.T, x.dk, x.dv, ptr(x.q), ptr(x.k), ptr(x.v), ptr(x.g), x.s0 ? ptr(x.s0) : 0, x.vectorGate ? 1 : 0,
        ptr(o), states ? ptr(states) : 0, ptr(sFinal));
      // Lanes (batch × heads) split over threads; ~2 multiply-adds per state element and step.
      run(x.BH * x.T * x.dk * x.dv * 2, MIN_FLOPS_PER_THREAD);
    },

    glaBackward(x, states, dO, dSFinal, dq, dk, dv, dg, dS0): void {
      if (!isF32(x.q, x.k, x.v, x.g, states, dO, dq, dk, dv) || (x.s0 && !isF32(x.s0))
        || (dSFinal && !isF32(dSFinal)) || (dg && !isF32(dg)) || (dS0 && !isF32(dS0))) {
        return ref.glaBackward(x, states, dO, dSFinal, dq, dk, dv, dg, dS0);
      }
      // The running dS [BH, dk, dv] lives in dS0 when it is wanted, else in one scratch block per call.
      const scratchBuf = dS0 ? null : this.alloc('float32', x.BH * x.dk * x.dv);
      const ws = dS0 ? ptr(dS0) : ptr(scratchBuf!);
      put(Task.GLABackward, x.BH, x.T, x.dk, x.dv, ptr(x.q), ptr(x.k), ptr(x.v), ptr(x.g), x.s0 ? ptr(x.s0) : 0, x.vectorGate ? 1 : 0,
        ptr(states), ptr(dO), dSFinal ? ptr(dSFinal) : 0, ptr(dq), ptr(dk), ptr(dv), dg ? ptr(dg) : 0, ws);
      run(x.BH * x.T * x.dk * x.dv * 5, MIN_FLOPS_PER_THREAD);
      if (scratchBuf) this.free(scratchBuf);
    },

    cellBackward(kind, a): void {
      const code = NATIVE_CELLS.indexOf(kind);
      if (code < 0 || a.param || a.hidden % 4 !== 0 || !isF32(a.h, a.cache, a.dh, a.dgx) || (a.mask && a.mask.dtype !== 'float32')) return ref.cellBackward(kind, a);
      put(Task.CellBackward, a.batch, code);
      putCell(a);
      putArray(64 + 14 * 4, [ptr(a.dh), a.dhOff, a.ds ? ptr(a.ds) : 0, a.dsOff, ptr(a.dgx), a.dgxOff, ptr(a.dgh), a.dghOff, ptr(a.dhPrev), a.dhPrevOff]);
      // Same split as the forward: a backward step is as transcendental-heavy per element.
      run(a.batch * a.hidden * 8, MIN_ELEMS_PER_THREAD);
    },

    adamUpdate(a: AdamArgs): void {
      put(Task.Adam, a.p.size, ptr(a.p), ptr(a.g), ptr(a.m), ptr(a.v), a.vmax ? ptr(a.vmax) : 0, (a.decoupled ? 1 : 0) | (a.vmax ? 2 : 0));
      const h = (desc + 64) >> 3;
      [a.lr, a.beta1, a.beta2, a.eps, a.weightDecay, a.bc1, a.bc2Sqrt].forEach((v, i) => (f64[h + i] = v));
      run(a.p.size, MIN_ELEMS_PER_THREAD);
    },

    layerNorm(a: NormArgs, out, mean, rstd): void {
      if (!isF32(a.x, out)) return ref.layerNorm(a, out, mean, rstd);
      normForward(false, a, out, mean, rstd);
    },
    rmsNorm(a: NormArgs, out, rstd): void {
      if (!isF32(a.x, out)) return ref.rmsNorm(a, out, rstd);
      normForward(true, a, out, rstd, rstd);
    },
    layerNormBackward(a, dy, mean, rstd, dx, dw, db): void {
      if (!isF32(a.x, dy)) return ref.layerNormBackward(a, dy, mean, rstd, dx, dw, db);
      normBackward(false, a, dy, mean, rstd, dx, dw, db);
    },
    rmsNormBackward(a, dy, rstd, dx, dw): void {
      if (!isF32(a.x, dy)) return ref.rmsNormBackward(a, dy, rstd, dx, dw);
      normBackward(true, a, dy, rstd, rstd, dx, dw, null);
    },
  };

  function putCell(a: CellStepArgs): void {
    putArray(64, [a.batch, a.hidden, ptr(a.gx), ptr(a.gh), ptr(a.h), a.hPrevOff, a.hOutOff, a.s ? ptr(a.s) : 0, a.sPrevOff, a.sNextOff,
      ptr(a.cache), a.cacheOff, a.mask ? ptr(a.mask) : 0, a.maskOff]);
    putArray(64 + 24 * 4, [a.gxOff, a.ghOff, a.hDst ? ptr(a.hDst) : 0, a.sDst ? ptr(a.sDst) : 0]);
  }

  function putConvArgs(a: Conv1dArgs): void {
    putArray(64, [a.batch, a.cin, a.cout, a.length, a.outLength, a.kernel, a.groups, a.stride, a.padLeft, a.dilation]);
  }

  function normForward(rms: boolean, a: NormArgs, out: Buffer, mean: Buffer, rstd: Buffer): void {
    put(Task.Norm, a.rows, rms ? 1 : 0, ptr(a.x), a.n, 0);
    f64[(desc + 24) >> 3] = a.eps;
    putArray(32, [a.weight ? ptr(a.weight) : 0, a.bias ? ptr(a.bias) : 0, ptr(out), ptr(mean), ptr(rstd)]);
    run(a.rows * a.n, MIN_ELEMS_PER_THREAD / 4);
  }

  function normBackward(rms: boolean, a: NormArgs, dy: Buffer, mean: Buffer, rstd: Buffer, dx: Buffer, dw: Buffer | null, db: Buffer | null): void {
    put(Task.NormBackRows, a.rows, rms ? 1 : 0, ptr(a.x), a.n, a.weight ? ptr(a.weight) : 0, ptr(dy), ptr(mean), ptr(rstd), ptr(dx));
    run(a.rows * a.n, MIN_ELEMS_PER_THREAD / 4);
    if (dw || db) {
      put(Task.NormBackCols, a.n, rms ? 1 : 0, ptr(a.x), a.rows, a.n, ptr(dy), ptr(mean), ptr(rstd), dw ? ptr(dw) : 0, db ? ptr(db) : 0);
      run(a.rows * a.n, MIN_ELEMS_PER_THREAD / 4);
    }
  }
}
