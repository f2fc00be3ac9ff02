import { ArgumentError } from '../../errors.js';
import { add, exp, mul, neg, rsqrt, sigmoid, silu, softplus, square, where } from '../../ops/elementwise.js';
import { tensor } from '../../ops/creation.js';
import { permute, reshape } from '../../ops/movement.js';
import { sum } from '../../ops/reduce.js';
import { Module } from '../module.js';
import { Linear, RMSNorm } from '../layers.js';
import { ShortConv } from '../short-conv.js';
import { dtypeOpt, positiveInt } from '../sequence-util.js';
import { oneOf } from '../../options.js';
import { ResidualStack } from '../residual-stack.js';
import type { BlockResult, StackOptions } from '../residual-stack.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { MixerOutput } from '../sequence-layer.js';
import { deltaProduct } from './delta-rule.js';
import type { DeltaImpl } from './delta-rule.js';

/** The switches that tell DeltaNet, Gated DeltaNet and DeltaProduct apart (fla's layer arguments). */
export interface DeltaLayerConfig {
  /** Heads H. */
  heads: number;
  /** Key width per head dk. */
  headKDim: number;
  /** Value width per head dv. */
  headVDim: number;
  /** Householder (delta) steps per token, n_h (1: DeltaNet). */
  householder: number;
  /** Scalar decay per head, g = -exp(A_log)·softplus(a_proj(x) + dt_bias) (Gated DeltaNet). */
  forgetGate: boolean;
  /** o = RMSNorm(o)·SiLU(g_proj(x)) instead of RMSNorm(o). */
  outputGate: boolean;
  /** Short causal convolutions (+ SiLU) on q, k, v; without them q, k, v get a plain SiLU. */
  shortConv: boolean;
  /** Kernel size of the short convolutions. */
  convSize: number;
  /** β ∈ (0, 2) instead of (0, 1), so a Householder step can reach eigenvalue -1. */
  allowNegEigval: boolean;
}

/**
 * fla's L2 norm of q and k (use_qk_l2norm_in_kernel): x / sqrt(Σ x² + 1e-6) over the head dim, the
 * eps inside the root (not F.normalize's x / max(‖x‖, eps), which differs by ~eps / (2‖x‖²)).
 */
function qkL2Norm(x: Tensor): Tensor {
  return mul(x, rsqrt(add(sum(square(x), -1, { keepDims: true }), 1e-6)));
}

/**
 * The delta-rule attention layer with fla's names (DeltaNet, GatedDeltaNet, GatedDeltaProduct):
 * q_proj, k_proj, v_proj, b_proj (no bias), q_conv1d/k_conv1d/v_conv1d (ShortConvolution, SiLU),
 * a_proj, A_log, dt_bias (forget gate), g_proj (output gate), o_norm (RMSNorm over the head's value
 * dim, gated by SiLU(g) when g_proj exists), o_proj. k_proj, v_proj and b_proj produce n_h groups
 * laid out as fla's '(n h d)'. q and k are L2-normalised per head as fla's kernels do (eps 1e-6
 * inside the root), q scaled by dk^-1/2, β = sigmoid(b_proj(x)) (× 2 with allowNegEigval). x is
 * time-major [T, B, d_model].
 */
export class DeltaAttention extends Module {
  /** Query projection d → H·dk. */
  readonly q_proj: Linear;
  /** Key projection d → n_h·H·dk. */
  readonly k_proj: Linear;
  /** Value projection d → n_h·H·dv. */
  readonly v_proj: Linear;
  /** β projection d → n_h·H (before the sigmoid). */
  readonly b_proj: Linear;
  /** Decay input projection d → H; null without the forget gate. */
  readonly a_proj: Linear | null;
  /** Log decay rate per head [H]; null without the forget gate. */
  readonly A_log: Tensor | null;
  /** Bias inside the decay's softplus [H]; null without the forget gate. */
  readonly dt_bias: Tensor | null;
  /** Short conv on q; null without `shortConv`. */
  readonly q_conv1d: ShortConv | null;
  /** Short conv on k; null without `shortConv`. */
  readonly k_conv1d: ShortConv | null;
  /** Short conv on v; null without `shortConv`. */
  readonly v_conv1d: ShortConv | null;
  /** Output gate projection d → H·dv; null without `outputGate`. */
  readonly g_proj: Linear | null;
  /** RMSNorm over each head's value dim. */
  readonly o_norm: RMSNorm;
  /** Output projection H·dv → d. */
  readonly o_proj: Linear;

