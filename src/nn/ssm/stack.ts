import { ArgumentError } from '../../errors.js';
import { add, gelu } from '../../ops/elementwise.js';
import { Module } from '../module.js';
import { LayerNorm, Linear } from '../layers.js';
import type { Rng } from '../../tensor/rng.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { LayerState } from '../sequence-layer.js';
import { dtypeOpt, positiveInt } from '../sequence-util.js';
import { oneOf } from '../../options.js';
import { ResidualStack } from '../residual-stack.js';
import type { BlockResult, StackOptions } from '../residual-stack.js';
import { S4DKernel } from './s4d.js';
import type { SSMImpl } from './s4d.js';
import { LRUKernel } from './lru.js';
import { LSSLKernel } from './lssl.js';
import type { Discretization } from './lssl.js';

/** Options of `SSM`. */
export interface SSMOptions extends StackOptions {
  /** 's4d' (diagonal S4 / DLR, per-channel), 'lru' (mixing complex diagonal recurrence) or
   *  'lssl' (dense HiPPO-LegT state matrix per channel). */
  kind: 's4d' | 'lru' | 'lssl';
  /** Complex modes per channel (s4d) or in total (lru); default 32. */
  stateSize?: number;
  /** 'conv' (FFT convolution; s4d and lssl default), 'scan' (parallel associative scan; lru
   *  default; not for lssl) or 'recurrent'. */
  impl?: SSMImpl;
  /** LSSL only: how A and B are discretised, 'bilinear' (default) or 'zoh'. */
  discretization?: Discretization;
  /** LSSL only: learn A and B (default false: the HiPPO matrices stay fixed buffers). */
  learnA?: boolean;
}

/** State: last outputs h [L, B, H] and, from the recurrent forms and `step`, the complex states re, im. */
export type SSMState = LayerState;

/** One pre-norm residual SSM block: x + out_proj(gelu(ssm(norm(x)))). */
export class SSMBlock extends Module {
  /** LayerNorm before the kernel (`norm`). */
  readonly norm: LayerNorm;
  /** The state-space kernel of the stack's `kind` (state-dict `ssm`). */
  readonly kernel: S4DKernel | LRUKernel | LSSLKernel;
  /** Output projection H → H after the GELU (`out_proj`). */
  readonly out: Linear;
  constructor(o: SSMOptions & { stateSize: number }, rng: Rng) {
    super();
    const { hiddenSize: H, stateSize: N, dtype } = o;
    this.norm = this.registerModule('norm', new LayerNorm(H, dtypeOpt(dtype)));
    this.kernel = this.registerModule('ssm', o.kind === 's4d' ? new S4DKernel(H, N, rng, dtype) : o.kind === 'lru' ? new LRUKernel(H, N, rng, dtype)
      : new LSSLKernel(H, N, o.discretization ?? 'bilinear', !!o.learnA, rng, dtype));
    this.out = this.registerModule('out_proj', new Linear(H, H, { rng, ...dtypeOpt(dtype) }));
  }
  /** Pre-norm residual: x + W gelu(SSM(norm(x))). x [T, B, H] (or [B, H] for a step). */
  mix(x: Tensor, y: Tensor): Tensor {
    return add(x, this.out.forward(gelu(y)));
  }
}


/**
 * A stack of linear time-invariant state-space blocks (S4D, LRU or LSSL) with residual
 * connections — batch-first like the recurrent layers: forward(x [B, T, inputSize], state?,
 * { lengths }) → output [B, T, H]. Trains through the FFT convolution or the parallel scan;
 * `step` streams (through a recurrent form).
 */
export class SSM extends ResidualStack<SSMBlock> {
  /** Which state-space kernel every block uses. */
  readonly kind: 's4d' | 'lru' | 'lssl';
  /** Complex modes per channel (s4d), in total (lru) or the state size per channel (lssl). */
  readonly stateSize: number;
  /** How `forward` runs the kernels (a carried state or `step` switches 'conv' to a recurrent form). */
  readonly impl: SSMImpl;

  constructor(opts: SSMOptions) {
    const op = 'SSM';
    oneOf(op, 'kind', opts.kind, ['s4d', 'lru', 'lssl'] as const);
    if (opts.discretization !== undefined && opts.discretization !== 'bilinear' && opts.discretization !== 'zoh') {
      throw new ArgumentError(op, `discretization must be bilinear or zoh, got '${String(opts.discretization)}'`);
    }
    const stateSize = positiveInt(op, 'stateSize', opts.stateSize ?? 32);
    const impl = opts.impl ?? (opts.kind === 'lru' ? 'scan' : 'conv');
    oneOf(op, 'impl', impl, ['conv', 'fused', 'scan', 'recurrent'] as const);
    if (opts.kind === 'lssl' && (impl === 'scan' || impl === 'fused')) throw new ArgumentError(op, "lssl has a dense state matrix: use impl 'conv' or 'recurrent'");
    super(op, opts, (rng) => new SSMBlock({ ...opts, hiddenSize: positiveInt(op, 'hiddenSize', opts.hiddenSize), stateSize }, rng));
    this.kind = opts.kind;
    this.stateSize = stateSize;
    this.impl = impl;
  }

  protected runBlock(blk: SSMBlock, seq: Tensor, valid: Tensor | null, prev: Record<string, Tensor> | null, stepping: boolean): BlockResult {
    // A carried state, or a step that must hand one on, needs a recurrent form (the convolution
    // starts from zero and keeps no state). Ragged lengths do not: the convolution is causal.
    const recurrent = this.kind === 'lssl' ? 'recurrent' : 'fused';
    const impl = this.impl === 'conv' && (prev || stepping) ? recurrent : this.impl;
    const r = blk.kernel.forward(blk.norm.forward(seq), impl, valid, prev ? { re: prev.re!, im: prev.im! } : null);
    return { y: blk.mix(seq, r.y), state: r.state ? { re: r.state.re, im: r.state.im } : null };
  }
}
