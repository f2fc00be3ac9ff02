import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { add, mul, sigmoid, silu, tanh, where } from '../../ops/elementwise.js';
import { tensor } from '../../ops/creation.js';
import { permute, reshape } from '../../ops/movement.js';
import { layerNorm } from '../../ops/norm.js';
import { Module } from '../module.js';
import { Linear, RMSNorm } from '../layers.js';
import { positiveInt } from '../sequence-util.js';
import { oneOf } from '../../options.js';
import { ResidualStack } from '../residual-stack.js';
import type { BlockResult, StackOptions } from '../residual-stack.js';
import { globalGenerator } from '../../tensor/rng.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { MixerOutput } from '../sequence-layer.js';
import { MLSTM_NEG_BIG, mlstm } from './mlstm-cell.js';
import type { MLSTMImpl, MLSTMState } from './mlstm-cell.js';

/**
 * Per-head layer normalisation over the value dim (xLSTM Large's `MultiHeadLayerNorm`: a group norm
 * with one group per head, no bias by default): weight [heads · headDim], initialised to ones.
 */
export class MultiHeadLayerNorm extends Module {
  /** Scale [heads · headDim], initialised to ones. */
  readonly weight: Tensor;
  constructor(
    /** Heads, each normalised on its own. */
    readonly heads: number,
    /** Channels per head. */
    readonly headDim: number,
    opts: { eps?: number; dtype?: DType } = {}) {
    super();
    this.eps = opts.eps ?? 1e-6;
    this.weight = this.registerParameter('weight', tensor(new Array<number>(heads * headDim).fill(1), [heads * headDim], { dtype: opts.dtype ?? 'float32' }));
  }
  /** Added to the variance before the square root (default 1e-6). */
  readonly eps: number;

  /** x [..., heads, headDim] → the same shape, each head normalised on its own. */
  forward(x: Tensor): Tensor {
    if (x.rank < 2 || x.shape[x.rank - 2] !== this.heads || x.shape[x.rank - 1] !== this.headDim) {
      throw new ShapeError('MultiHeadLayerNorm', `x must be [..., ${this.heads}, ${this.headDim}], got ${fmtShape(x.shape)}`);
    }
    return mul(layerNorm(x, null, null, this.eps), reshape(this.weight, [this.heads, this.headDim]));
  }
}

/** Construction options of `MLSTMLayer` (xLSTM Large's `mLSTMLayerConfig`, single weight mode). */
export interface MLSTMLayerOptions {
  /** Heads (default 1); the q/k and v widths must divide by it. */
  heads?: number;
  /** q, k width = round(d · qkDimFactor) (default 0.5, as xLSTM Large). */
  qkDimFactor?: number;
  /** v width = round(d · vDimFactor) (default 1). */
  vDimFactor?: number;
  /** Gate pre-activations are soft-capped c·tanh(x/c) (default 15; null: no cap). */
  gateSoftCap?: number | null;
  /** The normaliser's eps inside the cell (default 1e-6). */
  eps?: number;
  /** eps of `multihead_norm` (default 1e-6). */
  normEps?: number;
  /** Initial input-gate bias (default -10, as xLSTM-7B: new writes start almost shut). */
  igateBias?: number;
  /** Generator for the initial weights (default: the global one). */
  rng?: Rng;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/**
 * The mLSTM layer with xLSTM Large's (xLSTM-7B) names: q, k, v, ogate_preact (Linear, no bias),
 * igate_preact, fgate_preact (Linear d → heads with bias), multihead_norm, out_proj. Gate
 * pre-activations are soft-capped at 15; h = out_proj(σ(o) ⊙ multihead_norm(h̃)) with h̃ from
 * `mlstm`. fgate bias starts at linspace(3, 6) over the heads (forget gates open), igate bias at
 * -10; weights use PyTorch's Linear init. x is time-major [T, B, d].
 */
export class MLSTMLayer extends Module {
  /** Query projection d → qkDim, no bias. */
  readonly q: Linear;
  /** Key projection d → qkDim, no bias. */
  readonly k: Linear;
  /** Value projection d → vDim, no bias. */
  readonly v: Linear;
  /** Output-gate pre-activation d → vDim, no bias. */
  readonly ogate_preact: Linear;
  /** Input-gate pre-activation d → heads, with bias. */
  readonly igate_preact: Linear;
  /** Forget-gate pre-activation d → heads, with bias. */
  readonly fgate_preact: Linear;
  /** Per-head norm of the cell output. */
  readonly multihead_norm: MultiHeadLayerNorm;
  /** Output projection vDim → d, no bias. */
  readonly out_proj: Linear;
  /** Heads H. */
  readonly heads: number;
  /** Total q and k width (dk = qkDim / heads per head). */
  readonly qkDim: number;
  /** Total v width (dv = vDim / heads per head). */
  readonly vDim: number;
  /** Soft cap c of the gate pre-activations (c·tanh(x/c)); null: no cap. */
  readonly gateSoftCap: number | null;
  /** The normaliser's eps inside the cell. */
  readonly eps: number;

