import { ArgumentError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { add } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { globalGenerator } from '../tensor/rng.js';
import type { Rng } from '../tensor/rng.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { Linear, RMSNorm } from './layers.js';
import { Module } from './module.js';

/** Largest n-gram order the layer accepts (P33's hybrids go up to 4: heads matching 1-3 tokens). */
export const MAX_NGRAM_ORDER = 4;

/**
 * The fixed attention pattern of P33's n-gram head of order `order` (its `induction_head` with
 * `ngram = order − 1`), for a batch of token ids `ids` [B, T] (row-major): weight [b, i, j] is
 * 1/count over the positions j with 1 ≤ j < i whose preceding `order − 1` tokens
 * x[j−order+1 .. j−1] equal the `order − 1` tokens ending at i, x[i−order+2 .. i] — the tokens
 * that followed earlier occurrences of the current (order−1)-gram — and 0 elsewhere (a row with no
 * match is all zero). Order 2 is the induction head (match the current token). Returns [B, T, T].
 */
export function ngramWeights(ids: ArrayLike<number>, batch: number, steps: number, order: number): Float32Array {
  const op = 'ngramWeights';
  if (!Number.isInteger(order) || order < 2 || order > MAX_NGRAM_ORDER) throw new ArgumentError(op, `order must be an integer in [2, ${MAX_NGRAM_ORDER}], got ${String(order)}`);
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(steps) || steps < 1) throw new ArgumentError(op, `batch and steps must be positive integers, got ${batch} and ${steps}`);
  if (ids.length !== batch * steps) throw new ArgumentError(op, `${ids.length} ids for a batch of ${batch} × ${steps}`);
  const m = order - 1; // tokens matched
  const T = steps;
  const out = new Float32Array(batch * T * T);
  const hits: number[] = [];
  for (let b = 0; b < batch; b++) {
    const x = (t: number): number => ids[b * T + t]!;
    // i needs m tokens ending at it; j needs m tokens ending at j − 1.
    for (let i = m - 1; i < T; i++) {
      hits.length = 0;
      for (let j = m; j < i; j++) {
        let same = true;
        for (let k = 0; k < m && same; k++) same = x(i - k) === x(j - 1 - k);
        if (same) hits.push(j);
      }
      const row = (b * T + i) * T;
      for (const j of hits) out[row + j] = 1 / hits.length;
    }
  }
  return out;
}

/** Options of an `NgramLayer`. */
export interface NgramLayerOptions {
  /** Initial weights (default: the global generator). */
  rng?: Rng;
  /** Parameter element type (default float32). */
  dtype?: DType;
}

/**
 * P33's static n-gram layer as a pre-norm residual block:
 * y = h + t0(NG(RMSNorm(h))) + t1(RMSNorm(h)), where NG averages the normalised hidden states
 * with the fixed weights of `ngramWeights` (computed from the token ids, never learned) and t0, t1
 * are learned linear maps with bias (P33's `Ngram` mixer: t0(h0) + t1(h1)). Causal: position i
 * reads only positions before it, so padding past a sequence's end never reaches it.
 */
export class NgramLayer extends Module {
  /** Pre-norm of the block. */
  readonly norm: RMSNorm;
  /** Map of the n-gram average (P33's t0). */
  readonly t0: Linear;
  /** Map of the position's own state (P33's t1). */
  readonly t1: Linear;

  constructor(
    /** Width of the hidden states. */
    readonly hiddenSize: number,
    /** The n-gram order (2-4): the head matches the last `order − 1` tokens. */
    readonly order: number,
    opts: NgramLayerOptions = {},
  ) {
    super();
    if (!Number.isInteger(order) || order < 2 || order > MAX_NGRAM_ORDER) throw new ArgumentError('NgramLayer', `order must be an integer in [2, ${MAX_NGRAM_ORDER}], got ${String(order)}`);
    const init = { rng: opts.rng ?? globalGenerator(), ...(opts.dtype ? { dtype: opts.dtype } : {}) };
    this.norm = this.registerModule('norm', new RMSNorm(hiddenSize, opts.dtype ? { dtype: opts.dtype } : {}));
    this.t0 = this.registerModule('t0', new Linear(hiddenSize, hiddenSize, init));
    this.t1 = this.registerModule('t1', new Linear(hiddenSize, hiddenSize, init));
  }

  /** ids: the token ids [B, T] (row-major, any integer array); h [B, T, hiddenSize] → [B, T, hiddenSize]. */
  forward(ids: ArrayLike<number>, h: Tensor): Tensor {
    if (h.rank !== 3 || h.shape[2] !== this.hiddenSize) throw new ArgumentError('NgramLayer', `h must be [B, T, ${this.hiddenSize}], got [${h.shape.join(', ')}]`);
    const [B, T] = [h.shape[0]!, h.shape[1]!];
    const w = tensor(ngramWeights(ids, B, T, this.order), [B, T, T], { dtype: h.dtype });
    const n = this.norm.forward(h);
    return add(h, add(this.t0.forward(matmul(w, n)), this.t1.forward(n)));
  }
}
