import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import { globalGenerator } from '../tensor/rng.js';
import { ArgumentError } from '../errors.js';
import { full, ones, zeros } from '../ops/creation.js';
import { linear } from '../ops/linalg.js';
import { embedding } from '../ops/loss.js';
import { layerNorm, rmsNorm } from '../ops/norm.js';
import { dropout } from '../ops/random.js';
import { gelu, relu, sigmoid, silu, tanh } from '../ops/elementwise.js';
import { Module } from './module.js';
import { normal, uniform } from './init.js';

/** Construction options shared by layers with parameters. */
export interface LayerOptions {
  /** Generator for the initial weights (default: the global one). */
  rng?: Rng;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/** A module mapping one tensor to one tensor (what `Sequential` chains). */
export interface TensorLayer extends Module {
  /** Maps the input tensor to the output tensor. */
  forward(x: Tensor): Tensor;
}

function checkPositiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new ArgumentError(op, `${name} must be a positive integer, got ${v}`);
}

/**
 * y = x W^T + b with weight [out, in], PyTorch's layout and default initialisation
 * (U(-1/sqrt(in), 1/sqrt(in)) for weight and bias).
 */
export class Linear extends Module implements TensorLayer {
  /** Weight [outFeatures, inFeatures]. */
  readonly weight: Tensor;
  /** Bias [outFeatures]; null when built with `bias: false`. */
  readonly bias: Tensor | null;
  constructor(
    /** Size of the last input axis. */
    readonly inFeatures: number,
    /** Size of the last output axis. */
    readonly outFeatures: number, opts: LayerOptions & { bias?: boolean } = {}) {
    super();
    checkPositiveInt('Linear', 'inFeatures', inFeatures);
    checkPositiveInt('Linear', 'outFeatures', outFeatures);
    const bound = 1 / Math.sqrt(inFeatures);
    const init = { rng: opts.rng ?? globalGenerator(), dtype: opts.dtype ?? 'float32' };
    this.weight = this.registerParameter('weight', uniform([outFeatures, inFeatures], -bound, bound, init));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', uniform([outFeatures], -bound, bound, init));
  }

  /** x [..., inFeatures] → [..., outFeatures]. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** Lookup table [numEmbeddings, dim], initialised N(0, 1) as PyTorch. */
export class Embedding extends Module {
  /** The table [numEmbeddings, embeddingDim]. */
  readonly weight: Tensor;
  constructor(
    /** Number of rows (the vocabulary size). */
    readonly numEmbeddings: number,
    /** Width of each row. */
    readonly embeddingDim: number,
    opts: LayerOptions = {}) {
    super();
    checkPositiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    checkPositiveInt('Embedding', 'embeddingDim', embeddingDim);
    this.weight = this.registerParameter('weight', normal([numEmbeddings, embeddingDim], 0, 1, { rng: opts.rng ?? globalGenerator(), dtype: opts.dtype ?? 'float32' }));
  }

  /** ids: int32 of any shape -> [...ids.shape, dim]. */
  forward(ids: Tensor): Tensor {
    return embedding(ids, this.weight);
  }
}

/** Layer normalisation over the last axis, with learnable weight (ones) and bias (zeros). */
export class LayerNorm extends Module implements TensorLayer {
  /** Scale [normalizedShape]; null without `elementwiseAffine`. */
  readonly weight: Tensor | null;
  /** Shift [normalizedShape]; null without `elementwiseAffine` or with `bias: false`. */
  readonly bias: Tensor | null;
  constructor(
    /** Size of the normalised last axis. */
    readonly normalizedShape: number,
    opts: { eps?: number; elementwiseAffine?: boolean; bias?: boolean; dtype?: DType } = {}) {
    super();
    checkPositiveInt('LayerNorm', 'normalizedShape', normalizedShape);
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.elementwiseAffine ?? true;
    const dtype = opts.dtype ?? 'float32';
    this.weight = affine ? this.registerParameter('weight', ones([normalizedShape], { dtype })) : null;
    this.bias = affine && opts.bias !== false ? this.registerParameter('bias', zeros([normalizedShape], { dtype })) : null;
  }
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps: number;

  /** Normalises x [..., normalizedShape] over its last axis. */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** RMS normalisation over the last axis with a learnable weight (ones). */
export class RMSNorm extends Module implements TensorLayer {
  /** Scale [normalizedShape]; null with `elementwiseAffine: false`. */
  readonly weight: Tensor | null;
  /** Added to the mean square before the square root (default 1e-6). */
  readonly eps: number;
  constructor(
    /** Size of the normalised last axis. */
    readonly normalizedShape: number,
    opts: { eps?: number; elementwiseAffine?: boolean; dtype?: DType } = {}) {
    super();
    checkPositiveInt('RMSNorm', 'normalizedShape', normalizedShape);
    this.eps = opts.eps ?? 1e-6;
    this.weight = opts.elementwiseAffine === false ? null : this.registerParameter('weight', full([normalizedShape], 1, { dtype: opts.dtype ?? 'float32' }));
  }

  /** Normalises x [..., normalizedShape] over its last axis. */
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}

/** Inverted dropout, active only in training mode. Its own generator keeps masks reproducible. */
export class Dropout extends Module implements TensorLayer {
  private readonly rng: Rng;
  constructor(
    /** Probability of zeroing each element (default 0.5). */
    readonly p = 0.5,
    opts: { rng?: Rng } = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ArgumentError('Dropout', `p must be in [0, 1], got ${p}`);
    this.rng = opts.rng ?? globalGenerator().split();
  }

  /** Zeroes elements with probability p and scales the rest by 1/(1-p) in training; identity in eval. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, rng: this.rng });
  }
}

/** Wraps an elementwise function as a layer (for use in `Sequential`). */
class Activation extends Module implements TensorLayer {
  constructor(private readonly fn: (x: Tensor) => Tensor) {
    super();
  }

  /** Applies the function elementwise. */
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

/** ReLU as a layer. */
export class ReLU extends Activation { constructor() { super(relu); } }
/** Tanh as a layer. */
export class Tanh extends Activation { constructor() { super(tanh); } }
/** Sigmoid as a layer. */
export class Sigmoid extends Activation { constructor() { super(sigmoid); } }
/** GELU (exact) as a layer. */
export class GELU extends Activation { constructor() { super(gelu); } }
/** SiLU / swish as a layer. */
export class SiLU extends Activation { constructor() { super(silu); } }

/** Applies layers in order; children are named 0, 1, 2, ... as in PyTorch. */
export class Sequential extends Module implements TensorLayer {
  /** The chained layers, in order. */
  readonly layers: TensorLayer[];
  constructor(...layers: TensorLayer[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Module) || typeof l.forward !== 'function') {
        throw new ArgumentError('Sequential', `layer ${i} is not a Module with forward(x)`);
      }
      this.registerModule(String(i), l);
    });
    this.layers = layers;
  }

  /** Runs x through every layer in order. */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) {
      const next = l.forward(h);
      // Free intermediates eagerly unless a gradient tape still needs them (dispose defers then).
      if (h !== x && h !== next) h.dispose();
      h = next;
    }
    return h;
  }
}
