/** The exports of the compiled kernels (kernels/index.ts), as JS sees them. */
export interface KernelExports {
  heapBase(): number;
  task(desc: number, tid: number, nth: number): void;
  GEMM_SCRATCH: WebAssembly.Global;
  packFull(b: number, k: number, n: number, transB: number, dst: number): void;
  packedBytes(k: number, n: number): number;
}

/** Op codes shared with kernels/elementwise.ts and kernels/rows.ts (the index is the code). */
export const UNARY_CODES = ['neg', 'abs', 'sign', 'exp', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal',
  'sigmoid', 'logSigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'selu', 'softplus', 'silu', 'gelu', 'geluGrad', 'erf', 'step'] as const;
export const BINARY_CODES = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'gt', 'ge', 'lt', 'le', 'eq'] as const;
export const REDUCE_CODES = ['sum', 'max', 'min'] as const;

/** Largest rank the strided kernels take (shape and strides live in 8-word slots). */
export const MAX_RANK = 8;
