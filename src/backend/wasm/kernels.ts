/** The exports of the compiled kernels (kernels/index.ts), as JS sees them. */
export interface KernelExports {
  heapBase(): number;
  task(desc: number, tid: number, nth: number): void;
  GEMM_SCRATCH: WebAssembly.Global;
  packFull(b: number, k: number, n: number, transB: number, dst: number): void;
  packedBytes(k: number, n: number): number;
}

/** Op codes shared with kernels/elementwise.ts (the index is the code). */
export const UNARY_CODES = ['neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal',
  'sigmoid', 'logSigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'selu', 'softplus', 'silu', 'gelu', 'geluGrad', 'erf', 'step'] as const;
export const BINARY_CODES = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'gt', 'ge', 'lt', 'le', 'eq'] as const;
export const REDUCE_CODES = ['sum', 'max', 'min'] as const;

/** Task kinds understood by `task` in kernels/index.ts. */
export const enum Task {
  Gemm = 1, Unary = 2, Binary = 3, Copy = 4, ReduceRows = 5, ReduceCols = 6, Softmax = 7,
  Norm = 8, NormBackRows = 9, NormBackCols = 10, Adam = 11,
  IndexSelect = 12, IndexAdd = 13, Gather = 14, ScatterAdd = 15, Cumsum = 16, Argmax = 17, Cast = 18,
  Scatter = 19, Where = 20, Conv = 21, ConvDx = 22, ConvDw = 23, CellForward = 24, CellBackward = 25, LinearScan = 26, LinearScanBack = 27, Block2Scan = 28,
  DeltaForward = 29, DeltaBackward = 30, GLAForward = 31, GLABackward = 32,
}

/** Largest rank the strided kernels take (shape and strides live in 8-word slots). */
export const MAX_RANK = 8;