  constructor(
    /** Model width d. */
    readonly d: number,
    opts: MLSTMLayerOptions = {}) {
    super();
    const op = 'MLSTMLayer';
    positiveInt(op, 'd', d);
    const H = this.heads = positiveInt(op, 'heads', opts.heads ?? 1);
    this.qkDim = factorDim(op, 'qkDimFactor', d, opts.qkDimFactor ?? 0.5);
    this.vDim = factorDim(op, 'vDimFactor', d, opts.vDimFactor ?? 1);
    if (this.qkDim % H !== 0 || this.vDim % H !== 0) throw new ArgumentError(op, `q/k width ${this.qkDim} and v width ${this.vDim} must be divisible by heads ${H}`);
    const cap = opts.gateSoftCap === undefined ? 15 : opts.gateSoftCap;
    if (cap !== null && !(cap > 0 && Number.isFinite(cap))) throw new ArgumentError(op, `gateSoftCap must be a positive number or null, got ${String(cap)}`);
    this.gateSoftCap = cap;
    this.eps = opts.eps ?? 1e-6;
    const dtype = opts.dtype ?? 'float32';
    const rng = opts.rng ?? globalGenerator();
    const nb = { rng, dtype, bias: false };
    this.q = this.registerModule('q', new Linear(d, this.qkDim, nb));
    this.k = this.registerModule('k', new Linear(d, this.qkDim, nb));
    this.v = this.registerModule('v', new Linear(d, this.vDim, nb));
    this.ogate_preact = this.registerModule('ogate_preact', new Linear(d, this.vDim, nb));
    this.igate_preact = this.registerModule('igate_preact', new Linear(d, H, { rng, dtype }));
    this.fgate_preact = this.registerModule('fgate_preact', new Linear(d, H, { rng, dtype }));
    const ib = opts.igateBias ?? -10;
    if (!Number.isFinite(ib)) throw new ArgumentError(op, `igateBias must be finite, got ${String(ib)}`);
    this.igate_preact.loadStateDict({ bias: tensor(new Array<number>(H).fill(ib), [H], { dtype }) }, { strict: false });
    this.fgate_preact.loadStateDict({ bias: tensor(Array.from({ length: H }, (_, h) => (H === 1 ? 3 : 3 + (3 * h) / (H - 1))), [H], { dtype }) }, { strict: false });
    this.multihead_norm = this.registerModule('multihead_norm', new MultiHeadLayerNorm(H, this.vDim / H, { eps: opts.normEps ?? 1e-6, dtype }));
    this.out_proj = this.registerModule('out_proj', new Linear(this.vDim, d, nb));
  }

