import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import { add, gelu, where } from '../../ops/elementwise.js';
import { narrow, squeeze, stack, transpose } from '../../ops/movement.js';
import { dropout } from '../../ops/random.js';
import { Module } from '../module.js';
import { LayerNorm, Linear } from '../layers.js';
import { globalGenerator } from '../../tensor/rng.js';
import type { Rng } from '../../tensor/rng.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkLengths, dropoutRate, lastValid, lengthMask, positiveInt } from '../sequence-util.js';
import { ModuleList } from '../module-list.js';
import { S4DKernel } from './s4d.js';
import type { SSMImpl } from './s4d.js';
import { LRUKernel } from './lru.js';
import { LSSLKernel } from './lssl.js';
import type { Discretization } from './lssl.js';
import type { Complex } from './complex.js';

/** Options of `SSM`. */
export interface SSMOptions {
  /** 's4d' (diagonal S4 / DLR, per-channel), 'lru' (mixing complex diagonal recurrence) or
   *  'lssl' (dense HiPPO-LegT state matrix per channel). */
  kind: 's4d' | 'lru' | 'lssl';
  inputSize: number;
  /** Channels H (the model width). */
  hiddenSize: number;
  /** Complex modes per channel (s4d) or in total (lru); default 32. */
  stateSize?: number;
  numLayers?: number;
  /** 'conv' (FFT convolution; s4d and lssl default), 'scan' (parallel associative scan; lru
   *  default; not for lssl) or 'sequential'. */
  impl?: SSMImpl;
  /** LSSL only: 'bilinear' (default) or 'zoh', and whether A and B are learned (default fixed). */
  discretization?: Discretization;
  learnA?: boolean;
  dropout?: number;
  rng?: Rng;
  dtype?: DType;
}

/** State: last outputs h [L, B, H] and, from the recurrent forms and `step`, the complex states. */
export type SSMState = { h: Tensor } & Record<string, Tensor>;

class SSMBlock extends Module {
  readonly norm: LayerNorm;
  readonly kernel: S4DKernel | LRUKernel | LSSLKernel;
  readonly out: Linear;
  constructor(o: SSMOptions & { stateSize: number }, rng: Rng) {
    super();
    const { hiddenSize: H, stateSize: N, dtype } = o;
    this.norm = this.registerModule('norm', new LayerNorm(H, dtype ? { dtype } : {}));
    this.kernel = this.registerModule('ssm', o.kind === 's4d' ? new S4DKernel(H, N, rng, dtype) : o.kind === 'lru' ? new LRUKernel(H, N, rng, dtype)
      : new LSSLKernel(H, N, o.discretization ?? 'bilinear', !!o.learnA, rng, dtype));
    this.out = this.registerModule('out_proj', new Linear(H, H, { rng, ...(dtype ? { dtype } : {}) }));
  }
  /** Pre-norm residual: x + W gelu(SSM(norm(x))). x [T, B, H] (or [B, H] for a step). */
  mix(x: Tensor, y: Tensor): Tensor {
    return add(x, this.out.forward(gelu(y)));
  }
}


/**
 * A stack of linear time-invariant state-space blocks (S4D or LRU) with residual connections —
 * batch-first like the recurrent layers: forward(x [B, T, inputSize], state?, { lengths }) →
 * output [B, T, H]. Trains through the FFT convolution or the parallel scan; `step` streams.
 */
export class SSM extends Module {
  readonly kind: 's4d' | 'lru' | 'lssl';
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly stateSize: number;
  readonly numLayers: number;
  readonly impl: SSMImpl;
  readonly inProj: Linear | null;
  readonly layers: ModuleList<SSMBlock>;
  readonly dropoutP: number;
  private readonly rng: Rng;

