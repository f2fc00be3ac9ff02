import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import { IGNORE, type Task } from './types.js';
import { checkLength, sampleDistinct } from './util.js';

/** Options of {@link mqar}. */
export interface MqarOptions {
  /** V: keys come from [1, V/2), values from [V/2, V) (halves rounded down). Default 256 (CPU scale). */
  vocabSize?: number;
  /** K key-value pairs per sequence, each queried once. Default 8. */
  numPairs?: number;
  /** P: the key-value block is repeated P times before the queries (JRT prompting). Default 1. */
  numPasses?: number;
  /** Power-law exponent a of the query gaps, p(i) ∝ a·i^(a−1); 1 is uniform. Default 0.01. */
  powerA?: number;
}

/**
 * Labels of an MQAR input, found from the input alone: in the query region (after the first 2KP tokens), a
 * context key at an even offset is labelled with its value; IGNORE elsewhere. This is the layout the generator
 * writes, with one difference: a random filler token that happens to equal a key at an even offset is labelled
 * here, while the generator (like Zoology) labels only the K true queries.
 */
export function mqarLabels(input: readonly number[], numPairs: number, numPasses = 1): number[] {
  checkPositiveInt('mqarLabels', 'numPairs', numPairs);
  checkPositiveInt('mqarLabels', 'numPasses', numPasses);
  const context = 2 * numPairs * numPasses;
  if (input.length < context) {
    throw new ArgumentError('mqarLabels', `input of length ${input.length} is shorter than its ${context}-token key-value context`);
  }
  const valueOf = new Map<number, number>();
  for (let i = 0; i < numPairs; i++) valueOf.set(input[2 * i]!, input[2 * i + 1]!);
  return input.map((tok, t) => (t >= context && (t - context) % 2 === 0 ? valueOf.get(tok) ?? IGNORE : IGNORE));
}

/**
 * Multi-query associative recall (A.4, Zoology's `multiquery_ar`): K pairs k₁ v₁ … k_K v_K (distinct keys from
 * [1, V/2), distinct values from [V/2, V)), repeated P times; then each key once more, at even offsets 2·gap of
 * the remaining L − 2KP steps, gaps drawn without replacement with p(gap + 1) ∝ a·(gap + 1)^(a−1) (short gaps
 * likely, as for repeated bigrams in text). The target at a query key is its value, IGNORE elsewhere; every
 * other step holds a uniform random token in [0, V). `length` is L, with 2KP + 2K <= L < V (odd L allowed: the
 * last step is filler). Defaults give train L 64-128 and test 128-255 (the CPU grid 64/128/256, capped by V).
 */
export function mqar({ vocabSize = 256, numPairs = 8, numPasses = 1, powerA = 0.01 }: MqarOptions = {}): Task {
  checkPositiveInt('mqar', 'vocabSize', vocabSize);
  checkPositiveInt('mqar', 'numPairs', numPairs);
  checkPositiveInt('mqar', 'numPasses', numPasses);
  if (!(powerA > 0 && Number.isFinite(powerA))) throw new ArgumentError('mqar', `powerA must be a finite number > 0, got ${powerA}`);
  const context = 2 * numPairs * numPasses;
  const minLength = context + 2 * numPairs, maxLength = vocabSize - 1;
  if (minLength > maxLength) {
    throw new ArgumentError('mqar', `2·numPairs·numPasses + 2·numPairs = ${minLength} must be < vocabSize = ${vocabSize} (2KP + 2K <= L < V)`);
  }
  // The CPU grid clipped to what the options allow.
  const clip = (n: number) => Math.min(Math.max(n, minLength), maxLength);
  const trainLengths = [clip(64), clip(128)] as const, testLengths = [clip(128), clip(256)] as const;
  const half = Math.floor(vocabSize / 2);
  const name = 'mqar';
  return {
    name,
    description: `multi-query associative recall, ${numPairs} pairs × ${numPasses} pass${numPasses > 1 ? 'es' : ''}, vocab ${vocabSize} `
      + `(train L ${trainLengths.join('-')}, test ${testLengths.join('-')})`,
    kind: 'tag', perStep: true, vocabSize, numClasses: vocabSize, trainLengths, testLengths,
    example(rng, length) {
      checkLength(name, length, minLength);
      if (length >= vocabSize) throw new ArgumentError(`task ${name}`, `length must be < vocabSize = ${vocabSize} (L < V), got ${length}`);
      const keys = sampleDistinct(rng, half - 1, numPairs).map((k) => k + 1);
      const values = sampleDistinct(rng, vocabSize - half, numPairs).map((v) => v + half);
      const input: number[] = [];
      for (let p = 0; p < numPasses; p++) for (let i = 0; i < numPairs; i++) input.push(keys[i]!, values[i]!);
      // NaN marks the free steps: they get filler once the queries are placed.
      for (let t = context; t < length; t++) input.push(NaN);
      const target = new Array<number>(length).fill(IGNORE);
      const gaps = powerLawGaps(rng, Math.floor((length - context) / 2), numPairs, powerA);
      gaps.forEach((g, i) => {
        input[context + 2 * g] = keys[i]!;
        target[context + 2 * g] = values[i]!;
      });
      for (let t = context; t < length; t++) if (Number.isNaN(input[t])) input[t] = rng.int(vocabSize);
      return { input, target };
    },
  };
}

// `k` distinct gaps from [0, space), drawn one after another with weight a·(g + 1)^(a−1) among those left
// (what numpy's weighted choice without replacement does).
function powerLawGaps(rng: Rng, space: number, k: number, a: number): number[] {
  const w = Array.from({ length: space }, (_, g) => a * (g + 1) ** (a - 1));
  const gaps: number[] = [];
  for (let i = 0; i < k; i++) {
    let u = rng.uniform() * w.reduce((s, x) => s + x, 0), g = 0, last = -1;
    for (; g < space; g++) {
      if (w[g] === 0) continue;
      last = g;
      if ((u -= w[g]!) < 0) break;
    }
    // Rounding can walk past the end; the last gap still free is then the draw.
    if (g === space) g = last;
    gaps.push(g);
    w[g] = 0;
  }
  return gaps;
}

function checkPositiveInt(op: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ArgumentError(op, `${name} must be an integer >= 1, got ${value}`);
}