  constructor(
    /** Model width d. */
    readonly d: number,
    /** The variant's switches and head widths. */
    readonly cfg: DeltaLayerConfig,
    rng: Rng, dtype: DType | undefined) {
    super();
    const { heads: H, headKDim: dk, headVDim: dv, householder: nh } = cfg;
    const o = { rng, ...dtypeOpt(dtype), bias: false };
    const dt = dtypeOpt(dtype);
    this.q_proj = this.registerModule('q_proj', new Linear(d, H * dk, o));
    this.k_proj = this.registerModule('k_proj', new Linear(d, H * dk * nh, o));
    this.v_proj = this.registerModule('v_proj', new Linear(d, H * dv * nh, o));
    this.b_proj = this.registerModule('b_proj', new Linear(d, H * nh, o));
    if (cfg.forgetGate) {
      this.a_proj = this.registerModule('a_proj', new Linear(d, H, o));
      // fla's init: A ~ U(0, 16); dt log-uniform in [1e-3, 0.1] stored as softplus⁻¹(dt)
      this.A_log = this.registerParameter('A_log', tensor(Array.from({ length: H }, () => Math.log(Math.max(16 * rng.uniform(), 1e-4))), [H], dt));
      this.dt_bias = this.registerParameter('dt_bias', tensor(Array.from({ length: H }, () => {
        const s = Math.max(1e-4, Math.exp(Math.log(1e-3) + rng.uniform() * (Math.log(0.1) - Math.log(1e-3))));
        return s + Math.log(-Math.expm1(-s));
      }), [H], dt));
    } else {
      this.a_proj = null; this.A_log = null; this.dt_bias = null;
    }
    if (cfg.shortConv) {
      const co = { rng, ...dt, bias: false };
      this.q_conv1d = this.registerModule('q_conv1d', new ShortConv(H * dk, cfg.convSize, co));
      this.k_conv1d = this.registerModule('k_conv1d', new ShortConv(H * dk * nh, cfg.convSize, co));
      this.v_conv1d = this.registerModule('v_conv1d', new ShortConv(H * dv * nh, cfg.convSize, co));
    } else {
      this.q_conv1d = null; this.k_conv1d = null; this.v_conv1d = null;
    }
    this.g_proj = cfg.outputGate ? this.registerModule('g_proj', new Linear(d, H * dv, o)) : null;
    // fla's norm_eps default (1e-5), not our RMSNorm default
    this.o_norm = this.registerModule('o_norm', new RMSNorm(dv, { ...dt, eps: 1e-5 }));
    this.o_proj = this.registerModule('o_proj', new Linear(H * dv, d, o));
  }

