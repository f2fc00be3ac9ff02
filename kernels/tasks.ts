// Task kinds: word 0 of every task descriptor, written by src/backend/wasm/backend.ts and routed
// on by `task` (kernels/index.ts). This is the one list: src/ cannot import from kernels/ (tsc's
// rootDir is src), so scripts/build-wasm.mjs copies this file to src/backend/wasm/task-kinds.ts,
// and `node scripts/build-wasm.mjs --check` fails while that copy is stale. Keep it to syntax both
// TypeScript and AssemblyScript compile. Each kind's descriptor words are documented on its
// `...Task` entry, in the kernel file named beside it.
export const enum Task {
  Gemm = 1, // kernels/gemm.ts
  Unary = 2, // kernels/elementwise.ts
  Binary = 3,
  Copy = 4,
  ReduceRows = 5, // kernels/rows.ts
  ReduceCols = 6,
  Softmax = 7,
  Norm = 8,
  NormBackRows = 9,
  NormBackCols = 10,
  Adam = 11, // kernels/elementwise.ts
  IndexSelect = 12, // kernels/gather.ts
  IndexAdd = 13,
  Gather = 14,
  ScatterAdd = 15,
  Cumsum = 16,
  Argmax = 17,
  Cast = 18,
  Scatter = 19,
  Where = 20,
  Conv = 21, // kernels/conv.ts
  ConvDx = 22,
  ConvDw = 23,
  CellForward = 24, // kernels/cells.ts
  CellBackward = 25,
  LinearScan = 26, // kernels/scan.ts
  LinearScanBack = 27,
  Block2Scan = 28,
  DeltaForward = 29, // kernels/delta.ts
  DeltaBackward = 30,
  GLAForward = 31, // kernels/gla.ts
  GLABackward = 32,
}
