// Entry point of the wasm kernels: everything exported here is callable from JS. Threaded kernels
// are reached through `task`, which reads the kind and work count of a descriptor the JS side
// (src/backend/wasm/backend.ts) wrote into memory and runs the calling thread's share (tid of nth).
// Each kind's `...Task` entry reads the rest of its descriptor (kinds: tasks.ts; words: descriptor.ts).
import { Task } from './tasks';
import { word } from './descriptor';
import { gemmTask, GEMM_SCRATCH, gemmCols, packFull, packedBytes } from './gemm';
import { adamRange, adamTask, binaryRows, binaryTask, copyRows, copyTask, unaryRange, unaryTask } from './elementwise';
import { argmaxTask, castTask, cumsumTask, gatherTask, indexAddTask, indexSelectTask, scatterAddTask, scatterTask, whereTask } from './gather';
import { convDwTask, convDxTask, convTask } from './conv';
import { cellBackwardTask, cellForwardTask } from './cells';
import { block2ScanTask, linearScanBackTask, linearScanTask } from './scan';
import { deltaBackwardTask, deltaForwardTask } from './delta';
import { glaBackwardTask, glaForwardTask } from './gla';
import {
  normBackColsTask, normBackRowsTask, normBackwardCols, normBackwardRows, normRows, normTask, reduceCols, reduceColsTask,
  reduceRows, reduceRowsTask, softmaxRows, softmaxTask,
} from './rows';

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

/** Runs thread tid's share (of nth) of the task whose descriptor is at d. */
export function task(d: usize, tid: i32, nth: i32): void {
  const kind = word(d, 0);
  if (kind == Task.Gemm) {
    gemmTask(d, tid, nth);
    return;
  }
  // Word 1 counts the units threads split (elements, rows, columns, lanes, ...); 1 runs on one thread.
  const total = word(d, 1);
  const lo = share(total, tid, nth), hi = share(total, tid + 1, nth);
  if (hi <= lo) return;
  switch (kind) {
    case Task.Unary: unaryTask(d, lo, hi); break;
    case Task.Binary: binaryTask(d, lo, hi); break;
    case Task.Copy: copyTask(d, lo, hi); break;
    case Task.ReduceRows: reduceRowsTask(d, lo, hi); break;
    case Task.ReduceCols: reduceColsTask(d, lo, hi); break;
    case Task.Softmax: softmaxTask(d, lo, hi); break;
    case Task.Norm: normTask(d, lo, hi); break;
    case Task.NormBackRows: normBackRowsTask(d, lo, hi); break;
    case Task.NormBackCols: normBackColsTask(d, lo, hi); break;
    case Task.Adam: adamTask(d, lo, hi); break;
    case Task.IndexSelect: indexSelectTask(d); break;
    case Task.IndexAdd: indexAddTask(d, lo, hi); break;
    case Task.Gather: gatherTask(d); break;
    case Task.ScatterAdd: scatterAddTask(d); break;
    case Task.Cumsum: cumsumTask(d); break;
    case Task.Argmax: argmaxTask(d); break;
    case Task.Cast: castTask(d); break;
    case Task.Scatter: scatterTask(d, lo, hi); break;
    case Task.Where: whereTask(d, lo, hi); break;
    case Task.Conv: convTask(d, lo, hi); break;
    case Task.ConvDx: convDxTask(d, lo, hi); break;
    case Task.ConvDw: convDwTask(d, lo, hi); break;
    case Task.CellForward: cellForwardTask(d, lo, hi); break;
    case Task.CellBackward: cellBackwardTask(d, lo, hi); break;
    case Task.LinearScan: linearScanTask(d, lo, hi); break;
    case Task.LinearScanBack: linearScanBackTask(d, lo, hi); break;
    case Task.Block2Scan: block2ScanTask(d, lo, hi); break;
    case Task.DeltaForward: deltaForwardTask(d, lo, hi); break;
    case Task.DeltaBackward: deltaBackwardTask(d, lo, hi); break;
    case Task.GLAForward: glaForwardTask(d, lo, hi); break;
    case Task.GLABackward: glaBackwardTask(d, lo, hi); break;
    default: break;
  }
}
