import { ArgumentError } from '../../errors.js';
import { add, exp, mul, neg, silu, softplus, where } from '../../ops/elementwise.js';
import { full, tensor } from '../../ops/creation.js';
import { broadcastTo, permute, reshape, split, unsqueeze } from '../../ops/movement.js';
import { rmsNorm } from '../../ops/norm.js';
import { Module } from '../module.js';
import { Linear, RMSNorm } from '../layers.js';
import { dtypeOpt, positiveInt } from '../sequence-util.js';
import { oneOf } from '../../options.js';
import { ShortConv } from '../short-conv.js';
import { ResidualStack } from '../residual-stack.js';
import type { BlockResult, StackOptions } from '../residual-stack.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { LayerState, MixerOutput } from '../sequence-layer.js';
import type { GLAImpl } from '../gla/gated-linear-attention.js';
import { checkMitigations, ssdScan } from './mitigations.js';
import type { SSDMitigations } from './mitigations.js';

/**
 * mamba_ssm's `RMSNormGated` with norm_before_gate = False: y = rmsnorm(x ⊙ silu(z)) · weight,
 * normalised over groups of `groupSize` channels (the whole width when ngroups = 1). weight [dim].
 */
export class RMSNormGated extends Module {
  /** Scale [dim], initialised to ones. */
  readonly weight: Tensor;

  constructor(
    /** Channels normalised (the last axis). */
    readonly dim: number,
    /** Channels per normalisation group; dim must divide by it. */
    readonly groupSize: number,
    /** Added to the mean square before the square root (default 1e-5). */
    readonly eps = 1e-5,
    dtype?: DType,
  ) {
    super();
    positiveInt('RMSNormGated', 'dim', dim);
    positiveInt('RMSNormGated', 'groupSize', groupSize);
    if (dim % groupSize !== 0) throw new ArgumentError('RMSNormGated', `dim ${dim} must be divisible by groupSize ${groupSize}`);
    this.weight = this.registerParameter('weight', full([dim], 1, { dtype: dtype ?? 'float32' }));
  }

  /** x, z [..., dim] → [..., dim]. */
  forward(x: Tensor, z: Tensor): Tensor {
    const gated = mul(x, silu(z));
    if (this.groupSize === this.dim) return rmsNorm(gated, this.weight, this.eps);
    const lead = x.shape.slice(0, -1);
    const normed = rmsNorm(reshape(gated, [...lead, this.dim / this.groupSize, this.groupSize]), null, this.eps);
    return mul(reshape(normed, [...lead, this.dim]), this.weight);
  }
}

/** Per-layer streaming state of a Mamba-2 mixer: conv window [B, conv_dim, d_conv − 1] and SSM state [B, nheads, d_state, headdim]. */
export interface Mamba2MixerState {
  /** The last d_conv − 1 conv inputs [B, conv_dim, d_conv − 1]. */
  conv: Tensor;
  /** The SSM state [B, nheads, d_state, headdim]. */
  ssm: Tensor;
  /** With `stateWindow` r: the SSM state r tokens back [B, nheads, d_state, headdim]. */
  lag?: Tensor;
  /** With `stateWindow` r: B of the last r tokens [B, nheads, r, d_state]. */
  ringK?: Tensor;
  /** With `stateWindow` r: Δ·x of the last r tokens [B, nheads, r, headdim]. */
  ringV?: Tensor;
  /** With `stateWindow` r: Δ·A of the last r tokens [B, nheads, r]. */
  ringG?: Tensor;
}

/**
 * Options of `Mamba2Mixer` (mamba_ssm's `Mamba2` arguments, camelCased), plus the inference-time
 * state-collapse mitigations of Stuffed Mamba (`decayScale`, `stateNormMax`, `stateWindow`; see
 * `SSDMitigations`), all off by default.
 */
