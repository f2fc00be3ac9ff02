import { ArgumentError } from '../errors.js';
import type { Task } from './types.js';
import { checkLength } from './util.js';

/** The shapes a series can hide, in class order (the first `classes` are used). */
export const SHAPE_NAMES = ['bump', 'square', 'sine', 'ramp-up', 'ramp-down', 'dip'] as const;

/**
 * Shape `k` of {@link SHAPE_NAMES} sampled at `width` points, peak amplitude 1:
 * - bump: half a sine period, sin(π·(i + ½)/width) (positive, rounded);
 * - square: 1 everywhere (positive, flat);
 * - sine: one full sine period, sin(2π·(i + ½)/width) (up, then down: mean 0);
 * - ramp-up: from −1 to 1 linearly, −1 + 2(i + ½)/width;
 * - ramp-down: the ramp reversed;
 * - dip: −bump.
 */
export function shapeTemplate(k: number, width: number): number[] {
  if (!Number.isInteger(k) || k < 0 || k >= SHAPE_NAMES.length) throw new ArgumentError('shapeTemplate', `shape must be an integer in [0, ${SHAPE_NAMES.length - 1}], got ${k}`);
  if (!Number.isInteger(width) || width < 2) throw new ArgumentError('shapeTemplate', `width must be an integer >= 2, got ${width}`);
  return Array.from({ length: width }, (_, i) => {
    const x = (i + 0.5) / width; // the centre of sample i, in (0, 1)
    switch (SHAPE_NAMES[k]!) {
      case 'bump': return Math.sin(Math.PI * x);
      case 'square': return 1;
      case 'sine': return Math.sin(2 * Math.PI * x);
      case 'ramp-up': return -1 + 2 * x;
      case 'ramp-down': return 1 - 2 * x;
      case 'dip': return -Math.sin(Math.PI * x);
    }
  });
}

/** Options of {@link shapeInNoise}. */
export interface ShapeInNoiseOptions {
  /** Number of classes: the first `classes` shapes of {@link SHAPE_NAMES} (2–6, default 4). */
  classes?: number;
  /** Samples the shape spans (default 16). */
  width?: number;
  /** Standard deviation of the Gaussian background noise (default 0.5). */
  noise?: number;
}

/**
 * Time-series classification (P5's stand-in: "shape-in-noise"): a series of `length` steps of
 * N(0, noise²) noise with one shape of {@link SHAPE_NAMES} added at a uniformly random position
 * (wholly inside the series); the label is which shape. Inputs are 1-wide feature vectors; the
 * class is read after the last step. `length` must be at least `width`.
 */
export function shapeInNoise(options: ShapeInNoiseOptions = {}): Task {
  const op = 'shape-in-noise';
  const classes = options.classes ?? 4, width = options.width ?? 16, noise = options.noise ?? 0.5;
  if (!Number.isInteger(classes) || classes < 2 || classes > SHAPE_NAMES.length) {
    throw new ArgumentError(op, `classes must be an integer in [2, ${SHAPE_NAMES.length}], got ${classes}`);
  }
  if (!Number.isInteger(width) || width < 2) throw new ArgumentError(op, `width must be an integer >= 2, got ${width}`);
  if (!Number.isFinite(noise) || noise < 0) throw new ArgumentError(op, `noise must be a finite number >= 0, got ${noise}`);
  const templates = Array.from({ length: classes }, (_, k) => shapeTemplate(k, width));
  const lo = Math.max(64, width), hi = Math.max(128, width);
  return {
    name: 'shape-in-noise',
    description: `shape-in-noise: which of ${classes} shapes (${SHAPE_NAMES.slice(0, classes).join(', ')}; width ${width}) hides in N(0, ${noise}²) noise (train T ${lo}-${hi}, test ${hi}-${2 * hi})`,
    kind: 'classify', perStep: false, inputDim: 1, numClasses: classes,
    trainLengths: [lo, hi], testLengths: [hi, 2 * hi],
    example(rng, length) {
      checkLength('shape-in-noise', length, width);
      const label = rng.int(classes);
      const at = rng.int(length - width + 1);
      const input: number[][] = [];
      for (let t = 0; t < length; t++) {
        const inShape = t >= at && t < at + width;
        input.push([noise * rng.normal() + (inShape ? templates[label]![t - at]! : 0)]);
      }
      return { input, target: label };
    },
  };
}
