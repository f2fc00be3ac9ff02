import { ArgumentError } from '../../errors.js';
import { add, div, logSigmoid, mul, silu, where } from '../../ops/elementwise.js';
import { permute, reshape } from '../../ops/movement.js';
import { Module } from '../module.js';
import { Linear, RMSNorm, Sequential } from '../layers.js';
import { dtypeOpt, positiveInt } from '../sequence-util.js';
import { oneOf } from '../../options.js';
import { ShortConv } from '../short-conv.js';
import { ResidualStack } from '../residual-stack.js';
import type { BlockResult, StackOptions } from '../residual-stack.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { MixerOutput } from '../sequence-layer.js';
import { gatedLinearAttention } from './gated-linear-attention.js';
import type { GLAImpl } from './gated-linear-attention.js';

/** Options of `GLAAttention` (fla's `GatedLinearAttention` arguments, camelCased). */
export interface GLAAttentionOptions {
  /** Model width (fla's hidden_size). */
  hiddenSize: number;
  /** Heads (default 1; fla's default is 4). key and value widths must divide by it. */
  heads?: number;
  /** Key width = hiddenSize · expandK (default 0.5, as fla). */
  expandK?: number;
  /** Value width = hiddenSize · expandV (default 1, as fla). */
  expandV?: number;
  /** Rank of the low-rank forget-gate projection gk_proj (default 16, as fla). */
  gateLowRankDim?: number;
  /** gk = logsigmoid(gk_proj(x)) / gateLogitNormalizer (default 16, as fla). */
  gateLogitNormalizer?: number;
  /** eps of g_norm_swish_gate (default 1e-5, as fla). */
  normEps?: number;
  /** fla's optional short convolutions (+ SiLU, no bias) on q, k, v: q_conv1d, k_conv1d, v_conv1d (default false, as fla). */
  shortConv?: boolean;
  /** Their kernel size (default 4). */
  convSize?: number;
  /** Generator for the initial weights. */
  rng: Rng;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/** What `GLAAttention.forward` returns: y, the final state S, and the short convs' windows. */
export interface GLAAttentionOutput extends MixerOutput<Tensor> {
  /** The short convs' last inputs (convQ, convK, convV, each [B, width, convSize − 1]); empty without shortConv. */
  windows: Record<string, Tensor>;
}

/** A width hiddenSize · expand that is a whole number divisible by the head count, or an ArgumentError. */
function expandedDim(op: string, name: string, d: number, expand: number, heads: number): number {
  const w = d * expand;
  if (!(expand > 0) || !Number.isInteger(w)) throw new ArgumentError(op, `hiddenSize · ${name} must be a positive integer, got ${d} · ${expand}`);
  if (w % heads !== 0) throw new ArgumentError(op, `hiddenSize · ${name} = ${w} must be divisible by heads ${heads}`);
  return w;
}

/**
 * The gated linear attention layer of fla (`GatedLinearAttention`, optional short convs, no feature map)
 * with its parameter names: q_proj, k_proj, v_proj, g_proj (output gate), gk_proj (low rank:
 * `gk_proj.0` D → 16 without bias, `gk_proj.1` 16 → key width with bias), g_norm_swish_gate
 * (RMSNorm over the head's value dim, then × swish(g)), o_proj; all other projections have no bias.
 * The forget gate is per key channel: gk = logsigmoid(gk_proj(x)) / 16 ≤ 0, and q is scaled by
 * dk^-1/2. x is time-major [T, B, hiddenSize]; the state is [B, H, dk, dv] (fla's layout).
 */
export class GLAAttention extends Module {
  /** Query projection hiddenSize → keyDim. */
  readonly q_proj: Linear;
  /** Key projection hiddenSize → keyDim. */
  readonly k_proj: Linear;
  /** Value projection hiddenSize → valueDim. */
  readonly v_proj: Linear;
  /** Output-gate projection hiddenSize → valueDim. */
  readonly g_proj: Linear;
  /** Low-rank forget-gate projection: `gk_proj.0` hiddenSize → rank, `gk_proj.1` rank → keyDim. */
  readonly gk_proj: Sequential;
  /** RMSNorm over each head's value dim, before the swish gate. */
  readonly g_norm_swish_gate: RMSNorm;
  /** Output projection valueDim → hiddenSize. */
  readonly o_proj: Linear;
  /** Short conv on q; null without `shortConv`. */
  readonly q_conv1d: ShortConv | null;
  /** Short conv on k; null without `shortConv`. */
  readonly k_conv1d: ShortConv | null;
  /** Short conv on v; null without `shortConv`. */
  readonly v_conv1d: ShortConv | null;
  /** Model width. */
  readonly hiddenSize: number;
  /** Heads H. */
  readonly heads: number;
  /** Total key width (fla's key_dim). */
  readonly keyDim: number;
  /** Total value width (fla's value_dim). */
  readonly valueDim: number;
  /** Key width per head dk (fla's head_k_dim). */
  readonly headKDim: number;
  /** Value width per head dv (fla's head_v_dim). */
  readonly headVDim: number;
  /** The divisor of the log forget gate. */
  readonly gateLogitNormalizer: number;