  /**
   * x [T, B, d] → y [T, B, d] and the final state. `valid` [T, B, 1] (1 inside, 0 in padding)
   * freezes the state past each sequence's end exactly: there log f = 0 and i = -1e30, so
   * m_t = max(m_{t-1}, i) = m_{t-1}, the old state is kept with weight e^0 = 1 and the new token
   * gets weight 0.
   */
  forward(x: Tensor, opts: { valid?: Tensor | null; state?: MLSTMState | null; impl?: MLSTMImpl; chunk?: number } = {}): MixerOutput<MLSTMState> {
    if (x.rank !== 3 || x.shape[2] !== this.d) throw new ShapeError('MLSTMLayer', `x must be [T, B, ${this.d}], got ${fmtShape(x.shape)}`);
    const [T, B] = x.shape as [number, number];
    const H = this.heads;
    const heads = (t: Tensor, w: number): Tensor => permute(reshape(t, [T, B, H, w / H]), [1, 2, 0, 3]); // [B, H, T, w/H]
    const capped = (t: Tensor): Tensor => (this.gateSoftCap === null ? t : mul(tanh(mul(t, 1 / this.gateSoftCap)), this.gateSoftCap));
    let i = capped(this.igate_preact.forward(x)), f = capped(this.fgate_preact.forward(x)); // [T, B, H]
    if (opts.valid) {
      // log σ(1e30) is exactly 0 (no decay) and e^(-1e30 - m) exactly 0 (no write).
      i = where(opts.valid, i, MLSTM_NEG_BIG);
      f = where(opts.valid, f, -MLSTM_NEG_BIG);
    }
    const r = mlstm(heads(this.q.forward(x), this.qkDim), heads(this.k.forward(x), this.qkDim), heads(this.v.forward(x), this.vDim),
      permute(i, [1, 2, 0]), permute(f, [1, 2, 0]),
      { impl: opts.impl ?? 'chunk', ...(opts.chunk !== undefined ? { chunk: opts.chunk } : {}), state: opts.state ?? null, eps: this.eps });
    const hn = this.multihead_norm.forward(permute(r.h, [2, 0, 1, 3])); // [T, B, H, dv]
    const o = sigmoid(this.ogate_preact.forward(x));
    return { y: this.out_proj.forward(mul(o, reshape(hn, [T, B, this.vDim]))), state: r.state };
  }
}

/** The width round(d · factor), a positive integer, or an ArgumentError. */
function factorDim(op: string, name: string, d: number, factor: number): number {
  const w = Math.round(d * factor);
  if (!(factor > 0) || w < 1) throw new ArgumentError(op, `${name} ${String(factor)} gives width ${w} for d = ${d}`);
  return w;
}

/**
 * xLSTM Large's SwiGLU feed-forward: proj_down(silu(proj_up_gate(x)) ⊙ proj_up(x)), inner width
 * d · projFactor rounded up to a multiple of `roundTo`, no biases.
 */
export class MLSTMFeedForward extends Module {
  /** Gate branch d → inner (through SiLU). */
  readonly proj_up_gate: Linear;
  /** Value branch d → inner. */
  readonly proj_up: Linear;
  /** inner → d. */
  readonly proj_down: Linear;
  /** Inner width: d · projFactor rounded up to a multiple of roundTo. */
  readonly inner: number;
  constructor(d: number, projFactor: number, roundTo: number, rng: Rng, dtype: DType) {
    super();
    if (!(projFactor > 0)) throw new ArgumentError('MLSTMFeedForward', `ffnProjFactor must be > 0, got ${String(projFactor)}`);
    positiveInt('MLSTMFeedForward', 'ffnRoundTo', roundTo);
    this.inner = Math.ceil((d * projFactor) / roundTo) * roundTo;
    const o = { rng, dtype, bias: false };
    this.proj_up_gate = this.registerModule('proj_up_gate', new Linear(d, this.inner, o));
    this.proj_up = this.registerModule('proj_up', new Linear(d, this.inner, o));
    this.proj_down = this.registerModule('proj_down', new Linear(this.inner, d, o));
  }