  constructor(opts: SSMOptions) {
    super();
    const op = 'SSM';
    const int = (name: string, v: unknown): number => positiveInt(op, name, v);
    if (opts.kind !== 's4d' && opts.kind !== 'lru' && opts.kind !== 'lssl') throw new ArgumentError(op, `kind must be s4d, lru or lssl, got '${String(opts.kind)}'`);
    if (opts.discretization !== undefined && opts.discretization !== 'bilinear' && opts.discretization !== 'zoh') {
      throw new ArgumentError(op, `discretization must be bilinear or zoh, got '${String(opts.discretization)}'`);
    }
    this.kind = opts.kind;
    this.inputSize = int('inputSize', opts.inputSize);
    this.hiddenSize = int('hiddenSize', opts.hiddenSize);
    this.stateSize = int('stateSize', opts.stateSize ?? 32);
    this.numLayers = int('numLayers', opts.numLayers ?? 1);
    this.impl = opts.impl ?? (this.kind === 'lru' ? 'scan' : 'conv');
    if (!['conv', 'fused', 'scan', 'sequential'].includes(this.impl)) throw new ArgumentError(op, `impl must be conv, fused, scan or sequential, got '${String(this.impl)}'`);
    if (this.kind === 'lssl' && (this.impl === 'scan' || this.impl === 'fused')) throw new ArgumentError(op, "lssl has a dense state matrix: use impl 'conv' or 'sequential'");
    this.dropoutP = dropoutRate(op, opts.dropout);
    this.rng = opts.rng ?? globalGenerator();
    const o = { rng: this.rng, ...(opts.dtype ? { dtype: opts.dtype } : {}) };
    this.inProj = this.inputSize !== this.hiddenSize ? this.registerModule('in_proj', new Linear(this.inputSize, this.hiddenSize, o)) : null;
    this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: this.numLayers },
      () => new SSMBlock({ ...opts, stateSize: this.stateSize }, this.rng))));
  }

  forward(x: Tensor, state?: SSMState | null, opts: { lengths?: readonly number[] } = {}): { output: Tensor; state: SSMState } {
    const op = 'SSM';
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) throw new ShapeError(op, `x must be [batch, time, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const [B, T] = x.shape as [number, number];
    const lengths = opts.lengths ? checkLengths(op, opts.lengths, B, T) : null;
    const valid = lengths ? lengthMask(lengths, T, x.dtype) : null;
    let seq = transpose(this.inProj ? this.inProj.forward(x) : x, 0, 1); // [T, B, H]
    const hs: Tensor[] = [], res: Tensor[] = [], ims: Tensor[] = [];
    this.layers.list.forEach((blk, l) => {
      if (l > 0 && this.dropoutP > 0 && this.training) seq = dropout(seq, this.dropoutP, { rng: this.rng });
      const prev = stateAt(state, l);
      // A carried state needs a recurrent form (the convolution starts from zero). Ragged lengths
      // do not: the convolution is causal, so padding never reaches a valid step.
      const impl = this.impl === 'conv' && prev ? (this.kind === 'lssl' ? 'sequential' : 'fused') : this.impl;
      const r = blk.kernel.forward(blk.norm.forward(seq), impl, valid, prev);
      seq = blk.mix(seq, r.y);
      hs.push(lastValid(seq, lengths));
      if (r.state) { res.push(r.state.re); ims.push(r.state.im); }
    });
    let out = transpose(seq, 0, 1);
    if (valid) out = where(transpose(valid, 0, 1), out, 0);
    const st: SSMState = { h: stack(hs, 0) };
    if (res.length === this.numLayers) { st.re = stack(res, 0); st.im = stack(ims, 0); }
    return { output: out, state: st };
  }

  /** One streaming step: x [B, inputSize] → output [B, H]. */
  step(x: Tensor, state?: SSMState | null): { output: Tensor; state: SSMState } {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) throw new ShapeError('SSM.step', `x must be [batch, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    let h = this.inProj ? this.inProj.forward(x) : x;
    const hs: Tensor[] = [], res: Tensor[] = [], ims: Tensor[] = [];
    this.layers.list.forEach((blk, l) => {
      const r = blk.kernel.step(blk.norm.forward(h), stateAt(state, l));
      h = blk.mix(h, r.y);
      hs.push(h); res.push(r.state.re); ims.push(r.state.im);
    });
    return { output: h, state: { h: stack(hs, 0), re: stack(res, 0), im: stack(ims, 0) } };
  }
}

function stateAt(state: SSMState | null | undefined, l: number): Complex | null {
  if (!state || !state.re || !state.im) return null;
  return { re: squeeze(narrow(state.re, 0, l, 1), 0), im: squeeze(narrow(state.im, 0, l, 1), 0) };
}