  constructor(opts: GLAAttentionOptions) {
    super();
    const op = 'GLAAttention';
    const d = positiveInt(op, 'hiddenSize', opts.hiddenSize);
    const H = positiveInt(op, 'heads', opts.heads ?? 1);
    const r = positiveInt(op, 'gateLowRankDim', opts.gateLowRankDim ?? 16);
    const norm = opts.gateLogitNormalizer ?? 16;
    if (!(norm > 0) || !Number.isFinite(norm)) throw new ArgumentError(op, `gateLogitNormalizer must be a positive number, got ${String(norm)}`);
    this.hiddenSize = d;
    this.heads = H;
    this.keyDim = expandedDim(op, 'expandK', d, opts.expandK ?? 0.5, H);
    this.valueDim = expandedDim(op, 'expandV', d, opts.expandV ?? 1, H);
    this.headKDim = this.keyDim / H;
    this.headVDim = this.valueDim / H;
    this.gateLogitNormalizer = norm;
    const dt = dtypeOpt(opts.dtype);
    const o = { rng: opts.rng, ...dt, bias: false };
    this.q_proj = this.registerModule('q_proj', new Linear(d, this.keyDim, o));
    this.k_proj = this.registerModule('k_proj', new Linear(d, this.keyDim, o));
    this.v_proj = this.registerModule('v_proj', new Linear(d, this.valueDim, o));
    this.g_proj = this.registerModule('g_proj', new Linear(d, this.valueDim, o));
    if (opts.shortConv) {
      const K = positiveInt(op, 'convSize', opts.convSize ?? 4);
      const co = { rng: opts.rng, ...dt, bias: false };
      this.q_conv1d = this.registerModule('q_conv1d', new ShortConv(this.keyDim, K, co));
      this.k_conv1d = this.registerModule('k_conv1d', new ShortConv(this.keyDim, K, co));
      this.v_conv1d = this.registerModule('v_conv1d', new ShortConv(this.valueDim, K, co));
    } else {
      this.q_conv1d = null; this.k_conv1d = null; this.v_conv1d = null;
    }
    this.gk_proj = this.registerModule('gk_proj', new Sequential(new Linear(d, r, o), new Linear(r, this.keyDim, { ...o, bias: true })));
    this.o_proj = this.registerModule('o_proj', new Linear(this.valueDim, d, o));
    this.g_norm_swish_gate = this.registerModule('g_norm_swish_gate', new RMSNorm(this.headVDim, { eps: opts.normEps ?? 1e-5, ...dt }));
  }

