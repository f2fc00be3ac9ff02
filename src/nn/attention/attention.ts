import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { add, mul, neg, where } from '../../ops/elementwise.js';
import { tensor } from '../../ops/creation.js';
import { matmul } from '../../ops/linalg.js';
import { concat, narrow, permute, reshape, transpose } from '../../ops/movement.js';
import { softmax } from '../../ops/reduce.js';
import { Module } from '../module.js';
import { Linear, RMSNorm } from '../layers.js';
import { checkLengths, dtypeOpt, positiveInt } from '../sequence-util.js';
import { ResidualStack } from '../residual-stack.js';
import type { BlockResult, StackOptions } from '../residual-stack.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { MixerOutput } from '../sequence-layer.js';

/**
 * The KV cache one attention layer carries: k and v [B, H, t, head_dim] of every token seen so far
 * (k already rotated), and mask [B, t], 1 where the cached token exists and 0 where it was padding
 * past a sequence's length. A sequence's next RoPE position is the number of ones in its row.
 */
export interface KVCache {
  /** Cached keys [B, H, t, head_dim], already rotated. */
  k: Tensor;
  /** Cached values [B, H, t, head_dim]. */
  v: Tensor;
  /** Which cached tokens exist [B, t]: 1 for a real token, 0 for padding. */
  mask: Tensor;
}

/** Options of one `CausalAttention` layer. */
export interface CausalAttentionOptions {
  /** Number of heads H (head_dim = d / H). */
  heads: number;
  /** RoPE base θ (fla's rope_theta; default 10000). */
  ropeBase?: number;
  /** Generator for the initial weights (default: the global one). */
  rng?: Rng;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/** Large negative finite score for masked keys: exp underflows to exactly 0, no -inf arithmetic. */
const MASKED = -1e30;

/**
 * Causal softmax self-attention with fla's names (fla `Attention`): q_proj, k_proj, v_proj,
 * o_proj (no bias), H heads of head_dim = d / H, rotary position embedding on q and k (base θ,
 * rotate-half convention of fla/HF/GPT-NeoX: channel c < r/2 pairs with c + r/2, inverse
 * frequencies θ^(-2i/r), r = head_dim rounded down to even; an odd last channel passes through),
 * scores q·kᵀ / sqrt(head_dim) under a causal mask. x is time-major [T, B, d].
 */
export class CausalAttention extends Module {
  /** Query projection d → d. */
  readonly q_proj: Linear;
  /** Key projection d → d. */
  readonly k_proj: Linear;
  /** Value projection d → d. */
  readonly v_proj: Linear;
  /** Output projection d → d. */
  readonly o_proj: Linear;
  /** Heads H. */
  readonly heads: number;
  /** Channels per head, d / H. */
  readonly headDim: number;
  /** RoPE base θ. */
  readonly ropeBase: number;

  constructor(
    /** Model width d. */
    readonly d: number,
    opts: CausalAttentionOptions) {
    super();
    const op = 'CausalAttention';
    positiveInt(op, 'd', d);
    this.heads = positiveInt(op, 'heads', opts.heads);
    if (d % this.heads !== 0) throw new ArgumentError(op, `hidden size ${d} must be divisible by heads ${this.heads}`);
    this.headDim = d / this.heads;
    this.ropeBase = opts.ropeBase ?? 10000;
    if (!(Number.isFinite(this.ropeBase) && this.ropeBase > 0)) throw new ArgumentError(op, `ropeBase must be a positive number, got ${String(opts.ropeBase)}`);
    const o = { bias: false, ...(opts.rng ? { rng: opts.rng } : {}), ...dtypeOpt(opts.dtype) };
    this.q_proj = this.registerModule('q_proj', new Linear(d, d, o));
    this.k_proj = this.registerModule('k_proj', new Linear(d, d, o));
    this.v_proj = this.registerModule('v_proj', new Linear(d, d, o));
    this.o_proj = this.registerModule('o_proj', new Linear(d, d, o));
  }

