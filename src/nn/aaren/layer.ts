import { add, div, gelu, mul, where } from '../../ops/elementwise.js';
import { reshape } from '../../ops/movement.js';
import { dtypeOpt, positiveInt } from '../sequence-util.js';
import { oneOf } from '../../options.js';
import { ResidualStack } from '../residual-stack.js';
import type { BlockResult, StackOptions } from '../residual-stack.js';
import { sum } from '../../ops/reduce.js';
import { normal } from '../init.js';
import { Module } from '../module.js';
import { LayerNorm, Linear } from '../layers.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { LayerState, MixerOutput } from '../sequence-layer.js';
import { prefixAttention } from './prefix.js';
import type { PrefixImpl, PrefixState } from './prefix.js';

/** Options of `Aaren` (model width d = hiddenSize, split over `heads`). */
export interface AarenOptions extends StackOptions {
  /** Attention heads (default 1); hiddenSize must divide by it. */
  heads?: number;
  /** Feed-forward width as a multiple of d (default 2). */
  mlpRatio?: number;
  /** 'parallel' (default): prefix scan; 'recurrent': the recurrence. */
  impl?: PrefixImpl;
}

/** Aaren state: each layer's last output h [L, B, d] and its running (m [L,B,H], u [L,B,H], w [L,B,H,dh]). */
export type AarenState = LayerState;

/**
 * One Aaren block (pre-norm, residual): causal softmax pooling with a learned query per head —
 * attention computed as an RNN — then a GELU feed-forward. x is time-major [T, B, d].
 */
export class AarenBlock extends Module {
  /** LayerNorm before the attention (`norm1`). */
  readonly norm1: LayerNorm;
  /** The learned query per head [heads, d / heads]. */
  readonly query: Tensor;
  /** Key projection d → d, no bias (`k_proj`). */
  readonly kProj: Linear;
  /** Value projection d → d, no bias (`v_proj`). */
  readonly vProj: Linear;
  /** Output projection of the attention (`out_proj`). */
  readonly outProj: Linear;
  /** LayerNorm before the feed-forward (`norm2`). */
  readonly norm2: LayerNorm;
  /** Feed-forward up-projection d → mlpRatio · d. */
  readonly fc1: Linear;
  /** Feed-forward down-projection mlpRatio · d → d. */
  readonly fc2: Linear;

  constructor(
    /** Model width d. */
    readonly d: number,
    /** Attention heads. */
    readonly heads: number,
    ratio: number, rng: Rng, dtype: DType | undefined) {
    super();
    const o = { rng, ...dtypeOpt(dtype) };
    this.norm1 = this.registerModule('norm1', new LayerNorm(d, dtypeOpt(dtype)));
    this.query = this.registerParameter('query', normal([heads, d / heads], 0, 1, o));
    this.kProj = this.registerModule('k_proj', new Linear(d, d, { ...o, bias: false }));
    this.vProj = this.registerModule('v_proj', new Linear(d, d, { ...o, bias: false }));
    this.outProj = this.registerModule('out_proj', new Linear(d, d, o));
    this.norm2 = this.registerModule('norm2', new LayerNorm(d, dtypeOpt(dtype)));
    this.fc1 = this.registerModule('fc1', new Linear(d, ratio * d, o));
    this.fc2 = this.registerModule('fc2', new Linear(ratio * d, d, o));
  }

  /** Scores [T, B, H] and values [T, B, H, dh] of x [T, B, d]. */
  private scoresValues(x: Tensor): [Tensor, Tensor] {
    const [T, B] = x.shape as [number, number];
    const H = this.heads, dh = this.d / H;
    const xn = this.norm1.forward(x);
    const k = reshape(this.kProj.forward(xn), [T, B, H, dh]);
    const v = reshape(this.vProj.forward(xn), [T, B, H, dh]);
    return [div(sum(mul(k, this.query), -1), Math.sqrt(dh)), v];
  }

  /**
   * x [T, B, d] → y [T, B, d], continuing the running attention from `state`; `valid` [T, B, 1]
   * gives padded steps weight 0 so the state stays as it was.
   */
  forward(x: Tensor, valid: Tensor | null, state: PrefixState | null, impl: PrefixImpl): MixerOutput<PrefixState> {
    const [T, B] = x.shape as [number, number];
    let [s, v] = this.scoresValues(x);
    // Steps past a sequence's end get a score of -1e30: weight exactly 0, state unchanged.
    if (valid) s = where(valid, s, -1e30);
    const r = prefixAttention(s, v, { state, impl });
    const a = this.outProj.forward(reshape(r.o, [T, B, this.d]));
    const h = add(x, a);
    return { y: add(h, this.fc2.forward(gelu(this.fc1.forward(this.norm2.forward(h))))), state: r.state };
  }
}


/**
 * Aaren ("Attention as an RNN", Feng et al. 2024): a stack of blocks whose attention uses one
 * learned query per head, so every prefix's softmax attention is an associative scan (parallel in
 * time for training) and a constant-memory recurrence for streaming (`step`). Batch-first like
 * the recurrent layers: forward(x [B, T, inputSize], state?, { lengths }) → output [B, T, d].
 */
export class Aaren extends ResidualStack<AarenBlock> {
  /** Attention heads per block. */
  readonly heads: number;
  /** How the prefix attention runs: parallel scan or recurrence. */
  readonly impl: PrefixImpl;

  constructor(opts: AarenOptions) {
    const op = 'Aaren';
    const { d, heads } = ResidualStack.widths(op, opts);
    const ratio = positiveInt(op, 'mlpRatio', opts.mlpRatio ?? 2);
    const impl = opts.impl ?? 'parallel';
    oneOf(op, 'impl', impl, ['parallel', 'recurrent'] as const);
    super(op, opts, (rng) => new AarenBlock(d, heads, ratio, rng, opts.dtype));
    this.heads = heads;
    this.impl = impl;
  }

  protected runBlock(blk: AarenBlock, seq: Tensor, valid: Tensor | null, prev: Record<string, Tensor> | null): BlockResult {
    const r = blk.forward(seq, valid, prev ? { m: prev.m!, u: prev.u!, w: prev.w! } : null, this.impl);
    return { y: r.y, state: { m: r.state.m, u: r.state.u, w: r.state.w } };
  }
}
