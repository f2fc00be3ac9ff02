import { ArgumentError } from '../../errors.js';
import { add, mul, sigmoid, silu, where } from '../../ops/elementwise.js';
import { permute, reshape } from '../../ops/movement.js';
import { l2Normalize } from '../../ops/norm.js';
import { Module } from '../module.js';
import { Linear, RMSNorm } from '../layers.js';
import { positiveInt } from '../sequence-util.js';
import { ResidualStack } from '../residual-stack.js';
import type { BlockResult, StackOptions } from '../residual-stack.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { deltaRule } from './delta-rule.js';
import type { DeltaImpl } from './delta-rule.js';

/**
 * The DeltaNet attention layer with fla's names: q_proj, k_proj, v_proj (no bias), b_proj (β per
 * head), o_norm (RMSNorm over the value dim), o_proj. q and k go through SiLU and L2
 * normalisation, q is scaled by dk^-1/2, β = sigmoid(b_proj(x)) (× 2 with `allowNegEigval`, so the
 * transition I - β k kᵀ can have eigenvalue -1). x is time-major [T, B, d_model]. fla's short
 * convolutions and output gate are not included.
 */
export class DeltaNetAttention extends Module {
  readonly q_proj: Linear; readonly k_proj: Linear; readonly v_proj: Linear; readonly b_proj: Linear;
  readonly o_norm: RMSNorm; readonly o_proj: Linear;

  constructor(readonly d: number, readonly heads: number, readonly allowNegEigval: boolean, rng: Rng, dtype: DType | undefined) {
    super();
    const o = { rng, ...(dtype ? { dtype } : {}), bias: false };
    this.q_proj = this.registerModule('q_proj', new Linear(d, d, o));
    this.k_proj = this.registerModule('k_proj', new Linear(d, d, o));
    this.v_proj = this.registerModule('v_proj', new Linear(d, d, o));
    this.b_proj = this.registerModule('b_proj', new Linear(d, heads, o));
    this.o_norm = this.registerModule('o_norm', new RMSNorm(d / heads, dtype ? { dtype } : {}));
    this.o_proj = this.registerModule('o_proj', new Linear(d, d, o));
  }

  forward(x: Tensor, valid: Tensor | null, state: Tensor | null, impl: DeltaImpl, chunk: number): { y: Tensor; state: Tensor } {
    const [T, B] = x.shape as [number, number];
    const H = this.heads, dh = this.d / H;
    const heads = (t: Tensor): Tensor => permute(reshape(t, [T, B, H, dh]), [1, 2, 0, 3]); // [B, H, T, dh]
    const q = mul(l2Normalize(heads(silu(this.q_proj.forward(x)))), 1 / Math.sqrt(dh));
    const k = l2Normalize(heads(silu(this.k_proj.forward(x))));
    const v = heads(this.v_proj.forward(x));
    let beta = sigmoid(this.b_proj.forward(x)); // [T, B, H]
    if (this.allowNegEigval) beta = mul(beta, 2);
    // β = 0 past a sequence's end: no update, the state is frozen.
    if (valid) beta = where(valid, beta, 0);
    const r = deltaRule(q, k, v, permute(beta, [1, 2, 0]), { impl, chunk, state });
    const o = this.o_norm.forward(permute(r.o, [2, 0, 1, 3])); // [T, B, H, dv]
    return { y: this.o_proj.forward(reshape(o, [T, B, this.d])), state: r.state };
  }
}

class DeltaNetBlock extends Module {
  readonly attn_norm: RMSNorm;
  readonly attn: DeltaNetAttention;
  constructor(d: number, heads: number, neg: boolean, rng: Rng, dtype: DType | undefined) {
    super();
    this.attn_norm = this.registerModule('attn_norm', new RMSNorm(d, dtype ? { dtype } : {}));
    this.attn = this.registerModule('attn', new DeltaNetAttention(d, heads, neg, rng, dtype));
  }
}

/** Options of `DeltaNet` (model width = hiddenSize, split over `heads`). */
export interface DeltaNetOptions extends StackOptions {
  heads?: number;
  /** β ∈ (0, 2) instead of (0, 1) (DeltaProduct's negative eigenvalues). */
  allowNegEigval?: boolean;
  /** 'chunk' (default, UT transform) or 'recurrent'; chunk size (default 16). */
  impl?: DeltaImpl;
  chunk?: number;
}

/**
 * DeltaNet: pre-norm residual blocks (fla's `attn_norm`, `attn`) of delta-rule attention.
 * Batch-first: forward(x [B, T, inputSize], state?, { lengths }) → output [B, T, d]; state
 * { h [L, B, d], S [L, B, H, dv, dk] }; `step` streams one token.
 */
export class DeltaNet extends ResidualStack<DeltaNetBlock> {
  readonly heads: number;
  readonly impl: DeltaImpl;
  readonly chunk: number;

  constructor(opts: DeltaNetOptions) {
    const op = 'DeltaNet';
    const heads = positiveInt(op, 'heads', opts.heads ?? 1);
    const d = positiveInt(op, 'hiddenSize', opts.hiddenSize);
    if (d % heads !== 0) throw new ArgumentError(op, `hiddenSize ${d} must be divisible by heads ${heads}`);
    const impl = opts.impl ?? 'chunk';
    if (impl !== 'chunk' && impl !== 'recurrent') throw new ArgumentError(op, `impl must be chunk or recurrent, got '${String(impl)}'`);
    const chunk = positiveInt(op, 'chunk', opts.chunk ?? 16);
    super(op, opts, (rng) => new DeltaNetBlock(d, heads, !!opts.allowNegEigval, rng, opts.dtype));
    this.heads = heads;
    this.impl = impl;
    this.chunk = chunk;
  }

  protected runBlock(blk: DeltaNetBlock, seq: Tensor, valid: Tensor | null, prev: Record<string, Tensor> | null): BlockResult {
    const r = blk.attn.forward(blk.attn_norm.forward(seq), valid, prev ? prev.S! : null, this.impl, this.chunk);
    return { y: add(seq, r.y), state: { S: r.state } };
  }
}
