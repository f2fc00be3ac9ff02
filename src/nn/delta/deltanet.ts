import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { add, mul, sigmoid, silu, where } from '../../ops/elementwise.js';
import { narrow, permute, reshape, squeeze, stack, transpose, unsqueeze } from '../../ops/movement.js';
import { l2Normalize } from '../../ops/norm.js';
import { dropout } from '../../ops/random.js';
import { Module } from '../module.js';
import { ModuleList } from '../module-list.js';
import { Linear, RMSNorm } from '../layers.js';
import { checkLengths, dropoutRate, lastValid, lengthMask, positiveInt } from '../sequence-util.js';
import { globalGenerator } from '../../tensor/rng.js';
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

/** Options of `DeltaNet`. */
export interface DeltaNetOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  heads?: number;
  /** β ∈ (0, 2) instead of (0, 1) (DeltaProduct's negative eigenvalues). */
  allowNegEigval?: boolean;
  /** 'chunk' (default, UT transform) or 'recurrent'; chunk size (default 16). */
  impl?: DeltaImpl;
  chunk?: number;
  dropout?: number;
  rng?: Rng;
  dtype?: DType;
}

/**
 * DeltaNet: pre-norm residual blocks (fla's `attn_norm`, `attn`) of delta-rule attention.
 * Batch-first: forward(x [B, T, inputSize], state?, { lengths }) → output [B, T, d]; state
 * { h [L, B, d], S [L, B, H, dv, dk] }; `step` streams one token.
 */
export class DeltaNet extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly heads: number;
  readonly impl: DeltaImpl;
  readonly chunk: number;
  readonly inProj: Linear | null;
  readonly layers: ModuleList<DeltaNetBlock>;
  readonly dropoutP: number;
  private readonly rng: Rng;

  constructor(opts: DeltaNetOptions) {
    super();
    const op = 'DeltaNet';
    this.inputSize = positiveInt(op, 'inputSize', opts.inputSize);
    this.hiddenSize = positiveInt(op, 'hiddenSize', opts.hiddenSize);
    this.numLayers = positiveInt(op, 'numLayers', opts.numLayers ?? 1);
    this.heads = positiveInt(op, 'heads', opts.heads ?? 1);
    if (this.hiddenSize % this.heads !== 0) throw new ArgumentError(op, `hiddenSize ${this.hiddenSize} must be divisible by heads ${this.heads}`);
    this.impl = opts.impl ?? 'chunk';
    if (this.impl !== 'chunk' && this.impl !== 'recurrent') throw new ArgumentError(op, `impl must be chunk or recurrent, got '${String(this.impl)}'`);
    this.chunk = positiveInt(op, 'chunk', opts.chunk ?? 16);
    this.dropoutP = dropoutRate(op, opts.dropout);
    this.rng = opts.rng ?? globalGenerator();
    const o = { rng: this.rng, ...(opts.dtype ? { dtype: opts.dtype } : {}) };
    this.inProj = this.inputSize !== this.hiddenSize ? this.registerModule('in_proj', new Linear(this.inputSize, this.hiddenSize, o)) : null;
    this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: this.numLayers },
      () => new DeltaNetBlock(this.hiddenSize, this.heads, !!opts.allowNegEigval, this.rng, opts.dtype))));
  }

  forward(x: Tensor, state?: ({ h: Tensor } & Record<string, Tensor>) | null, opts: { lengths?: readonly number[] } = {}): { output: Tensor; state: { h: Tensor } & Record<string, Tensor> } {
    const op = 'DeltaNet';
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) throw new ShapeError(op, `x must be [batch, time, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const [B, T] = x.shape as [number, number];
    const lengths = opts.lengths ? checkLengths(op, opts.lengths, B, T) : null;
    const valid = lengths ? lengthMask(lengths, T, x.dtype) : null;
    let seq = transpose(this.inProj ? this.inProj.forward(x) : x, 0, 1);
    const hs: Tensor[] = [], ss: Tensor[] = [];
    this.layers.list.forEach((blk, l) => {
      if (l > 0 && this.dropoutP > 0 && this.training) seq = dropout(seq, this.dropoutP, { rng: this.rng });
      const prev = state?.S ? squeeze(narrow(state.S, 0, l, 1), 0) : null;
      const r = blk.attn.forward(blk.attn_norm.forward(seq), valid, prev, this.impl, this.chunk);
      seq = add(seq, r.y);
      hs.push(lastValid(seq, lengths));
      ss.push(r.state);
    });
    let out = transpose(seq, 0, 1);
    if (valid) out = where(transpose(valid, 0, 1), out, 0);
    return { output: out, state: { h: stack(hs, 0), S: stack(ss, 0) } };
  }

  /** One streaming step: x [B, inputSize] → output [B, d]. */
  step(x: Tensor, state?: ({ h: Tensor } & Record<string, Tensor>) | null): { output: Tensor; state: { h: Tensor } & Record<string, Tensor> } {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) throw new ShapeError('DeltaNet.step', `x must be [batch, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const r = this.forward(unsqueeze(x, 1), state ?? null);
    return { output: squeeze(r.output, 1), state: r.state };
  }
}
