// Entry point of the wasm kernels: everything exported here is callable from JS. Threaded kernels
// are reached through `task`, which reads a descriptor the JS side wrote into memory and runs the
// calling thread's share (tid of nth).
import { gemmTask, GEMM_SCRATCH, gemmCols, packFull, packedBytes } from './gemm';
import { adamRange, binaryRows, copyRows, unaryRange } from './elementwise';
import { argmax, castF32I32, cumsum, gather, indexAdd, indexSelect, scatterAdd, scatterRows, whereRows } from './gather';
import { conv1dDwRows, conv1dDxRows, conv1dRows } from './conv';
import { cellBackward, cellForward } from './cells';
import { block2ScanCols, linearScanBackCols, linearScanCols } from './scan';
import { deltaBackward, deltaForward } from './delta';
import { glaBackward, glaForward } from './gla';
import { normBackwardCols, normBackwardRows, normRows, reduceCols, reduceRows, softmaxRows } from './rows';

export { gemmCols, packFull, packedBytes, GEMM_SCRATCH, adamRange, unaryRange, binaryRows, copyRows, reduceRows, reduceCols, softmaxRows, normRows, normBackwardRows, normBackwardCols };

/** First free byte after the module's static data: the JS allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline
function share(total: i32, tid: i32, nth: i32): i32 {
  return <i32>((<i64>total * tid) / nth);
}

// Descriptor: word 0 = kind, then kind-specific words (see src/backend/wasm/tasks.ts).
export function task(d: usize, tid: i32, nth: i32): void {
  const kind = load<i32>(d);
  if (kind == 1) {
    gemmTask(d, tid, nth);
    return;
  }
  const total = load<i32>(d, 4);
  const lo = share(total, tid, nth), hi = share(total, tid + 1, nth);
  if (hi <= lo) return;
  switch (kind) {
    case 2: unaryRange(load<i32>(d, 8), load<u32>(d, 12), load<u32>(d, 16), lo, hi, load<f32>(d, 20)); break;
    case 3: binaryRows(load<i32>(d, 8), load<i32>(d, 12), d + 64, load<u32>(d, 16), d + 96, load<u32>(d, 20), d + 128, load<u32>(d, 24), lo, hi); break;
    case 4: copyRows(load<i32>(d, 8), d + 64, load<u32>(d, 12), d + 96, load<u32>(d, 16), lo, hi, load<i32>(d, 20)); break;
    case 5: reduceRows(load<i32>(d, 8), load<u32>(d, 12), load<i32>(d, 16), load<u32>(d, 20), lo, hi); break;
    case 6: reduceCols(load<i32>(d, 8), load<u32>(d, 12), load<i32>(d, 16), load<i32>(d, 20), load<u32>(d, 24), lo, hi); break;
    case 7: softmaxRows(load<u32>(d, 8), load<i32>(d, 12), load<i32>(d, 16) != 0, load<u32>(d, 20), lo, hi); break;
    case 8: normRows(load<i32>(d, 8) != 0, load<u32>(d, 12), load<i32>(d, 16), load<f64>(d, 24), load<u32>(d, 32), load<u32>(d, 36),
      load<u32>(d, 40), load<u32>(d, 44), load<u32>(d, 48), lo, hi); break;
    case 9: normBackwardRows(load<i32>(d, 8) != 0, load<u32>(d, 12), load<i32>(d, 16), load<u32>(d, 20), load<u32>(d, 24),
      load<u32>(d, 28), load<u32>(d, 32), load<u32>(d, 36), lo, hi); break;
    case 10: normBackwardCols(load<i32>(d, 8) != 0, load<u32>(d, 12), load<i32>(d, 16), load<i32>(d, 20), load<u32>(d, 24),
      load<u32>(d, 28), load<u32>(d, 32), load<u32>(d, 36), load<u32>(d, 40), lo, hi); break;
    case 11: adamRange(load<u32>(d, 8), load<u32>(d, 12), load<u32>(d, 16), load<u32>(d, 20), load<u32>(d, 24), d + 64,
      load<i32>(d, 28), lo, hi); break;
    case 12: indexSelect(load<u32>(d, 8), load<i32>(d, 12), load<i32>(d, 16), load<i32>(d, 20), load<u32>(d, 24), load<i32>(d, 28), load<u32>(d, 32)); break;
    case 13: indexAdd(load<u32>(d, 8), load<i32>(d, 12), load<i32>(d, 16), load<i32>(d, 20), load<u32>(d, 24), load<i32>(d, 28), load<u32>(d, 32), lo, hi); break;
    case 14: gather(load<u32>(d, 8), load<i32>(d, 12), load<i32>(d, 16), load<i32>(d, 20), load<u32>(d, 24), load<i32>(d, 28), load<u32>(d, 32)); break;
    case 15: scatterAdd(load<u32>(d, 8), load<i32>(d, 12), load<i32>(d, 16), load<i32>(d, 20), load<u32>(d, 24), load<i32>(d, 28), load<u32>(d, 32)); break;
    case 16: cumsum(load<u32>(d, 8), load<i32>(d, 12), load<i32>(d, 16), load<i32>(d, 20), load<i32>(d, 24) != 0, load<u32>(d, 28)); break;
    case 17: argmax(load<u32>(d, 8), load<i32>(d, 12), load<i32>(d, 16), load<i32>(d, 20), load<u32>(d, 24)); break;
    case 18: castF32I32(load<u32>(d, 8), load<u32>(d, 12), load<i32>(d, 16), load<i32>(d, 20) != 0); break;
    case 19: scatterRows(load<i32>(d, 8), d + 64, load<u32>(d, 12), load<u32>(d, 16), d + 96, lo, hi, load<i32>(d, 20)); break;
    case 20: whereRows(load<i32>(d, 8), d + 64, load<u32>(d, 12), d + 96, load<i32>(d, 16) != 0, load<u32>(d, 20), d + 128,
      load<u32>(d, 24), d + 160, load<u32>(d, 28), lo, hi); break;
    case 21: conv1dRows(load<u32>(d, 8), load<u32>(d, 12), load<u32>(d, 16), load<u32>(d, 20), d + 64, lo, hi); break;
    case 22: conv1dDxRows(load<u32>(d, 8), load<u32>(d, 12), load<u32>(d, 16), d + 64, lo, hi); break;
    case 23: conv1dDwRows(load<u32>(d, 8), load<u32>(d, 12), load<u32>(d, 16), load<u32>(d, 20), d + 64, lo, hi); break;
    case 24: cellForward(load<i32>(d, 8), d + 64, lo, hi); break;
    case 25: cellBackward(load<i32>(d, 8), d + 64, lo, hi); break;
    // Linear scans: `total` counts groups of 4 lanes so shares stay SIMD-aligned.
    case 26: linearScanCols(load<u32>(d, 8), load<u32>(d, 12), load<u32>(d, 16), load<u32>(d, 20), load<i32>(d, 24), load<i32>(d, 28),
      load<i32>(d, 32) != 0, lo * 4, min(hi * 4, load<i32>(d, 28))); break;
    case 27: linearScanBackCols(load<u32>(d, 8), load<u32>(d, 12), load<u32>(d, 16), load<u32>(d, 20), load<u32>(d, 36), load<u32>(d, 40),
      load<u32>(d, 44), load<i32>(d, 24), load<i32>(d, 28), load<i32>(d, 32) != 0, lo * 4, min(hi * 4, load<i32>(d, 28))); break;
    case 28: block2ScanCols(load<u32>(d, 36), load<u32>(d, 40), load<u32>(d, 44), load<u32>(d, 48), load<u32>(d, 52), load<u32>(d, 56),
      load<u32>(d, 60), load<u32>(d, 64), load<i32>(d, 24), load<i32>(d, 28), load<i32>(d, 32) != 0, lo * 4, min(hi * 4, load<i32>(d, 28))); break;
    // Delta rule: `total` counts the BH lanes (see kernels/delta.ts for the descriptor).
    case 29: deltaForward(d, lo, hi); break;
    case 30: deltaBackward(d, lo, hi); break;
    // Gated linear attention: `total` counts the BH lanes (see kernels/gla.ts for the descriptor).
    case 31: glaForward(d, lo, hi); break;
    case 32: glaBackward(d, lo, hi); break;
    default: break;
  }
}
