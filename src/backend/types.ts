import type { DType, TypedArray } from '../tensor/dtype.js';

/**
 * A buffer owned by a backend. The engine never looks inside; it only passes buffers back to the
 * backend that made them. `ref` wraps a typed array; `wasm` will hold an offset into its memory.
 */
export interface Buffer {
  readonly dtype: DType;
  readonly size: number;
}

/** Elementwise functions of one input. `alpha` is the slope/scale for leakyRelu and elu. */
export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'square' | 'reciprocal'
  | 'sigmoid' | 'logSigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu' | 'selu' | 'softplus'
  | 'silu' | 'gelu' | 'geluGrad' | 'erf' | 'step';

/** Elementwise functions of two broadcast inputs; comparisons yield 1 or 0 in the output dtype. */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'gt' | 'ge' | 'lt' | 'le' | 'eq';

/** Reductions over one axis of a [outer, n, inner] view. */
export type ReduceOp = 'sum' | 'max' | 'min';

/**
 * Strided layout of an operand: element (i0, i1, ...) of the iteration shape lives at
 * `offset + sum(ik * strides[k])`. Stride 0 broadcasts.
 */
export interface Strided {
  buf: Buffer;
  offset: number;
  strides: readonly number[];
}

/** Batched matrix product C[b] = op(A[b]) @ op(B[b]) with per-operand batch strides (0 broadcasts). */
export interface MatmulArgs {
  a: Buffer; b: Buffer; out: Buffer;
  batch: number; m: number; k: number; n: number;
  /** A is stored [k, m] (row-major) and used transposed. */
  transA: boolean;
  /** B is stored [n, k] and used transposed. */
  transB: boolean;
  aBatchStride: number; bBatchStride: number;
  /** Accumulate into `out` instead of overwriting (used for weight gradients). */
  accumulate?: boolean;
}

/** Arguments of the normalisation kernels, over rows of length `n`. */
export interface NormArgs {
  x: Buffer; rows: number; n: number; eps: number;
  /** Optional per-feature scale and shift of length n. */
  weight: Buffer | null; bias: Buffer | null;
}

/** Arguments of the 1-D convolution: x [B, Cin, L], w [Cout, Cin/groups, K], causal left padding. */
export interface Conv1dArgs {
  batch: number; cin: number; cout: number; length: number; outLength: number;
  kernel: number; groups: number; stride: number; padLeft: number; dilation: number;
}

/** One Adam/AdamW step over a float32 parameter (see src/optim/adam.ts for the definition). */
export interface AdamArgs {
  p: Buffer; g: Buffer; m: Buffer; v: Buffer; vmax: Buffer | null;
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  decoupled: boolean;
  /** Bias corrections 1 - beta1^t and sqrt(1 - beta2^t). */
  bc1: number; bc2Sqrt: number;
}

/**
 * The kernel set every backend provides. Kernels write into buffers allocated by the caller, so
 * a backend can reuse memory; they never allocate tensors themselves. `ref` implements all of it
 * in plain TypeScript and is the specification the conformance suite compares others against.
 */
export interface Backend {
  readonly name: string;
  alloc(dtype: DType, size: number): Buffer;
  free(buf: Buffer): void;
  /** Copies `data` into the buffer. */
  write(buf: Buffer, data: ArrayLike<number>): void;
  /** Returns a copy of the buffer's contents. */
  read(buf: Buffer): TypedArray;
  /**
   * Zero-copy typed view for host-side loops (optimizers, RNG fills). Valid until the next
   * allocation on this backend (wasm memory may grow and detach it).
   */
  view(buf: Buffer): TypedArray;
  fill(buf: Buffer, value: number): void;

  /** out (contiguous, `shape`) = src gathered with strides: permute, slice, broadcast, copy. */
  copyStrided(src: Strided, out: Buffer, shape: readonly number[]): void;
  /** Writes contiguous `src` (of `shape`) into `dst` through strides (concat, slice assignment). */
  scatterStrided(src: Buffer, dst: Strided, shape: readonly number[]): void;
  /** Casts between dtypes (int32 <-> float). */
  cast(x: Buffer, out: Buffer): void;