  /**
   * x [T, B, hiddenSize] → y [T, B, hiddenSize] and the final state [B, H, dk, dv]. `valid`
   * [T, B, 1] (1 inside a sequence) freezes the state past each end: there the log-gate and k are 0,
   * so S_t = S_{t-1}. With short convs, `windows` carries their last inputs (convQ, convK, convV)
   * and `lengths` ends them at each sequence's length.
   */
  forward(x: Tensor, valid: Tensor | null, state: Tensor | null, impl: GLAImpl = 'chunk', chunk = 16,
    windows: Record<string, Tensor> | null = null, lengths: readonly number[] | null = null): GLAAttentionOutput {
    const [T, B] = x.shape as [number, number];
    const H = this.heads, dk = this.headKDim, dv = this.headVDim;
    const heads = (t: Tensor, dh: number): Tensor => permute(reshape(t, [T, B, H, dh]), [1, 2, 0, 3]); // [B, H, T, dh]
    const next: Record<string, Tensor> = {};
    const proj = (lin: Linear, conv: ShortConv | null, key: string): Tensor => {
      if (!conv) return lin.forward(x);
      const r = conv.forward(lin.forward(x), windows ? windows[key]! : null, lengths);
      next[key] = r.window;
      return r.y;
    };
    const q = mul(heads(proj(this.q_proj, this.q_conv1d, 'convQ'), dk), 1 / Math.sqrt(dk));
    let k = proj(this.k_proj, this.k_conv1d, 'convK');
    const v = heads(proj(this.v_proj, this.v_conv1d, 'convV'), dv);
    // logsigmoid ≤ 0, and the normaliser keeps the decay mild at init (fla: gate_logit_normalizer)
    let gk = div(logSigmoid(this.gk_proj.forward(x)), this.gateLogitNormalizer);
    if (valid) {
      gk = where(valid, gk, 0);
      k = where(valid, k, 0);
    }
    const r = gatedLinearAttention(q, heads(k, dk), v, heads(gk, dk), { impl, chunk, state });
    const o = this.g_norm_swish_gate.forward(permute(r.o, [2, 0, 1, 3])); // [T, B, H, dv], normalised per head
    const g = reshape(this.g_proj.forward(x), [T, B, H, dv]);
    return { y: this.o_proj.forward(reshape(mul(o, silu(g)), [T, B, this.valueDim])), state: r.state, windows: next };
  }
}

/** A pre-norm residual block: x + attn(RMSNorm(x)) (fla's `attn_norm`, `attn`). */
export class GLABlock extends Module {
  /** RMSNorm before the attention. */
  readonly attn_norm: RMSNorm;
  /** The gated linear attention layer. */
  readonly attn: GLAAttention;
  constructor(opts: GLAAttentionOptions) {
    super();
    this.attn_norm = this.registerModule('attn_norm', new RMSNorm(opts.hiddenSize, dtypeOpt(opts.dtype)));
    this.attn = this.registerModule('attn', new GLAAttention(opts));
  }
}

/** Options of `GLA` (model width = hiddenSize): the stack's, the layer's, and the form. */
export interface GLAOptions extends StackOptions, Omit<GLAAttentionOptions, 'hiddenSize' | 'rng' | 'dtype'> {
  /** 'fused' (default: the recurrence as one kernel each way), 'chunk' (chunkwise) or 'recurrent' (the spec, op by op). */
  impl?: GLAImpl;
  /** Chunk size of impl 'chunk' (default 16). */
  chunk?: number;
}

/**
 * GLA: pre-norm residual blocks (`layers.{i}.attn_norm`, `layers.{i}.attn`) of gated linear
 * attention with fla's names. Batch-first: forward(x [B, T, inputSize], state?, { lengths }) →
 * output [B, T, d]; state { h [L, B, d], S [L, B, H, dk, dv] (+ convQ/convK/convV windows with
 * shortConv) }; `step` streams one token.
 */
export class GLA extends ResidualStack<GLABlock> {
  /** Heads per layer. */
  readonly heads: number;
  /** How the recurrence runs in `forward` (`step` always uses 'fused'). */
  readonly impl: GLAImpl;
  /** Chunk size of impl 'chunk'. */
  readonly chunk: number;

  constructor(opts: GLAOptions) {
    const op = 'GLA';
    const { d, heads } = ResidualStack.widths(op, opts, false); // expandedDim checks the k and v widths
    // fused by default, as the delta layers: one pass of the recurrence kernel each way
    const impl = opts.impl ?? 'fused';
    oneOf(op, 'impl', impl, ['fused', 'chunk', 'recurrent'] as const);
    const chunk = positiveInt(op, 'chunk', opts.chunk ?? 16);
    // Validate the widths before any parameter is made.
    expandedDim(op, 'expandK', d, opts.expandK ?? 0.5, heads);
    expandedDim(op, 'expandV', d, opts.expandV ?? 1, heads);
    // The layer options pass through; the stack's own (sizes, form) stay here.
    const { inputSize: _i, hiddenSize: _h, numLayers: _n, dropout: _d, rng: _r, impl: _m, chunk: _c, ...layer } = opts;
    super(op, opts, (rng) => new GLABlock({ ...layer, hiddenSize: d, heads, rng }));
    this.heads = heads;
    this.impl = impl;
    this.chunk = chunk;
  }

  protected runBlock(blk: GLABlock, seq: Tensor, valid: Tensor | null, prev: Record<string, Tensor> | null, stepping: boolean,
    lengths: readonly number[] | null): BlockResult {
    // One token at a time the fused recurrence is the cheapest form.
    const r = blk.attn.forward(blk.attn_norm.forward(seq), valid, prev ? prev.S! : null, stepping ? 'fused' : this.impl, this.chunk, prev, lengths);
    return { y: add(seq, r.y), state: { ...r.windows, S: r.state } };
  }
}
