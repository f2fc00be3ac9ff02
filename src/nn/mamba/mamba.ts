import { add, exp, mul, neg, silu, softplus, where } from '../../ops/elementwise.js';
import { tensor } from '../../ops/creation.js';
import { split } from '../../ops/movement.js';
import { uniform } from '../init.js';
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
import { selectiveScan } from './selective-scan.js';
import type { SelectiveImpl } from './selective-scan.js';

/** Per-layer streaming state of a Mamba mixer: the last d_conv - 1 conv inputs and the SSM state. */
export interface MambaMixerState {
  /** The last d_conv − 1 conv inputs [B, d_inner, d_conv − 1]. */
  conv: Tensor;
  /** The selective-scan state [B, d_inner, d_state]. */
  ssm: Tensor;
}

/**
 * The Mamba (Mamba-1) mixer with mamba_ssm's parameter names and shapes: in_proj → (x, z),
 * depthwise causal conv1d + SiLU on x, x_proj → (dt, B, C), dt_proj + softplus → Δ, the selective
 * scan with A = -exp(A_log), skip D, gate by SiLU(z), out_proj. x is time-major [T, B, d_model].
 */
export class MambaMixer extends Module {
  /** d_model → 2·d_inner, no bias: the SSM input x and the gate z. */
  readonly in_proj: Linear;
  /** Depthwise causal conv over time on x, with bias, then SiLU. */
  readonly conv1d: ShortConv;
  /** d_inner → dt_rank + 2·d_state, no bias: the low-rank dt and the input-dependent B and C. */
  readonly x_proj: Linear;
  /** dt_rank → d_inner: Δ = softplus(dt_proj(dt)). */
  readonly dt_proj: Linear;
  /** Log of minus the state matrix [d_inner, d_state]: A = −exp(A_log). */
  readonly A_log: Tensor;
  /** Skip connection per channel [d_inner]. */
  readonly D: Tensor;
  /** d_inner → d_model, no bias. */
  readonly out_proj: Linear;
  /** d_inner = expand · d_model. */
  readonly dInner: number;
  /** Rank of the Δ projection, ceil(d_model / 16). */
  readonly dtRank: number;

  constructor(
    /** Model width d_model. */
    readonly dModel: number,
    /** SSM state size per channel d_state. */
    readonly dState: number,
    /** Conv kernel size d_conv. */
    readonly dConv: number,
    expand: number, rng: Rng, dtype: DType | undefined) {
    super();
    const o = { rng, ...dtypeOpt(dtype) };
    const d = dtypeOpt(dtype);
    const di = expand * dModel;
    this.dInner = di;
    this.dtRank = Math.ceil(dModel / 16);
    this.in_proj = this.registerModule('in_proj', new Linear(dModel, 2 * di, { ...o, bias: false }));
    this.conv1d = this.registerModule('conv1d', new ShortConv(di, dConv, { bias: true, rng, ...dtypeOpt(dtype) }));
    this.x_proj = this.registerModule('x_proj', new Linear(di, this.dtRank + 2 * dState, { ...o, bias: false }));
    this.dt_proj = this.registerModule('dt_proj', new Linear(this.dtRank, di, o));
    // mamba_ssm init: dt_proj weight U(±dt_rank^-1/2); bias = softplus⁻¹(dt), dt log-uniform in [1e-3, 0.1]
    const dtBias = Array.from({ length: di }, () => {
      const dt = Math.max(1e-4, Math.exp(Math.log(1e-3) + rng.uniform() * (Math.log(0.1) - Math.log(1e-3))));
      return dt + Math.log(-Math.expm1(-dt));
    });
    const init = { weight: uniform([di, this.dtRank], -1 / Math.sqrt(this.dtRank), 1 / Math.sqrt(this.dtRank), o), bias: tensor(dtBias, [di], d) };
    this.dt_proj.loadStateDict(init);
    init.weight.dispose();
    init.bias.dispose();
    this.A_log = this.registerParameter('A_log', tensor(Array.from({ length: di * dState }, (_, i) => Math.log(1 + (i % dState))), [di, dState], d));
    this.D = this.registerParameter('D', tensor(new Array<number>(di).fill(1), [di], d));
    this.out_proj = this.registerModule('out_proj', new Linear(di, dModel, { ...o, bias: false }));
  }

