import { ShapeError, fmtShape } from '../errors.js';
import { silu } from '../ops/elementwise.js';
import { tensor, zeros } from '../ops/creation.js';
import { conv1d } from '../ops/conv.js';
import { concat, gather, narrow, transpose } from '../ops/movement.js';
import { uniform } from './init.js';
import { Module } from './module.js';
import type { Rng } from '../tensor/rng.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { dtypeOpt } from './sequence-util.js';

/** Options of `ShortConv`. */
export interface ShortConvOptions {
  /** Bias (mamba_ssm's conv1d has one; fla's ShortConvolution does not by default). */
  bias?: boolean;
  /** SiLU after the convolution (default true, as both references). */
  silu?: boolean;
  /** Generator for the initial weights. */
  rng: Rng;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/** What `ShortConv.forward` returns: the convolved sequence and the window to continue from. */
export interface ShortConvOutput {
  /** The output [T, B, channels]. */
  y: Tensor;
  /** The last kernel − 1 inputs [B, channels, kernel − 1] (per sequence's length when given). */
  window: Tensor;
}

/**
 * A depthwise causal convolution over time with a short kernel (mamba_ssm's `conv1d`, fla's
 * `ShortConvolution`): weight [channels, 1, kernel] (+ bias [channels]) as PyTorch's Conv1d, init
 * U(±kernel^-1/2). Time-major: x [T, B, channels]; the carried window holds the last kernel - 1
 * inputs [B, channels, kernel - 1], so a stream continues exactly where the batch stopped.
 */
export class ShortConv extends Module {
  /** Depthwise kernel [channels, 1, kernel]. */
  readonly weight: Tensor;
  /** Bias [channels]; null without `bias`. */
  readonly bias: Tensor | null;
  /** Whether a SiLU follows the convolution. */
  readonly useSilu: boolean;

  constructor(
    /** Channels C, each convolved on its own. */
    readonly channels: number,
    /** Kernel size K (steps seen per output). */
    readonly kernel: number,
    opts: ShortConvOptions) {
    super();
    const o = { rng: opts.rng, ...dtypeOpt(opts.dtype) };
    const k = 1 / Math.sqrt(kernel);
    this.weight = this.registerParameter('weight', uniform([channels, 1, kernel], -k, k, o));
    this.bias = opts.bias ? this.registerParameter('bias', uniform([channels], -k, k, o)) : null;
    this.useSilu = opts.silu ?? true;
  }

  /**
   * x [T, B, C] → y [T, B, C], continuing from `window` [B, C, K - 1] (zeros when null). With
   * `lengths`, the returned window ends at each sequence's last valid input, not at the padding.
   */
  forward(x: Tensor, window: Tensor | null, lengths: readonly number[] | null = null): ShortConvOutput {
    const [T, B, C] = x.shape as [number, number, number];
    const K = this.kernel;
    if (x.rank !== 3 || C !== this.channels) throw new ShapeError('ShortConv', `x must be [T, B, ${this.channels}], got ${fmtShape(x.shape)}`);
    if (window && (window.rank !== 3 || window.shape[0] !== B || window.shape[1] !== C || window.shape[2] !== K - 1)) {
      throw new ShapeError('ShortConv', `window must be [${B}, ${C}, ${K - 1}], got ${fmtShape(window.shape)}`);
    }
    const xb = transpose(transpose(x, 0, 1), 1, 2); // [B, C, T]
    const prev = window ?? zeros([B, C, K - 1], { dtype: x.dtype });
    const xcat = K > 1 ? concat([prev, xb], 2) : xb;
    let y = transpose(transpose(conv1d(xcat, this.weight, this.bias, { groups: C }), 1, 2), 0, 1);
    if (this.useSilu) y = silu(y);
    if (K === 1) return { y, window: prev };
    let next: Tensor;
    if (!lengths) next = narrow(xcat, 2, T, K - 1);
    else {
      // window of sequence b = xcat[b, :, len_b .. len_b + K - 2]
      const idx = new Int32Array(B * C * (K - 1));
      for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let j = 0; j < K - 1; j++) idx[(b * C + c) * (K - 1) + j] = lengths[b]! + j;
      next = gather(xcat, 2, tensor(idx, [B, C, K - 1], { dtype: 'int32' }));
    }
    return { y, window: next };
  }
}
