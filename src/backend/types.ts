import type { DType, TypedArray } from '../tensor/dtype.js';

/**
 * A buffer owned by a backend. The engine never looks inside; it only passes buffers back to the
 * backend that made them. `ref` wraps a typed array; `wasm` will hold an offset into its memory.
 */
export interface Buffer {
  /** Element type of the storage. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
}

/** Elementwise functions of one input. `alpha` is the slope/scale for leakyRelu and elu. */
export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'square' | 'reciprocal'
  | 'sigmoid' | 'logSigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu' | 'selu' | 'softplus'
  | 'silu' | 'gelu' | 'geluGrad' | 'erf' | 'step' | 'cos' | 'sin';

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
  /** The buffer the operand lives in. */
  buf: Buffer;
  /** Element offset of the operand's first element. */
  offset: number;
  /** Element stride per dimension of the iteration shape (0 broadcasts that dimension). */
  strides: readonly number[];
}

/** Batched matrix product C[b] = op(A[b]) @ op(B[b]) with per-operand batch strides (0 broadcasts). */
export interface MatmulArgs {
  /** Left operand, [batch, m, k] (or [batch, k, m] with `transA`). */
  a: Buffer;
  /** Right operand, [batch, k, n] (or [batch, n, k] with `transB`). */
  b: Buffer;
  /** Result, [batch, m, n] (contiguous). */
  out: Buffer;
  /** Number of matrix products. */
  batch: number;
  /** Rows of op(A) and of C. */
  m: number;
  /** Shared (contracted) dimension. */
  k: number;
  /** Columns of op(B) and of C. */
  n: number;
  /** A is stored [k, m] (row-major) and used transposed. */
  transA: boolean;
  /** B is stored [n, k] and used transposed. */
  transB: boolean;
  /** Elements between consecutive matrices of A (0 broadcasts one A over the batch). */
  aBatchStride: number;
  /** Elements between consecutive matrices of B (0 broadcasts one B over the batch). */
  bBatchStride: number;
  /** Accumulate into `out` instead of overwriting (used for weight gradients). */
  accumulate?: boolean;
  /** Element offset into `a` (default 0): lets recurrent kernels address one time step. */
  aOffset?: number;
  /** Element offset into `b` (default 0). */
  bOffset?: number;
  /** Element offset into `out` (default 0). */
  outOffset?: number;
  /** op(B) already laid out by `prepareRhs` (batch 1 or a broadcast B); `b` is still passed. */
  bPrepared?: Buffer | null;
}

/** Arguments of the normalisation kernels, over rows of length `n`. */
export interface NormArgs {
  /** Input, [rows, n] (contiguous). */
  x: Buffer;
  /** Number of rows normalised independently. */
  rows: number;
  /** Row length (the normalised features). */
  n: number;
  /** Added to the variance (mean square for RMSNorm) before the square root. */
  eps: number;
  /** Optional per-feature scale of length n. */
  weight: Buffer | null;
  /** Optional per-feature shift of length n (layerNorm only). */
  bias: Buffer | null;
}

/** Arguments of the 1-D convolution: x [B, Cin, L], w [Cout, Cin/groups, K], causal left padding. */
export interface Conv1dArgs {
  /** Batch size B. */
  batch: number;
  /** Input channels. */
  cin: number;
  /** Output channels. */
  cout: number;
  /** Input length L. */
  length: number;
  /** Output length. */
  outLength: number;
  /** Kernel width K. */
  kernel: number;
  /** Channel groups (cin and cout are multiples of it; groups = cin is depthwise). */
  groups: number;
  /** Step between output positions. */
  stride: number;
  /** Zeros padded on the left (causal padding). */
  padLeft: number;
  /** Spacing between kernel taps. */
  dilation: number;
}

/** One Adam/AdamW step over a float32 parameter (see src/optim/adam.ts for the definition). */
export interface AdamArgs {
  /** Parameter, updated in place. */
  p: Buffer;
  /** Its gradient. */
  g: Buffer;
  /** First-moment estimate, updated in place. */
  m: Buffer;
  /** Second-moment estimate, updated in place. */
  v: Buffer;
  /** Running maximum of `v` (AMSGrad), or null without AMSGrad. */
  vmax: Buffer | null;
  /** Learning rate of this step. */
  lr: number;
  /** Decay of the first moment. */
  beta1: number;
  /** Decay of the second moment. */
  beta2: number;
  /** Added to the denominator for stability. */
  eps: number;
  /** Weight decay coefficient (0 for none). */
  weightDecay: number;
  /** True for AdamW's decoupled decay, false for L2 decay added to the gradient (Adam). */
  decoupled: boolean;
  /** Bias correction 1 - beta1^t. */
  bc1: number;
  /** Bias correction sqrt(1 - beta2^t). */
  bc2Sqrt: number;
}