export interface Mamba2MixerOptions extends SSDMitigations {
  /** d_model. */
  dModel: number;
  /** d_state N (default 16; mamba_ssm's default 128 is too big for CPU training). */
  dState?: number;
  /** d_conv (default 4). */
  dConv?: number;
  /** d_inner = expand · d_model (default 2). */
  expand?: number;
  /** headdim P (default 16; mamba_ssm: 64). d_inner must divide by it; nheads = d_inner / P. */
  headDim?: number;
  /** ngroups: B and C are shared by nheads / ngroups heads each (default 1). */
  nGroups?: number;
  /** U(lo, hi) range for A = exp(A_log) at init (default [1, 16]). */
  aInitRange?: readonly [number, number];
  /** Lower end of the log-uniform range of the initial Δ (default 1e-3), floored at 1e-4. */
  dtMin?: number;
  /** Upper end of that range (default 0.1). */
  dtMax?: number;
  /** Generator for the initial weights. */
  rng: Rng;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/**
 * The Mamba-2 mixer with mamba_ssm's names and shapes (`modules/mamba2.py`, d_ssm = d_inner, no
 * MLP part): in_proj (no bias) → [z, x, B, C, dt]; conv1d (ShortConv with bias, then SiLU) over
 * (x, B, C); Δ = softplus(dt + dt_bias); per head the SSD recurrence with scalar A = −exp(A_log)
 *   h_t = exp(Δ_t A) h_{t−1} + Δ_t B_t x_tᵀ,   y_t = C_tᵀ h_t + D x_t
 * computed by `gatedLinearAttention(q = C, k = B, v = Δ·x, g = Δ·A)` (a scalar gate: the chunked
 * SSD); then norm (RMSNormGated with z, norm after gate) and out_proj. x is time-major [T, B, d_model].
 * The SSM state is [B, nheads, d_state, headdim] (fla's layout; mamba_ssm keeps its transpose).
 */
export class Mamba2Mixer extends Module {
  /** d_model → [z, x, B, C, dt] (2·d_inner + 2·ngroups·d_state + nheads), no bias. */
  readonly in_proj: Linear;
  /** Depthwise causal conv over (x, B, C), with bias, then SiLU. */
  readonly conv1d: ShortConv;
  /** Bias inside Δ's softplus, per head [nheads]. */
  readonly dt_bias: Tensor;
  /** Log of minus the scalar decay per head [nheads]: A = −exp(A_log). */
  readonly A_log: Tensor;
  /** Skip connection per head [nheads]. */
  readonly D: Tensor;
  /** Gated RMSNorm on y with z, per group. */
  readonly norm: RMSNormGated;
  /** d_inner → d_model, no bias. */
  readonly out_proj: Linear;
  /** Model width d_model. */
  readonly dModel: number;
  /** SSM state size N. */
  readonly dState: number;
  /** Conv kernel size. */
  readonly dConv: number;
  /** d_inner = expand · d_model. */
  readonly dInner: number;
  /** Channels per head P. */
  readonly headDim: number;
  /** Heads, d_inner / headDim. */
  readonly nHeads: number;
  /** Groups sharing B and C. */
  readonly nGroups: number;
  /** Channels the conv sees: d_inner + 2·ngroups·d_state. */
  readonly convDim: number;
  /** The state-collapse mitigations in force (defaults: all off). */
  readonly mitigations: Required<SSDMitigations>;

  constructor(opts: Mamba2MixerOptions) {
    super();
    const op = 'Mamba2Mixer';
    const dm = positiveInt(op, 'dModel', opts.dModel);
    const N = positiveInt(op, 'dState', opts.dState ?? 16);
    const K = positiveInt(op, 'dConv', opts.dConv ?? 4);
    const di = dm * positiveInt(op, 'expand', opts.expand ?? 2);
    const P = positiveInt(op, 'headDim', opts.headDim ?? 16);
    const G = positiveInt(op, 'nGroups', opts.nGroups ?? 1);
    if (di % P !== 0) throw new ArgumentError(op, `d_inner = expand · d_model = ${di} must be divisible by headDim ${P}`);
    const H = di / P;
    if (H % G !== 0) throw new ArgumentError(op, `nheads ${H} must be divisible by nGroups ${G}`);
    const [aLo, aHi] = opts.aInitRange ?? [1, 16];
    if (!(aLo > 0 && aHi >= aLo)) throw new ArgumentError(op, `aInitRange must satisfy 0 < lo <= hi, got [${aLo}, ${aHi}]`);
    const dtMin = opts.dtMin ?? 1e-3, dtMax = opts.dtMax ?? 0.1;
    if (!(dtMin > 0 && dtMax >= dtMin)) throw new ArgumentError(op, `need 0 < dtMin <= dtMax, got ${dtMin}, ${dtMax}`);
    this.dModel = dm; this.dState = N; this.dConv = K; this.dInner = di;
    this.headDim = P; this.nHeads = H; this.nGroups = G; this.convDim = di + 2 * G * N;
    this.mitigations = checkMitigations(op, opts);
    const rng = opts.rng;
    const d = dtypeOpt(opts.dtype);
    const o = { rng, ...d, bias: false };
    this.in_proj = this.registerModule('in_proj', new Linear(dm, 2 * di + 2 * G * N + H, o));
    this.conv1d = this.registerModule('conv1d', new ShortConv(this.convDim, K, { bias: true, rng, ...d }));
    // mamba_ssm init: dt_bias = softplus⁻¹(Δ) with Δ log-uniform in [dt_min, dt_max] (floor 1e-4),
    // so softplus(dt_bias) starts at a spread of time scales.
    const dtBias = Array.from({ length: H }, () => {
      const dt = Math.max(1e-4, Math.exp(Math.log(dtMin) + rng.uniform() * (Math.log(dtMax) - Math.log(dtMin))));
      return dt + Math.log(-Math.expm1(-dt));
    });
    this.dt_bias = this.registerParameter('dt_bias', tensor(dtBias, [H], d));
    this.A_log = this.registerParameter('A_log', tensor(Array.from({ length: H }, () => Math.log(aLo + rng.uniform() * (aHi - aLo))), [H], d));
    this.D = this.registerParameter('D', full([H], 1, { dtype: opts.dtype ?? 'float32' }));
    this.norm = this.registerModule('norm', new RMSNormGated(di, di / G, 1e-5, opts.dtype));
    this.out_proj = this.registerModule('out_proj', new Linear(di, dm, o));
  }