  /**
   * x [T, B, d] → y [T, B, d]; `valid` [T, B, 1] freezes the state past each end (β = 0, g = 0).
   * The state holds S [B, H, dv, dk] and, with short convs, their windows convQ, convK, convV.
   */
  forward(x: Tensor, valid: Tensor | null, prev: Record<string, Tensor> | null, impl: DeltaImpl, chunk: number,
    lengths: readonly number[] | null): MixerOutput<Record<string, Tensor>> {
    const [T, B] = x.shape as [number, number];
    const { heads: H, headKDim: dk, headVDim: dv, householder: nh } = this.cfg;
    const state: Record<string, Tensor> = {};
    const proj = (lin: Linear, conv: ShortConv | null, key: string): Tensor => {
      if (!conv) return silu(lin.forward(x));
      const r = conv.forward(lin.forward(x), prev ? prev[key]! : null, lengths);
      state[key] = r.window;
      return r.y;
    };
    const q = proj(this.q_proj, this.q_conv1d, 'convQ'), k = proj(this.k_proj, this.k_conv1d, 'convK'), v = proj(this.v_proj, this.v_conv1d, 'convV');
    // [T, B, (n h d)] → [B, H, T, n, d], fla's '... t (n h d) -> ... (t n) h d' before interleaving
    const groups = (t: Tensor, dim: number): Tensor => permute(reshape(t, [T, B, nh, H, dim]), [1, 3, 0, 2, 4]);
    const qh = mul(qkL2Norm(permute(reshape(q, [T, B, H, dk]), [1, 2, 0, 3])), 1 / Math.sqrt(dk));
    const kh = qkL2Norm(groups(k, dk));
    const vh = groups(v, dv);
    let beta = sigmoid(this.b_proj.forward(x)); // [T, B, (n h)]
    if (this.cfg.allowNegEigval) beta = mul(beta, 2);
    if (valid) beta = where(valid, beta, 0);
    let g: Tensor | null = null;
    if (this.a_proj && this.A_log && this.dt_bias) {
      g = mul(neg(exp(this.A_log)), softplus(add(this.a_proj.forward(x), this.dt_bias))); // [T, B, H]
      if (valid) g = where(valid, g, 0);
      g = permute(g, [1, 2, 0]);
    }
    const r = deltaProduct(qh, kh, vh, permute(reshape(beta, [T, B, nh, H]), [1, 3, 0, 2]), { impl, chunk, state: prev ? prev.S! : null, g });
    state.S = r.state;
    let o = this.o_norm.forward(permute(r.o, [2, 0, 1, 3])); // [T, B, H, dv]
    if (this.g_proj) o = mul(o, silu(reshape(this.g_proj.forward(x), [T, B, H, dv])));
    return { y: this.o_proj.forward(reshape(o, [T, B, H * dv])), state };
  }
}

/** A pre-norm residual block: x + attn(RMSNorm(x)) (fla's `attn_norm`, `attn`). */
export class DeltaBlock extends Module {
  /** RMSNorm before the attention. */
  readonly attn_norm: RMSNorm;
  /** The delta-rule attention layer. */
  readonly attn: DeltaAttention;
  constructor(d: number, cfg: DeltaLayerConfig, rng: Rng, dtype: DType | undefined) {
    super();
    this.attn_norm = this.registerModule('attn_norm', new RMSNorm(d, dtypeOpt(dtype)));
    this.attn = this.registerModule('attn', new DeltaAttention(d, cfg, rng, dtype));
  }
}

/** Options of the delta-rule stacks (model width = hiddenSize, `heads` heads). */
export interface DeltaNetOptions extends StackOptions {
  /** Heads (default 1); hiddenSize must divide by it unless headDim is given. */
  heads?: number;
  /** Key width per head (default hiddenSize / heads). */
  headDim?: number;
  /** Value width per head = headDim · expandV (default 1). */
  expandV?: number;
  /** β ∈ (0, 2) instead of (0, 1) (negative eigenvalues, for state tracking). */
  allowNegEigval?: boolean;
  /** Short convolutions on q, k, v (default true, as fla). */
  shortConv?: boolean;
  /** Their kernel size (default 4). */
  convSize?: number;
  /** Output gate g_proj (default: false for DeltaNet, true for the gated variants). */
  outputGate?: boolean;
  /** 'fused' (default: the recurrence as one kernel each way), 'chunk' (UT transform) or 'recurrent' (the spec, op by op). */
  impl?: DeltaImpl;
  /** Chunk size of impl 'chunk' (default 16). */
  chunk?: number;
}

/** Options of `DeltaProduct`: also the number of Householder steps per token and the forget gate. */
export interface DeltaProductOptions extends DeltaNetOptions {
  /** n_h (default 2). */
  householder?: number;
  /** The decay of Gated DeltaProduct (default false: the DeltaProduct of the paper). */
  forgetGate?: boolean;
}