  unary(op: UnaryOp, x: Buffer, out: Buffer, alpha: number): void;
  /** Broadcast binary op; `a` and `b` carry strides over the output `shape`. */
  binary(op: BinaryOp, a: Strided, b: Strided, out: Buffer, shape: readonly number[]): void;
  /** out = cond != 0 ? a : b, all three strided over the output `shape`. */
  where(cond: Strided, a: Strided, b: Strided, out: Buffer, shape: readonly number[]): void;
  /** Reduces x viewed as [outer, n, inner] over n into out [outer, inner]. */
  reduce(op: ReduceOp, x: Buffer, outer: number, n: number, inner: number, out: Buffer): void;
  /** Index (as float or int32 in `out`) of the maximum over n of [outer, n, inner]. */
  argmax(x: Buffer, outer: number, n: number, inner: number, out: Buffer): void;
  /** Inclusive cumulative sum over n of [outer, n, inner]; `reverse` sums from the end. */
  cumsum(x: Buffer, outer: number, n: number, inner: number, reverse: boolean, out: Buffer): void;
  /** Softmax (or log-softmax) over n of [outer, n, inner], max-subtracted. */
  softmax(x: Buffer, outer: number, n: number, inner: number, log: boolean, out: Buffer): void;
  matmul(args: MatmulArgs): void;

  /** out = norm(x) * w + b; also writes the per-row mean (layerNorm only) and 1/std used by backward. */
  layerNorm(args: NormArgs, out: Buffer, mean: Buffer, rstd: Buffer): void;
  /** Gradients of layerNorm; dw/db are overwritten (null when the layer has no affine params). */
  layerNormBackward(args: NormArgs, dy: Buffer, mean: Buffer, rstd: Buffer,
    dx: Buffer, dw: Buffer | null, db: Buffer | null): void;
  rmsNorm(args: NormArgs, out: Buffer, rstd: Buffer): void;
  rmsNormBackward(args: NormArgs, dy: Buffer, rstd: Buffer, dx: Buffer, dw: Buffer | null): void;

  /** Selects slices along n of x [outer, n, inner] by int32 `index` -> out [outer, index.size, inner]. */
  indexSelect(x: Buffer, outer: number, n: number, inner: number, index: Buffer, out: Buffer): void;
  /** Adds src [outer, index.size, inner] into out [outer, n, inner] at `index` (embedding backward). */
  indexAdd(src: Buffer, outer: number, n: number, inner: number, index: Buffer, out: Buffer): void;
  /**
   * torch.gather along the middle axis: x [outer, n, inner], index [outer, m, inner] ->
   * out [outer, m, inner].
   */
  gather(x: Buffer, outer: number, n: number, inner: number, index: Buffer, m: number, out: Buffer): void;
  /** Inverse of gather: adds src [outer, m, inner] into out [outer, n, inner]. */
  scatterAdd(src: Buffer, outer: number, n: number, inner: number, index: Buffer, m: number, out: Buffer): void;

  /** Grouped 1-D convolution forward: out [B, Cout, outLength]; bias may be null. */
  conv1d(x: Buffer, w: Buffer, bias: Buffer | null, out: Buffer, args: Conv1dArgs): void;
  /** Gradients of conv1d (each output buffer overwritten; null skips it). */
  conv1dBackward(x: Buffer, w: Buffer, dy: Buffer, dx: Buffer | null, dw: Buffer | null,
    db: Buffer | null, args: Conv1dArgs): void;

  /**
   * Optional fused optimizer step on float32 buffers. When absent, the optimizer runs its own
   * loop on host views (that loop is the definition; a kernel must match it bit for bit).
   */
  adamUpdate?(args: AdamArgs): void;
}