  /**
   * x [T, B, d] → y [T, B, d], continuing from the cache `prev` when given; returns the cache
   * extended by these T tokens. With `lengths`, tokens at t ≥ lengths[b] are padding: they are
   * marked absent in the returned cache (never attended to by later calls, and not counted as
   * positions). Within the call they need no mask: causality already keeps every valid query
   * (t < lengths[b]) from reaching them, and the outputs at padded queries are the caller's to drop.
   */
  forward(x: Tensor, prev: KVCache | null = null, lengths: readonly number[] | null = null): MixerOutput<KVCache> {
    const op = 'CausalAttention';
    const { heads: H, headDim: D } = this;
    if (x.rank !== 3 || x.shape[2] !== this.d) throw new ShapeError(op, `x must be [time, batch, ${this.d}], got ${fmtShape(x.shape)}`);
    const [T, B] = x.shape as [number, number];
    const lens = lengths ? checkLengths(op, lengths, B, T) : null;
    const t0 = prev ? checkCache(op, prev, B, H, D) : 0;
    const prevMask = prev ? prev.mask.data() : null;
    // each sequence's first new position: the number of tokens its cache really holds
    const offsets = Array.from({ length: B }, (_, b) => {
      let n = 0;
      if (prevMask) for (let j = 0; j < t0; j++) if (prevMask[b * t0 + j] !== 0) n++;
      return n;
    });
    const holes = offsets.some((n) => n !== t0);
    const toHeads = (t: Tensor): Tensor => permute(reshape(t, [T, B, H, D]), [1, 2, 0, 3]); // [B, H, T, D]
    const { cos, sin } = ropeTables(holes ? offsets : [t0], T, D, this.ropeBase, x.dtype);
    const q = rope(toHeads(this.q_proj.forward(x)), cos, sin);
    const k = rope(toHeads(this.k_proj.forward(x)), cos, sin);
    const v = toHeads(this.v_proj.forward(x));
    const K = prev ? concat([prev.k, k], 2) : k; // [B, H, t0 + T, D]
    const V = prev ? concat([prev.v, v], 2) : v;
    let scores = mul(matmul(q, transpose(K, 2, 3)), 1 / Math.sqrt(D)); // [B, H, T, t0 + T]
    const allowed = allowedMask(prevMask, holes ? B : 1, t0, T, x.dtype);
    if (allowed) scores = where(allowed, scores, MASKED);
    const o = matmul(softmax(scores, -1), V); // [B, H, T, D]
    const y = this.o_proj.forward(reshape(permute(o, [2, 0, 1, 3]), [T, B, H * D]));
    // the cache's mask: the old rows, then 1 for each new token before the sequence's length
    const mask = new Float64Array(B * (t0 + T));
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < t0; j++) mask[b * (t0 + T) + j] = prevMask![b * t0 + j] !== 0 ? 1 : 0;
      for (let i = 0; i < T; i++) mask[b * (t0 + T) + t0 + i] = !lens || i < lens[b]! ? 1 : 0;
    }
    return { y, state: { k: K, v: V, mask: tensor(mask, [B, t0 + T], { dtype: x.dtype }) } };
  }
}

/** Validates a carried cache against the batch and heads; returns its length t. */
function checkCache(op: string, prev: KVCache, B: number, H: number, D: number): number {
  const { k, v, mask } = prev;
  if (!k || !v || !mask) throw new ArgumentError(op, 'the carried state must hold the KV cache k, v and mask');
  const t = k.shape[2] ?? 0;
  const want = `[${B}, ${H}, t, ${D}]`;
  if (k.rank !== 4 || k.shape[0] !== B || k.shape[1] !== H || k.shape[3] !== D) throw new ShapeError(op, `cached k must be ${want}, got ${fmtShape(k.shape)}`);
  if (v.rank !== 4 || v.shape.some((n, i) => n !== k.shape[i])) throw new ShapeError(op, `cached v must have k's shape ${fmtShape(k.shape)}, got ${fmtShape(v.shape)}`);
  if (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== t) throw new ShapeError(op, `cache mask must be [${B}, ${t}], got ${fmtShape(mask.shape)}`);
  return t;
}

/**
 * cos and sin tables [P, 1, T, D] for positions offsets[p] + i (P = 1: one offset for the whole
 * batch), rotate-half layout: channel c and c + r/2 share the frequency θ^(-2c/r); channels ≥ r
 * (an odd head_dim's last one) get cos 1, sin 0.
 */
function ropeTables(offsets: readonly number[], T: number, D: number, base: number, dtype: DType): { cos: Tensor; sin: Tensor } {
  const r = D - (D % 2), half = r / 2;
  const P = offsets.length;
  const c = new Float64Array(P * T * D).fill(1), s = new Float64Array(P * T * D);
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < T; i++) {
      const pos = offsets[p]! + i;
      const row = (p * T + i) * D;
      for (let j = 0; j < half; j++) {
        const a = pos * Math.pow(base, -(2 * j) / r);
        c[row + j] = c[row + j + half] = Math.cos(a);
        s[row + j] = s[row + j + half] = Math.sin(a);
      }
    }
  }
  return { cos: tensor(c, [P, 1, T, D], { dtype }), sin: tensor(s, [P, 1, T, D], { dtype }) };
}