/**
 * The shared stack of delta-rule layers: pre-norm residual blocks (fla's `layers.{i}.attn_norm`,
 * `layers.{i}.attn`). Batch-first: forward(x [B, T, inputSize], state?, { lengths }) → output
 * [B, T, d]; state { h, S [L, B, H, dv, dk], convQ/convK/convV windows }; `step` streams a token.
 */
export class DeltaStack extends ResidualStack<DeltaBlock> {
  /** The switches and widths every block was built with. */
  readonly config: DeltaLayerConfig;
  /** How the delta rule runs in `forward` (`step` always uses 'fused'). */
  readonly impl: DeltaImpl;
  /** Chunk size of impl 'chunk'. */
  readonly chunk: number;

  protected constructor(op: string, opts: DeltaProductOptions, defaults: { householder: number; forgetGate: boolean; outputGate: boolean }) {
    const { d, heads } = ResidualStack.widths(op, opts, opts.headDim === undefined);
    const dk = positiveInt(op, 'headDim', opts.headDim ?? d / heads);
    const expandV = opts.expandV ?? 1;
    const dv = dk * expandV;
    if (!Number.isInteger(dv) || dv < 1) throw new ArgumentError(op, `headDim · expandV must be a positive integer, got ${dk} · ${String(expandV)}`);
    // fused by default: on a CPU the one-pass recurrence kernel beats the chunkwise form (docs/linear-rnns.md)
    const impl = opts.impl ?? 'fused';
    oneOf(op, 'impl', impl, ['fused', 'chunk', 'recurrent'] as const);
    const chunk = positiveInt(op, 'chunk', opts.chunk ?? 16);
    const cfg: DeltaLayerConfig = {
      heads, headKDim: dk, headVDim: dv,
      householder: positiveInt(op, 'householder', opts.householder ?? defaults.householder),
      forgetGate: opts.forgetGate ?? defaults.forgetGate,
      outputGate: opts.outputGate ?? defaults.outputGate,
      shortConv: opts.shortConv ?? true,
      convSize: positiveInt(op, 'convSize', opts.convSize ?? 4),
      allowNegEigval: !!opts.allowNegEigval,
    };
    super(op, opts, (rng) => new DeltaBlock(d, cfg, rng, opts.dtype));
    this.config = cfg;
    this.impl = impl;
    this.chunk = chunk;
  }

  protected runBlock(blk: DeltaBlock, seq: Tensor, valid: Tensor | null, prev: Record<string, Tensor> | null,
    stepping: boolean, lengths: readonly number[] | null): BlockResult {
    // One token at a time the fused recurrence is the cheapest form.
    const r = blk.attn.forward(blk.attn_norm.forward(seq), valid, prev, stepping ? 'fused' : this.impl, this.chunk, lengths);
    return { y: add(seq, r.y), state: r.state };
  }
}

/** DeltaNet (fla `DeltaNet`): the delta rule, no decay, no output gate by default. */
export class DeltaNet extends DeltaStack {
  constructor(opts: DeltaNetOptions) {
    super('DeltaNet', { ...opts, householder: 1, forgetGate: false }, { householder: 1, forgetGate: false, outputGate: false });
  }
}

/** Gated DeltaNet (fla `GatedDeltaNet`): the delta rule with a scalar decay per head and an output gate. */
export class GatedDeltaNet extends DeltaStack {
  constructor(opts: DeltaNetOptions) {
    super('GatedDeltaNet', { ...opts, householder: 1, forgetGate: true }, { householder: 1, forgetGate: true, outputGate: true });
  }
}

/**
 * DeltaProduct (fla `GatedDeltaProduct`): n_h Householder steps per token and an output gate;
 * `forgetGate: true` adds Gated DeltaProduct's decay.
 */
export class DeltaProduct extends DeltaStack {
  constructor(opts: DeltaProductOptions) {
    super('DeltaProduct', opts, { householder: 2, forgetGate: false, outputGate: true });
  }
}