  /**
   * x [T, B, d_model] → y [T, B, d_model] and the carried state. `valid` [T, B, 1] sets Δ = 0 past
   * each end (decay exp(0) = 1 and no input: the SSM state is frozen); `lengths` makes the conv
   * window end there too.
   */
  forward(x: Tensor, valid: Tensor | null, state: Mamba2MixerState | null, impl: GLAImpl = 'chunk', chunk = 16,
    lengths: readonly number[] | null = null): MixerOutput<Mamba2MixerState> {
    const [T, B] = x.shape as [number, number];
    const { dInner: di, dState: N, nHeads: H, headDim: P, nGroups: G } = this;
    const [z, xBC, dtRaw] = split(this.in_proj.forward(x), [di, this.convDim, H], -1) as [Tensor, Tensor, Tensor];
    const cv = this.conv1d.forward(xBC, state ? state.conv : null, lengths);
    const [xs, Bm, Cm] = split(cv.y, [di, G * N, G * N], -1) as [Tensor, Tensor, Tensor];
    let dt = softplus(add(dtRaw, this.dt_bias)); // Δ [T, B, H]
    if (valid) dt = where(valid, dt, 0);
    const g = mul(dt, neg(exp(this.A_log))); // log-decay Δ·A ≤ 0, [T, B, H]
    const xh = reshape(xs, [T, B, H, P]);
    const v = permute(mul(xh, unsqueeze(dt, -1)), [1, 2, 0, 3]); // Δ·x [B, H, T, P]
    // B, C [T, B, G·N] → [B, H, T, N]: head h reads group ⌊h / (H / G)⌋.
    const perHead = (m: Tensor): Tensor => {
      const gm = permute(reshape(m, [T, B, G, N]), [1, 2, 0, 3]); // [B, G, T, N]
      if (G === H) return gm;
      return reshape(broadcastTo(unsqueeze(gm, 2), [B, G, H / G, T, N]), [B, H, T, N]);
    };
    const win = state && state.lag && state.ringK && state.ringV && state.ringG
      ? { lag: state.lag, ringK: state.ringK, ringV: state.ringV, ringG: state.ringG } : null;
    const r = ssdScan(perHead(Cm), perHead(Bm), v, permute(g, [1, 2, 0]), { impl, chunk, state: state ? state.ssm : null, window: win, ...this.mitigations });
    const yh = add(permute(r.o, [2, 0, 1, 3]), mul(xh, reshape(this.D, [H, 1]))); // + D x, [T, B, H, P]
    const y = this.norm.forward(reshape(yh, [T, B, di]), z);
    return { y: this.out_proj.forward(y), state: { conv: cv.window, ssm: r.state, ...(r.window ?? {}) } };
  }
}

/** A pre-norm residual block: x + mixer(RMSNorm(x)) (mamba_ssm's Block: `norm`, `mixer`). */
export class Mamba2Block extends Module {
  /** RMSNorm before the mixer (`norm`). */
  readonly norm: RMSNorm;
  /** The Mamba-2 mixer (`mixer`). */
  readonly mixer: Mamba2Mixer;
  constructor(opts: Mamba2MixerOptions) {
    super();
    this.norm = this.registerModule('norm', new RMSNorm(opts.dModel, dtypeOpt(opts.dtype)));
    this.mixer = this.registerModule('mixer', new Mamba2Mixer(opts));
  }
}

/** Options of `Mamba2` (d_model = hiddenSize). */
export interface Mamba2Options extends StackOptions {
  /** d_state, the SSM state size (default 16; mamba_ssm: 128). */
  stateSize?: number;
  /** d_conv, the short conv's kernel size (default 4). */
  convSize?: number;
  /** d_inner = expand · d_model (default 2). */
  expand?: number;
  /** headdim, channels per head (default 16; mamba_ssm: 64). */
  headDim?: number;
  /** ngroups, groups sharing B and C (default 1). */
  nGroups?: number;
  /** 'fused' (default: the recurrence as one kernel each way), 'chunk' (chunked SSD) or 'recurrent' (the token loop, op by op). */
  impl?: GLAImpl;
  /** Chunk size of impl 'chunk' (default 16). */
  chunk?: number;
  /** Inference mitigation (Stuffed Mamba): multiply every log-decay Δ·A by this (default 1 = off). */
  decayScale?: number;
  /** Inference mitigation: cap each head's state Frobenius norm after every token (default 0 = off). */
  stateNormMax?: number;
  /** Inference mitigation: read the state written by the last r tokens only, h_t − (Πa)·h_{t−r} (default 0 = off). */
  stateWindow?: number;
}

/**
 * State: last outputs h [L, B, d], conv windows [L, B, conv_dim, d_conv − 1], SSM states [L, B, nheads,
 * d_state, headdim]; with `stateWindow` r also lag [L, B, nheads, d_state, headdim], ringK [L, B, nheads, r,
 * d_state], ringV [L, B, nheads, r, headdim] and ringG [L, B, nheads, r].
 */
export type Mamba2State = LayerState;

/**
 * A stack of Mamba-2 blocks (pre-norm residual, mamba_ssm names: `layers.0.mixer.in_proj.weight`,
 * `layers.0.mixer.dt_bias`, `layers.0.mixer.norm.weight`, ...). Batch-first: forward(x [B, T,
 * inputSize], state?, { lengths }) → output [B, T, d_model]; `step` streams one token with the conv
 * window and SSM state.
 */
export class Mamba2 extends ResidualStack<Mamba2Block> {
  /** How the SSD recurrence runs in `forward` (`step` always uses 'fused'). */
  readonly impl: GLAImpl;
  /** Chunk size of impl 'chunk'. */
  readonly chunk: number;

