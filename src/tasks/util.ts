import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';

/** Throws unless `length` is an integer >= `min` (generators call it first). */
export function checkLength(task: string, length: number, min: number): void {
  if (!Number.isInteger(length) || length < min) throw new ArgumentError(`task ${task}`, `length must be an integer >= ${min}, got ${length}`);
}

/** Uniform integer in [lo, hi] (inclusive). */
export function intBetween(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/** `k` distinct integers from [0, n) in random order (partial Fisher-Yates). */
export function sampleDistinct(rng: Rng, n: number, k: number): number[] {
  if (k > n) throw new ArgumentError('sampleDistinct', `cannot draw ${k} distinct values from ${n}`);
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k);
}

/** Shuffles `xs` in place. */
export function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