/** Recurrent cells with fused pointwise step kernels (gate orders as in PyTorch / xLSTM). */
export type CellKind = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru' | 'slstm' | 'leakyTanh' | 'leakyRelu';

/** Gates per cell and cell states per cell (S), and the cache width in units of H. */
export const CELL_SHAPE: Record<CellKind, { gates: number; states: number; cache: number }> = {
  rnnTanh: { gates: 1, states: 0, cache: 1 },
  rnnRelu: { gates: 1, states: 0, cache: 1 },
  leakyTanh: { gates: 1, states: 0, cache: 1 },
  leakyRelu: { gates: 1, states: 0, cache: 1 },
  lstm: { gates: 4, states: 1, cache: 4 },
  gru: { gates: 3, states: 0, cache: 4 },
  slstm: { gates: 4, states: 3, cache: 5 },
};


/**
 * One time step of a cell's pointwise part for a batch, after the GEMMs. Offsets are in elements.
 * Layouts: gates [B, G*H] with gate blocks of H (LSTM i,f,g,o; GRU r,z,n; sLSTM i,f,z,o);
 * states [B, H]; cell states `s` [S, B, H] (LSTM S=1: c; sLSTM S=3: c, n, m; others S=0).
 * A sequence whose `mask` entry is 0 at this step keeps its state (h and s copied through).
 */
export interface CellStepArgs {
  /** Batch size B. */
  batch: number;
  /** Hidden size H. */
  hidden: number;
  /** Input pre-activations x W_ih^T + b_ih, [B, G*H]. */
  gx: Buffer;
  /** Element offset of this step in `gx`. */
  gxOff: number;
  /** Recurrent pre-activations h W_hh^T + b_hh, [B, G*H]. */
  gh: Buffer;
  /** Element offset of this step in `gh`. */
  ghOff: number;
  /** h buffer: previous state at hPrevOff; the step writes its output at hOutOff (LSTM: o*tanh(c)). */
  h: Buffer;
  /** Element offset of the previous h in `h`. */
  hPrevOff: number;
  /** Element offset where the step writes its h. */
  hOutOff: number;
  /** Cell states (null for RNN/GRU/leaky). */
  s: Buffer | null;
  /** Element offset of the previous cell states in `s`. */
  sPrevOff: number;
  /** Element offset where the step writes its cell states. */
  sNextOff: number;
  /** Activated gates kept for backward: [B, G*H] (GRU: plus the recurrent n pre-activation, [B, 4H]). */
  cache: Buffer;
  /** Element offset of this step in `cache`. */
  cacheOff: number;
  /** Per-sequence 1/0 (float32/64), or null when every sequence is active. */
  mask: Buffer | null;
  /** Element offset of this step in `mask`. */
  maskOff: number;
  /** LSTM peepholes [3, H] (i, f, o) or leaky-RNN rates alpha [H]; null otherwise. */
  param: Buffer | null;
  /** Write the new h (at hOutOff) here instead of into `h`. */
  hDst?: Buffer | null;
  /** Write the new cell states (at sNextOff) here instead of into `s`. */
  sDst?: Buffer | null;
}

/** Backward of one step: reads dhOut (and dsNext) and writes the gate and state cotangents. */
export interface CellBackwardArgs extends CellStepArgs {
  /** Cotangent of this step's output h (LSTM: of o*tanh(c)) [B, H]. */
  dh: Buffer;
  /** Element offset of this step in `dh`. */
  dhOff: number;
  /** Cotangent of the cell states after this step, updated in place to the states before it. */
  ds: Buffer | null;
  /** Element offset of the cell-state cotangent in `ds`. */
  dsOff: number;
  /** Writes d(x-part pre-activations) [B, G*H] (equal to `dgh` except GRU's n). */
  dgx: Buffer;
  /** Element offset of this step in `dgx`. */
  dgxOff: number;
  /** Writes d(recurrent pre-activations) [B, G*H]. */
  dgh: Buffer;
  /** Element offset of this step in `dgh`. */
  dghOff: number;
  /** Writes the direct part of d(previous h) [B, H] (GRU z*dh, leaky (1-alpha)*dh, frozen steps dh). */
  dhPrev: Buffer;
  /** Element offset in `dhPrev`. */
  dhPrevOff: number;
  /** Accumulates d(param) (peepholes or alpha), same shape as param. */
  dparam: Buffer | null;
}

/**
 * The diagonal linear recurrence h_t = a_t ⊙ h_{t-1} + b_t over T steps of N values each (time
 * major, contiguous): forward writes every h_t; `reverse` runs t = T-1..0 with h_{t+1} instead.
 * `h0` (N values) is the state before the first step, null = zeros.
 */