/** x·cos + rotate_half(x)·sin with rotate_half(x) = [-x₂, x₁, rest] over the rotary channels. */
function rope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const D = x.shape[3]!, half = (D - (D % 2)) / 2;
  if (half === 0) return x;
  const parts = [neg(narrow(x, 3, half, half)), narrow(x, 3, 0, half)];
  if (D % 2) parts.push(narrow(x, 3, D - 1, 1));
  return add(mul(x, cos), mul(concat(parts, 3), sin));
}

/**
 * Which keys each new query may see, [P, 1, T, t0 + T] (P = B when the cache has padding holes,
 * else 1): cached key j where the cache holds a token, new key i' ≤ i. Null when nothing is masked.
 */
function allowedMask(prevMask: ArrayLike<number> | null, P: number, t0: number, T: number, dtype: DType): Tensor | null {
  if (T === 1 && P === 1) return null;
  const n = t0 + T;
  const m = new Float64Array(P * T * n);
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < T; i++) {
      const row = (p * T + i) * n;
      for (let j = 0; j < t0; j++) m[row + j] = P === 1 || prevMask![p * t0 + j] !== 0 ? 1 : 0;
      for (let j = 0; j <= i; j++) m[row + t0 + j] = 1;
    }
  }
  return tensor(m, [P, 1, T, n], { dtype });
}

/** A pre-norm residual block: x + attn(RMSNorm(x)) (fla's `attn_norm`, `attn`). */
export class AttentionBlock extends Module {
  /** RMSNorm before the attention. */
  readonly attn_norm: RMSNorm;
  /** The causal attention layer. */
  readonly attn: CausalAttention;
  constructor(d: number, opts: CausalAttentionOptions) {
    super();
    this.attn_norm = this.registerModule('attn_norm', new RMSNorm(d, dtypeOpt(opts.dtype)));
    this.attn = this.registerModule('attn', new CausalAttention(d, opts));
  }
}

/** Options of the `Attention` stack (model width = hiddenSize, `heads` heads). */
export interface AttentionOptions extends StackOptions {
  /** Heads per layer (default 1); hiddenSize must be divisible by it. */
  heads?: number;
  /** RoPE base θ (default 10000). */
  ropeBase?: number;
}

/** The `Attention` stack's state: h [L, B, d] and each layer's KV cache k, v [L, B, H, t, head_dim], mask [L, B, t]. */
export type AttentionState = {
  /** Each layer's last output [L, B, d]. */
  h: Tensor;
  /** Cached keys [L, B, H, t, head_dim]. */
  k: Tensor;
  /** Cached values [L, B, H, t, head_dim]. */
  v: Tensor;
  /** Which cached tokens exist [L, B, t]. */
  mask: Tensor;
} & Record<string, Tensor>;

/**
 * A stack of causal softmax-attention layers: pre-norm residual blocks (fla's `layers.{i}.attn_norm`,
 * `layers.{i}.attn`; no MLP). Batch-first: forward(x [B, T, inputSize], state?, { lengths }) →
 * output [B, T, d]; the state carries every layer's KV cache, so `step` and `forward(x, state)`
 * continue a sequence exactly, ragged batches included (padded tokens are kept in the cache but
 * masked out, and RoPE positions continue per sequence). The cache grows by T tokens per call.
 */
export class Attention extends ResidualStack<AttentionBlock> {
  /** Heads per layer. */
  readonly heads: number;
  /** RoPE base θ. */
  readonly ropeBase: number;

  constructor(opts: AttentionOptions) {
    const op = 'Attention';
    const { d, heads } = ResidualStack.widths(op, opts);
    const ropeBase = opts.ropeBase ?? 10000;
    if (!(Number.isFinite(ropeBase) && ropeBase > 0)) throw new ArgumentError(op, `ropeBase must be a positive number, got ${String(opts.ropeBase)}`);
    super(op, opts, (rng) => new AttentionBlock(d, { heads, ropeBase, rng, ...dtypeOpt(opts.dtype) }));
    this.heads = heads;
    this.ropeBase = ropeBase;
  }

  protected runBlock(blk: AttentionBlock, seq: Tensor, _valid: Tensor | null, prev: Record<string, Tensor> | null,
    _stepping: boolean, lengths: readonly number[] | null): BlockResult {
    const r = blk.attn.forward(blk.attn_norm.forward(seq), prev as KVCache | null, lengths);
    return { y: add(seq, r.y), state: { ...r.state } };
  }
}