  /** x [..., d] → [..., d]. */
  forward(x: Tensor): Tensor {
    return this.proj_down.forward(mul(silu(this.proj_up_gate.forward(x)), this.proj_up.forward(x)));
  }
}

/** One xLSTM Large block: x + mlstm_layer(norm_mlstm(x)), then optionally x + ffn(norm_ffn(x)). */
export class MLSTMBlock extends Module {
  /** RMSNorm before the mLSTM layer. */
  readonly norm_mlstm: RMSNorm;
  /** The mLSTM layer. */
  readonly mlstm_layer: MLSTMLayer;
  /** RMSNorm before the feed-forward; null without `ffn`. */
  readonly norm_ffn: RMSNorm | null = null;
  /** The SwiGLU feed-forward; null without `ffn`. */
  readonly ffn: MLSTMFeedForward | null = null;
  constructor(d: number, layer: MLSTMLayerOptions, ffn: { projFactor: number; roundTo: number } | null, rng: Rng, dtype: DType) {
    super();
    this.norm_mlstm = this.registerModule('norm_mlstm', new RMSNorm(d, { dtype }));
    this.mlstm_layer = this.registerModule('mlstm_layer', new MLSTMLayer(d, { ...layer, rng, dtype }));
    if (ffn) {
      this.norm_ffn = this.registerModule('norm_ffn', new RMSNorm(d, { dtype }));
      this.ffn = this.registerModule('ffn', new MLSTMFeedForward(d, ffn.projFactor, ffn.roundTo, rng, dtype));
    }
  }
}

/** Options of `MLSTM` (model width = hiddenSize). */
export interface MLSTMOptions extends StackOptions, Omit<MLSTMLayerOptions, 'rng' | 'dtype'> {
  /** 'chunk' (default), 'parallel' or 'recurrent'. */
  impl?: MLSTMImpl;
  /** Tokens per chunk of impl 'chunk' (default 16). */
  chunk?: number;
  /** Add xLSTM Large's feed-forward (norm_ffn, ffn) to every block (default false: mLSTM only). */
  ffn?: boolean;
  /** FFN inner width d · ffnProjFactor (default 2.6667), rounded up to a multiple of ffnRoundTo. */
  ffnProjFactor?: number;
  /** The multiple the FFN inner width is rounded up to (default 64). */
  ffnRoundTo?: number;
}

/**
 * A stack of xLSTM Large blocks (`layers.{i}.norm_mlstm`, `layers.{i}.mlstm_layer`, and with
 * `ffn: true` also `norm_ffn`, `ffn`), pre-norm residual. Batch-first: forward(x [B, T, inputSize],
 * state?, { lengths }) → output [B, T, d]; state { h [L, B, d], C [L, B, H, dk, dv], n [L, B, H, dk],
 * m [L, B, H] }; `step` streams one token. xLSTM Large's final out_norm and embedding are left to
 * the model.
 */
export class MLSTM extends ResidualStack<MLSTMBlock> {
  /** Heads per layer. */
  readonly heads: number;
  /** How the cell runs in `forward` (`step` always uses 'recurrent'). */
  readonly impl: MLSTMImpl;
  /** Tokens per chunk of impl 'chunk'. */
  readonly chunk: number;

  constructor(opts: MLSTMOptions) {
    const op = 'MLSTM';
    const { d, heads } = ResidualStack.widths(op, opts, false); // the layer checks its q/k and v widths
    const impl = opts.impl ?? 'chunk';
    oneOf(op, 'impl', impl, ['chunk', 'parallel', 'recurrent'] as const);
    const chunk = positiveInt(op, 'chunk', opts.chunk ?? 16);
    const layer: MLSTMLayerOptions = { heads };
    for (const key of ['qkDimFactor', 'vDimFactor', 'gateSoftCap', 'eps', 'normEps', 'igateBias'] as const) {
      if (opts[key] !== undefined) Object.assign(layer, { [key]: opts[key] });
    }
    const ffn = opts.ffn ? { projFactor: opts.ffnProjFactor ?? 2.6667, roundTo: opts.ffnRoundTo ?? 64 } : null;
    super(op, opts, (rng) => new MLSTMBlock(d, layer, ffn, rng, opts.dtype ?? 'float32'));
    this.heads = heads;
    this.impl = impl;
    this.chunk = chunk;
  }

  protected runBlock(blk: MLSTMBlock, seq: Tensor, valid: Tensor | null, prev: Record<string, Tensor> | null, stepping: boolean): BlockResult {
    const state = prev ? { C: prev.C!, n: prev.n!, m: prev.m! } : null;
    // One token: the recurrent step is the cheapest form (all forms agree).
    const r = blk.mlstm_layer.forward(blk.norm_mlstm.forward(seq), { valid, state, impl: stepping ? 'recurrent' : this.impl, chunk: this.chunk });
    let y = add(seq, r.y);
    if (blk.ffn && blk.norm_ffn) y = add(y, blk.ffn.forward(blk.norm_ffn.forward(y)));
    return { y, state: { C: r.state.C, n: r.state.n, m: r.state.m } };
  }
}