  constructor(opts: Mamba2Options) {
    const op = 'Mamba2';
    const { d } = ResidualStack.widths(op, opts);
    // fused by default, as the delta layers: one pass of the recurrence kernel each way
    const impl = oneOf(op, 'impl', opts.impl ?? 'fused', ['fused', 'chunk', 'recurrent'] as const);
    const chunk = positiveInt(op, 'chunk', opts.chunk ?? 16);
    const mixer = (rng: Rng): Mamba2MixerOptions => ({
      dModel: d, rng,
      ...(opts.stateSize !== undefined ? { dState: opts.stateSize } : {}),
      ...(opts.convSize !== undefined ? { dConv: opts.convSize } : {}),
      ...(opts.expand !== undefined ? { expand: opts.expand } : {}),
      ...(opts.headDim !== undefined ? { headDim: opts.headDim } : {}),
      ...(opts.nGroups !== undefined ? { nGroups: opts.nGroups } : {}),
      ...(opts.decayScale !== undefined ? { decayScale: opts.decayScale } : {}),
      ...(opts.stateNormMax !== undefined ? { stateNormMax: opts.stateNormMax } : {}),
      ...(opts.stateWindow !== undefined ? { stateWindow: opts.stateWindow } : {}),
      ...dtypeOpt(opts.dtype),
    });
    super(op, opts, (rng) => new Mamba2Block(mixer(rng)));
    this.impl = impl;
    this.chunk = chunk;
  }

  protected runBlock(blk: Mamba2Block, seq: Tensor, valid: Tensor | null, prev: Record<string, Tensor> | null,
    stepping: boolean, lengths: readonly number[] | null): BlockResult {
    // One token at a time the fused recurrence is the cheapest form.
    const r = blk.mixer.forward(blk.norm.forward(seq), valid, prev ? { ...prev, conv: prev.conv!, ssm: prev.ssm! } : null,
      stepping ? 'fused' : this.impl, this.chunk, lengths);
    return { y: add(seq, r.y), state: { ...r.state } as Record<string, Tensor> };
  }
}
