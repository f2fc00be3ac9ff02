import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import type { Task } from './types.js';

/** Number of glyph classes (the digits 0–9). */
export const GLYPH_CLASSES = 10;

type Pt = readonly [number, number];

/** Points on an ellipse from angle a0 to a1 (radians, y down), as a polyline of `n` segments. */
function arc(cx: number, cy: number, rx: number, ry: number, a0: number, a1: number, n = 12): Pt[] {
  return Array.from({ length: n + 1 }, (_, i) => {
    const a = a0 + ((a1 - a0) * i) / n;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as const;
  });
}

/**
 * Digit-like strokes, one list of polylines per class, in the unit square (x right, y down).
 * Hand-drawn to be told apart by their shape, as handwritten digits are.
 */
const STROKES: readonly (readonly Pt[][])[] = [
  [arc(0.5, 0.5, 0.23, 0.35, 0, 2 * Math.PI, 16)],
  [[[0.38, 0.27], [0.52, 0.14], [0.52, 0.86]]],
  [[...arc(0.5, 0.32, 0.21, 0.18, Math.PI * 1.1, Math.PI * 2.15, 8), [0.27, 0.85], [0.76, 0.85]]],
  [[...arc(0.48, 0.31, 0.2, 0.17, Math.PI * 1.15, Math.PI * 2.5, 8)], [...arc(0.48, 0.67, 0.22, 0.19, Math.PI * 1.5, Math.PI * 2.85, 8)]],
  [[[0.63, 0.86], [0.63, 0.14], [0.24, 0.62], [0.78, 0.62]]],
  [[[0.72, 0.15], [0.33, 0.15], [0.3, 0.47], ...arc(0.49, 0.65, 0.21, 0.21, Math.PI * 1.3, Math.PI * 2.75, 8)]],
  [[[0.67, 0.16], [0.45, 0.17], [0.32, 0.35], ...arc(0.5, 0.66, 0.19, 0.2, Math.PI, Math.PI * 3, 12)]],
  [[[0.25, 0.15], [0.76, 0.15], [0.42, 0.87]]],
  [arc(0.5, 0.31, 0.17, 0.17, 0, 2 * Math.PI, 12), arc(0.5, 0.67, 0.21, 0.19, 0, 2 * Math.PI, 12)],
  [arc(0.48, 0.34, 0.19, 0.19, 0, 2 * Math.PI, 12), [[0.67, 0.34], [0.6, 0.87]]],
];

/** How glyphs are drawn (see {@link renderGlyph}). */
export interface GlyphStyle {
  /** Side of the square image in pixels (default 12). */
  size?: number;
  /** Standard deviation of the Gaussian pixel noise (default 0.1). */
  noise?: number;
}

function checkStyle(op: string, size: number, noise: number): void {
  if (!Number.isInteger(size) || size < 8 || size > 64) throw new ArgumentError(op, `size must be an integer in [8, 64], got ${size}`);
  if (!Number.isFinite(noise) || noise < 0) throw new ArgumentError(op, `noise must be a finite number >= 0, got ${noise}`);
}

/**
 * Draws one glyph of class `cls` (0–9) as a `size`×`size` image (rows of pixel values, about 0
 * background to 1 ink, plus noise): the class's strokes under a random affine jitter (rotation
 * ±0.2 rad, scale 0.85–1.1 per axis, shear ±0.15, shift ±0.08 of the side), a random stroke
 * half-width of 0.03–0.07 of the side, anti-aliased over one pixel, then N(0, noise²) per pixel.
 */
export function renderGlyph(cls: number, rng: Rng, style: GlyphStyle = {}): number[][] {
  const size = style.size ?? 12, noise = style.noise ?? 0.1;
  checkStyle('renderGlyph', size, noise);
  if (!Number.isInteger(cls) || cls < 0 || cls >= GLYPH_CLASSES) throw new ArgumentError('renderGlyph', `class must be an integer in [0, ${GLYPH_CLASSES}), got ${cls}`);
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();
  const rot = u(-0.2, 0.2), sx = u(0.85, 1.1), sy = u(0.85, 1.1), shear = u(-0.15, 0.15);
  const tx = u(-0.08, 0.08), ty = u(-0.08, 0.08), half = u(0.03, 0.07);
  const c = Math.cos(rot), s = Math.sin(rot);
  // Jitter about the centre, then to pixel units.
  const place = ([x, y]: Pt): Pt => {
    const px = (x - 0.5) * sx + shear * (y - 0.5) * sy, py = (y - 0.5) * sy;
    return [(c * px - s * py + 0.5 + tx) * size, (s * px + c * py + 0.5 + ty) * size];
  };
  const segs: [Pt, Pt][] = [];
  for (const line of STROKES[cls]!) {
    const pts = line.map(place);
    for (let i = 0; i + 1 < pts.length; i++) segs.push([pts[i]!, pts[i + 1]!]);
  }
  const w = half * size;
  return Array.from({ length: size }, (_, r) => Array.from({ length: size }, (_, col) => {
    const d = Math.min(...segs.map(([a, b]) => segmentDistance(col + 0.5, r + 0.5, a, b)));
    const ink = Math.min(1, Math.max(0, 1 - (d - w)));
    return ink + noise * rng.normal();
  }));
}

/** Distance from (x, y) to the segment a–b. */
function segmentDistance(x: number, y: number, a: Pt, b: Pt): number {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.min(1, Math.max(0, ((x - a[0]) * dx + (y - a[1]) * dy) / len2)) : 0;
  return Math.hypot(x - a[0] - t * dx, y - a[1] - t * dy);
}

/** Options of {@link glyphs}. */
export interface GlyphOptions extends GlyphStyle {
  /** 'pixel': one pixel per step (T = size², the sMNIST way); 'row': one row per step (T = size). */
  mode?: 'pixel' | 'row';
}

/**
 * Sequential glyph classification, a generated stand-in for sequential MNIST (LSSL benchmark c):
 * a random class 0–9, its glyph drawn by {@link renderGlyph}, fed in raster order pixel by pixel
 * (inputDim 1, T = size²) or row by row (inputDim size, T = size), and classified after the last
 * step. The length is fixed by the image: train and test ranges are [T, T], and `example` accepts
 * only T.
 */
export function glyphs(options: GlyphOptions = {}): Task {
  const size = options.size ?? 12, noise = options.noise ?? 0.1, mode = options.mode ?? 'pixel';
  checkStyle('glyphs', size, noise);
  if (mode !== 'pixel' && mode !== 'row') throw new ArgumentError('glyphs', `mode must be pixel or row, got '${String(mode)}'`);
  const T = mode === 'pixel' ? size * size : size;
  return {
    name: 'glyphs',
    description: `classify generated ${size}×${size} digit glyphs (10 classes, noise ${noise}) fed ${mode === 'pixel' ? 'pixel by pixel' : 'row by row'}, T = ${T}`,
    kind: 'classify', perStep: false, inputDim: mode === 'pixel' ? 1 : size, numClasses: GLYPH_CLASSES,
    trainLengths: [T, T], testLengths: [T, T],
    example(rng, length) {
      if (length !== T) throw new ArgumentError('task glyphs', `length must be ${T} (the ${mode === 'pixel' ? 'pixels' : 'rows'} of a ${size}×${size} image), got ${length}`);
      const cls = rng.int(GLYPH_CLASSES);
      const img = renderGlyph(cls, rng, { size, noise });
      return { input: mode === 'pixel' ? img.flat().map((v) => [v]) : img, target: cls };
    },
  };
}