  /** x [T, B, d_model] → y [T, B, d_model]; `valid` [T, B, 1] freezes the SSM state past each end. */
  forward(x: Tensor, valid: Tensor | null, state: MambaMixerState | null, impl: SelectiveImpl,
    lengths: readonly number[] | null = null): MixerOutput<MambaMixerState> {
    const [xi, z] = split(this.in_proj.forward(x), 2, -1) as [Tensor, Tensor];
    // Causal depthwise conv over time + SiLU, continuing from the carried window.
    const cv = this.conv1d.forward(xi, state ? state.conv : null, lengths);
    const xc = cv.y; // [T, B, di]
    const [dtr, Bm, Cm] = split(this.x_proj.forward(xc), [this.dtRank, this.dState, this.dState], -1) as [Tensor, Tensor, Tensor];
    let delta = softplus(this.dt_proj.forward(dtr));
    // Δ = 0 past a sequence's end: exp(0 · A) = 1 and no input, so the state stays as it was.
    if (valid) delta = where(valid, delta, 0);
    const A = neg(exp(this.A_log));
    const r = selectiveScan(xc, delta, A, Bm, Cm, { impl, x0: state ? state.ssm : null });
    const y = mul(add(r.y, mul(xc, this.D)), silu(z));
    return { y: this.out_proj.forward(y), state: { conv: cv.window, ssm: r.state } };
  }
}

/** A pre-norm residual block: x + mixer(RMSNorm(x)) (mamba_ssm's Block). */
export class MambaBlock extends Module {
  /** RMSNorm before the mixer (`norm`). */
  readonly norm: RMSNorm;
  /** The Mamba mixer (`mixer`). */
  readonly mixer: MambaMixer;
  constructor(d: number, dState: number, dConv: number, expand: number, rng: Rng, dtype: DType | undefined) {
    super();
    this.norm = this.registerModule('norm', new RMSNorm(d, dtypeOpt(dtype)));
    this.mixer = this.registerModule('mixer', new MambaMixer(d, dState, dConv, expand, rng, dtype));
  }
}

/** Options of `Mamba` (d_model = hiddenSize). */
export interface MambaOptions extends StackOptions {
  /** d_state, the SSM state size per channel (default 16, as mamba_ssm). */
  stateSize?: number;
  /** d_conv, the short conv's kernel size (default 4). */
  convSize?: number;
  /** d_inner = expand · d_model (default 2). */
  expand?: number;
  /** 'fused' (default): the linear-recurrence kernel; 'scan': associative scan; 'recurrent': the loop. */
  impl?: SelectiveImpl;
}

/** State: last outputs h [L, B, d], conv windows [L, B, d_inner, d_conv-1], SSM states [L, B, d_inner, d_state]. */
export type MambaState = LayerState;

/**
 * A stack of Mamba blocks (pre-norm residual, mamba_ssm names: `layers.0.mixer.in_proj.weight`,
 * `layers.0.mixer.A_log`, ...). Batch-first: forward(x [B, T, inputSize], state?, { lengths }) →
 * output [B, T, d_model]; `step` streams one token with the conv window and SSM state.
 */
export class Mamba extends ResidualStack<MambaBlock> {
  /** How the selective scan runs. */
  readonly impl: SelectiveImpl;

  constructor(opts: MambaOptions) {
    const op = 'Mamba';
    const dState = positiveInt(op, 'stateSize', opts.stateSize ?? 16);
    const dConv = positiveInt(op, 'convSize', opts.convSize ?? 4);
    const expand = positiveInt(op, 'expand', opts.expand ?? 2);
    const { d } = ResidualStack.widths(op, opts);
    const impl = opts.impl ?? 'fused';
    oneOf(op, 'impl', impl, ['fused', 'scan', 'recurrent'] as const);
    super(op, opts, (rng) => new MambaBlock(d, dState, dConv, expand, rng, opts.dtype));
    this.impl = impl;
  }

  protected runBlock(blk: MambaBlock, seq: Tensor, valid: Tensor | null, prev: Record<string, Tensor> | null,
    _stepping: boolean, lengths: readonly number[] | null): BlockResult {
    const r = blk.mixer.forward(blk.norm.forward(seq), valid, prev ? { conv: prev.conv!, ssm: prev.ssm! } : null, this.impl, lengths);
    return { y: add(seq, r.y), state: { conv: r.state.conv, ssm: r.state.ssm } };
  }
}
