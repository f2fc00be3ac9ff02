import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import { globalGenerator } from '../tensor/rng.js';
import type { DType } from '../tensor/dtype.js';
import { typedArrayFor } from '../tensor/dtype.js';
import { tensor } from '../ops/creation.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';

/** Options shared by initializers. */
export interface InitOptions {
  /** Generator to draw from (default: the global one). */
  rng?: Rng;
  /** Element type of the result (default float32). */
  dtype?: DType;
}

/** A weight's fan_in and fan_out, the sizes the scaled initializers divide by. */
export interface Fans {
  /** Inputs feeding each output unit: in · prod(kernel). */
  fanIn: number;
  /** Outputs each input unit feeds: out · prod(kernel). */
  fanOut: number;
}

/**
 * fan_in and fan_out as PyTorch computes them: weight [out, in, ...kernel] has
 * fan_in = in * prod(kernel), fan_out = out * prod(kernel).
 */
export function fans(shape: readonly number[]): Fans {
  if (shape.length < 2) throw new ShapeError('init', `fan_in/fan_out need at least 2 dimensions, got ${fmtShape(shape)}`);
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

function fill(shape: readonly number[], opts: InitOptions, draw: (r: Rng) => number): Tensor {
  const dtype = opts.dtype ?? 'float32';
  const rng = opts.rng ?? globalGenerator();
  let size = 1;
  for (const d of shape) size *= d;
  const data = typedArrayFor(dtype, size);
  for (let i = 0; i < size; i++) data[i] = draw(rng);
  return tensor(data, shape, { dtype });
}

/** U(low, high). */
export function uniform(shape: readonly number[], low: number, high: number, opts: InitOptions = {}): Tensor {
  if (!(high >= low)) throw new ArgumentError('uniform', `high (${high}) must be >= low (${low})`);
  return fill(shape, opts, (r) => low + (high - low) * r.uniform());
}

/** N(mean, std^2). */
export function normal(shape: readonly number[], mean: number, std: number, opts: InitOptions = {}): Tensor {
  if (!(std >= 0)) throw new ArgumentError('normal', `std must be >= 0, got ${std}`);
  return fill(shape, opts, (r) => mean + std * r.normal());
}

/** Glorot/Xavier uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform(shape: readonly number[], opts: InitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  const a = (opts.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, -a, a, opts);
}

/** Glorot/Xavier normal: N(0, gain^2 * 2 / (fan_in + fan_out)). */
export function xavierNormal(shape: readonly number[], opts: InitOptions & { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  return normal(shape, 0, (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)), opts);
}

/** He/Kaiming options: `a` is the negative slope of leaky ReLU (0 for ReLU); mode picks the fan. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (default 0, plain ReLU). */
  a?: number;
  /** Which fan to preserve the variance of: forward (`fanIn`, default) or backward (`fanOut`). */
  mode?: 'fanIn' | 'fanOut';
}

function kaimingStd(shape: readonly number[], opts: KaimingOptions): number {
  const { fanIn, fanOut } = fans(shape);
  const gain = Math.sqrt(2 / (1 + (opts.a ?? 0) ** 2));
  return gain / Math.sqrt(opts.mode === 'fanOut' ? fanOut : fanIn);
}

/** He/Kaiming uniform: U(-b, b), b = sqrt(3) * gain / sqrt(fan). */
export function kaimingUniform(shape: readonly number[], opts: KaimingOptions = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd(shape, opts);
  return uniform(shape, -b, b, opts);
}

/** He/Kaiming normal: N(0, gain^2 / fan). */
export function kaimingNormal(shape: readonly number[], opts: KaimingOptions = {}): Tensor {
  return normal(shape, 0, kaimingStd(shape, opts), opts);
}

/** LeCun normal: N(0, 1 / fan_in) (the initialisation SELU networks assume). */
export function lecunNormal(shape: readonly number[], opts: InitOptions = {}): Tensor {
  return normal(shape, 0, 1 / Math.sqrt(fans(shape).fanIn), opts);
}

/**
 * (Semi-)orthogonal matrix scaled by `gain`: QR of a Gaussian matrix with the sign of R's diagonal
 * folded into Q (so the distribution is uniform, as in PyTorch). Trailing dims are flattened.
 */
export function orthogonal(shape: readonly number[], opts: InitOptions & { gain?: number } = {}): Tensor {
  if (shape.length < 2) throw new ShapeError('orthogonal', `needs at least 2 dimensions, got ${fmtShape(shape)}`);
  const rows = shape[0]!;
  let cols = 1;
  for (let i = 1; i < shape.length; i++) cols *= shape[i]!;
  const rng = opts.rng ?? globalGenerator();
  // Orthonormalise the columns of a tall Gaussian matrix with modified Gram-Schmidt (= thin QR).
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += a[i * n + j]! * a[i * n + k]!;
      for (let i = 0; i < m; i++) a[i * n + j]! -= dot * a[i * n + k]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += a[i * n + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) a[i * n + j]! /= norm;
  }
  const gain = opts.gain ?? 1;
  const dtype = opts.dtype ?? 'float32';
  const out = typedArrayFor(dtype, rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (tall ? a[r * n + c]! : a[c * n + r]!);
  }
  return tensor(out, shape, { dtype });
}