export interface LinearScanArgs {
  /** Number of time steps. */
  T: number;
  /** Values per step (independent lanes). */
  N: number;
  /** Run from the last step back to the first. */
  reverse: boolean;
  /** Decays a_t, [T, N]. */
  a: Buffer;
  /** Inputs b_t, [T, N]. */
  b: Buffer;
  /** State before the first step, [N], or null (zeros). */
  h0: Buffer | null;
}

/**
 * Per lane (N lanes, time-major [T, N] buffers) the 2×2 block recurrence x_t = M_t x_{t-1} + r_t,
 * M_t = [[m11, m12], [m21, m22]], x = (x1, x2), from zero; or with `transposeNext` the adjoint
 * x_t = r_t + M_{t+1}ᵀ x_{t+1} from the last step back (nothing after the last).
 */
export interface Block2ScanArgs {
  /** Number of time steps. */
  T: number;
  /** Number of independent lanes. */
  N: number;
  /** Run the adjoint recurrence (from the last step back, with M_{t+1} transposed). */
  transposeNext: boolean;
  /** Entry (1, 1) of M_t, [T, N]. */
  m11: Buffer;
  /** Entry (1, 2) of M_t, [T, N]. */
  m12: Buffer;
  /** Entry (2, 1) of M_t, [T, N]. */
  m21: Buffer;
  /** Entry (2, 2) of M_t, [T, N]. */
  m22: Buffer;
  /** First component of r_t, [T, N]. */
  r1: Buffer;
  /** Second component of r_t, [T, N]. */
  r2: Buffer;
}

/** The lanes, sizes and q, k, v buffers the fused linear-attention kernels (delta rule, GLA) share. */
export interface LinearAttentionArgs {
  /** Independent lanes (batch × heads). */
  BH: number;
  /** Number of time steps. */
  T: number;
  /** Key (and query) width. */
  dk: number;
  /** Value width. */
  dv: number;
  /** Queries, [BH, T, dk]. */
  q: Buffer;
  /** Keys, [BH, T, dk]. */
  k: Buffer;
  /** Values, [BH, T, dv]. */
  v: Buffer;
}

/**
 * The (gated) delta rule over BH independent lanes (batch × heads), each with a state S [dv, dk]:
 *   S_t = α_t S_{t-1} + β_t (v_t − α_t S_{t-1} k_t) k_tᵀ,   o_t = S_t q_t,   α_t = exp(g_t) (1 without g).
 * Contiguous layouts: q, k [BH, T, dk]; v [BH, T, dv]; beta, g [BH, T]; s0 [BH, dv, dk] (null: zeros).
 */
export interface DeltaRuleArgs extends LinearAttentionArgs {
  /** Write strengths β_t, [BH, T]. */
  beta: Buffer;
  /** Log decay per step, or null (no decay). */
  g: Buffer | null;
  /** State before the first step, or null (zeros). */
  s0: Buffer | null;
}

/**
 * Gated linear attention over BH independent lanes (batch × heads), each with a state S [dk, dv]:
 *   S_t = a_t ⊙ S_{t-1} + k_t v_tᵀ,   o_t = S_tᵀ q_t,   a_t = exp(g_t),
 * where a_t scales the rows of S (vector gate, g [BH, T, dk]) or all of S (scalar gate, g [BH, T]).
 * Contiguous layouts: q, k [BH, T, dk]; v [BH, T, dv]; s0 [BH, dk, dv] (null: zeros).
 */
export interface GLAArgs extends LinearAttentionArgs {
  /** Log gate: [BH, T, dk] when `vectorGate`, else [BH, T]. */
  g: Buffer;
  /** True for a per-key-row gate, false for one scalar gate per step. */
  vectorGate: boolean;
  /** State before the first step, or null (zeros). */
  s0: Buffer | null;
}

/**
 * The kernel set every backend provides. Kernels write into buffers allocated by the caller, so
 * a backend can reuse memory; they never allocate tensors themselves. `ref` implements all of it
 * in plain TypeScript and is the specification the conformance suite compares others against.
 */
export interface Backend {
  /** Registry name (`'ref'`, `'wasm'`, ...), as passed to `setBackend`. */
  readonly name: string;
  /** Allocates an uninitialised buffer of `size` elements of `dtype`. */
  alloc(dtype: DType, size: number): Buffer;
  /** Releases a buffer made by `alloc` (or `prepareRhs`). */
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
  /** Sets every element of the buffer to `value`. */
  fill(buf: Buffer, value: number): void;

  /** out (contiguous, `shape`) = src gathered with strides: permute, slice, broadcast, copy. */
  copyStrided(src: Strided, out: Buffer, shape: readonly number[]): void;
  /** Writes contiguous `src` (of `shape`) into `dst` through strides (concat, slice assignment). */
  scatterStrided(src: Buffer, dst: Strided, shape: readonly number[]): void;
  /** Casts between dtypes (int32 <-> float). */
  cast(x: Buffer, out: Buffer): void;

  /** Elementwise `op` of contiguous `x` into `out` (`alpha`: see UnaryOp). */
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
  /** Batched GEMM (see MatmulArgs). */
  matmul(args: MatmulArgs): void;

  /** out = norm(x) * w + b; also writes the per-row mean (layerNorm only) and 1/std used by backward. */
  layerNorm(args: NormArgs, out: Buffer, mean: Buffer, rstd: Buffer): void;
  /** Gradients of layerNorm; dw/db are overwritten (null when the layer has no affine params). */
  layerNormBackward(args: NormArgs, dy: Buffer, mean: Buffer, rstd: Buffer,
    dx: Buffer, dw: Buffer | null, db: Buffer | null): void;
  /** out = x / rms(x) * w; also writes the per-row 1/rms used by backward. */
  rmsNorm(args: NormArgs, out: Buffer, rstd: Buffer): void;
  /** Gradients of rmsNorm; dw is overwritten (null when the layer has no weight). */
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

  /**
   * Optional: lays out op(B) [k, n] once for many GEMMs with the same right operand (a recurrent
   * weight used at every time step). Free the result with `free`.
   */
  prepareRhs?(b: Buffer, k: number, n: number, transB: boolean): Buffer;

  /** Linear recurrence forward into `h` [T, N] (see LinearScanArgs). */
  linearScan(args: LinearScanArgs, h: Buffer): void;
  /**
   * Its backward: g_t = dh_t + a_{t+1} ⊙ g_{t+1} (in scan order) into `db` (= g), `da` = g ⊙ h_prev,
   * and d(h0) = a_first ⊙ g_first into `dh0` when not null. Reads the forward output `h`.
   */
  linearScanBackward(args: LinearScanArgs, h: Buffer, dh: Buffer, da: Buffer, db: Buffer, dh0: Buffer | null): void;
  /** 2×2 block linear recurrence into x1, x2 [T, N] (see Block2ScanArgs). */
  block2Scan(args: Block2ScanArgs, x1: Buffer, x2: Buffer): void;
  /**
   * Delta rule forward (see DeltaRuleArgs): writes o [BH, T, dv], the final state `sFinal`
   * [BH, dv, dk] and, when `states` is not null, every state S_t into `states` [BH, T, dv, dk] for
   * the backward (B·H·T·dv·dk elements: the memory cost of the fused form). With `states` null only
   * the running state is kept (inference).
   */
  deltaRuleForward(args: DeltaRuleArgs, o: Buffer, states: Buffer | null, sFinal: Buffer): void;
  /**
   * Its backward, from the stored states: given dO [BH, T, dv] and the cotangent of the final state
   * (null: zeros), writes dq, dk [BH, T, dk], dv [BH, T, dv], dbeta [BH, T], dg [BH, T] (null
   * when there is no g or it is not needed) and dS0 [BH, dv, dk] (null: not needed). Every output
   * is overwritten, never accumulated into.
   */
  deltaRuleBackward(args: DeltaRuleArgs, states: Buffer, dO: Buffer, dSFinal: Buffer | null,
    dq: Buffer, dk: Buffer, dv: Buffer, dbeta: Buffer, dg: Buffer | null, dS0: Buffer | null): void;
  /**
   * Gated linear attention forward (see GLAArgs): writes o [BH, T, dv], the final state `sFinal`
   * [BH, dk, dv] and, when `states` is not null, every state S_t into `states` [BH, T, dk, dv] for
   * the backward (B·H·T·dk·dv elements). With `states` null only the running state is kept.
   */
  glaForward(args: GLAArgs, o: Buffer, states: Buffer | null, sFinal: Buffer): void;
  /**
   * Its backward, from the stored states: given dO [BH, T, dv] and the cotangent of the final state
   * (null: zeros), writes dq, dk [BH, T, dk], dv [BH, T, dv], dg (the shape of g; null when not
   * needed) and dS0 [BH, dk, dv] (null: not needed). Every output is overwritten, never accumulated into.
   */
  glaBackward(args: GLAArgs, states: Buffer, dO: Buffer, dSFinal: Buffer | null,
    dq: Buffer, dk: Buffer, dv: Buffer, dg: Buffer | null, dS0: Buffer | null): void;
  /** Pointwise forward of one recurrent step (see CellStepArgs). */
  cellForward(kind: CellKind, args: CellStepArgs): void;
  /** Pointwise backward of one recurrent step (see CellBackwardArgs). */
  cellBackward(kind: CellKind, args: CellBackwardArgs): void;
}

/** SELU constants (Klambauer et al. 2017), as in PyTorch: shared by the kernels, the op and its gradient rule. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;
