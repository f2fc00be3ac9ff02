import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import type { Task } from './types.js';
import { checkLength, intBetween, sampleDistinct, shuffle } from './util.js';

/** Special tokens of {@link setDisjointness}: 0 mask (unused in inputs), 1 prefix, 2 list separator, 3 answer separator. */
export const DISJOINT_MASK = 0, DISJOINT_PREFIX = 1, DISJOINT_SEP = 2, DISJOINT_ANSWER = 3;

const SPECIALS = 4;

/** Which list comes first in {@link setDisjointness}: the shorter, the longer, or either. */
export type DisjointOrder = 'mixed' | 'short-first' | 'long-first';

/** The valid values of {@link DisjointOrder}. */
export const DISJOINT_ORDERS: readonly DisjointOrder[] = ['mixed', 'short-first', 'long-first'];

/** Options of {@link setDisjointness}. */
export interface SetDisjointnessOptions {
  /** Vocabulary size, the four special tokens included. Default 2048 (the paper's). */
  vocabSize?: number;
  /**
   * 'short-first': list A is the shorter (|A| <= |B|); 'long-first': list A is the longer; 'mixed' (default):
   * with no size fixed, the split of `length` between A and B is uniform (so both orders occur), and with a
   * size fixed, each order comes half the time.
   */
  order?: DisjointOrder;
  /** Size of the shorter list; unset: drawn per example from what `length` allows. */
  shortSize?: number;
  /** Size of the longer list; unset: drawn per example from what `length` allows. */
  longSize?: number;
  /** P: the lists `[1] A [2] B` are shown P times before the answer separator (JRT prompting). Default 1. */
  numPasses?: number;
}

/**
 * The token shared by lists A and B of an input `([1] A [2] B)×P [3]` (the label of {@link setDisjointness}):
 * the P copies of the context must be identical, and A and B must share exactly one token.
 */
export function sharedToken(input: readonly number[], numPasses = 1): number {
  if (!Number.isInteger(numPasses) || numPasses < 1) throw new ArgumentError('sharedToken', `numPasses must be an integer >= 1, got ${numPasses}`);
  const span = (input.length - 1) / numPasses;
  if (input.at(-1) !== DISJOINT_ANSWER || !Number.isInteger(span)) {
    throw new ArgumentError('sharedToken', `input must read ([1] A [2] B)×${numPasses} [3]`);
  }
  const context = input.slice(0, span);
  for (let p = 1; p < numPasses; p++) {
    if (input.slice(p * span, (p + 1) * span).some((t, i) => t !== context[i])) {
      throw new ArgumentError('sharedToken', `pass ${p + 1} of the context differs from pass 1`);
    }
  }
  const sep = context.indexOf(DISJOINT_SEP);
  if (context[0] !== DISJOINT_PREFIX || sep < 2 || sep > context.length - 2) {
    throw new ArgumentError('sharedToken', 'input must read [1] A [2] B [3] with non-empty lists A and B');
  }
  const inB = new Set(context.slice(sep + 1));
  const shared = context.slice(1, sep).filter((t) => inB.has(t));
  if (shared.length !== 1) throw new ArgumentError('sharedToken', `lists A and B must share exactly one token, they share ${shared.length}`);
  return shared[0]!;
}

/**
 * Set disjointness (A.5, JRT's `disjoint_sets`): the non-special tokens are shuffled into two parts; list A is
 * drawn from one, list B from the other, both without replacement, and one random element of A overwrites a
 * random position of B. Input `[1] A [2] B [3]`; the label, read at the final [3], is the shared token
 * (numClasses = vocabSize). `length` is |A| + |B|, the tokens of one pass without the specials. By default the
 * split of `length` is uniform, so both orders, short list first and long list first, occur; `order` fixes which
 * list comes first and `shortSize` / `longSize` fix the sizes (the JRT size pairs). With `numPasses` P the
 * context `[1] A [2] B` is repeated P times before [3] (JRT-Prompt), so the input holds P·(length + 2) + 1 tokens.
 * Default lengths: train 20-272, test 272-784 (the totals of the JRT size pairs, from (4,16) to (16,256) and up
 * to (16,768)), clipped to what the vocabulary and fixed sizes allow; with both sizes fixed, only their sum.
 * The two parts split the vocabSize − 4 ordinary tokens evenly (the source gives the first vocabSize/2 to A).
 */
export function setDisjointness(options: SetDisjointnessOptions = {}): Task {
  const { vocabSize = 2048, order = 'mixed', shortSize, longSize, numPasses = 1 } = options;
  const op = 'setDisjointness';
  if (!Number.isInteger(vocabSize) || vocabSize < SPECIALS + 2) {
    throw new ArgumentError(op, `vocabSize must be an integer >= ${SPECIALS + 2}, got ${vocabSize}`);
  }
  if (!DISJOINT_ORDERS.includes(order)) throw new ArgumentError(op, `order must be one of ${DISJOINT_ORDERS.join(', ')}, got '${String(order)}'`);
  if (!Number.isInteger(numPasses) || numPasses < 1) throw new ArgumentError(op, `numPasses must be an integer >= 1, got ${numPasses}`);
  const ordinary = vocabSize - SPECIALS;
  const halfA = Math.floor(ordinary / 2), halfB = ordinary - halfA;
  // The shorter list draws from the smaller part (halfA), the longer from the larger (halfB).
  for (const [key, v, cap] of [['shortSize', shortSize, halfA], ['longSize', longSize, halfB]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > cap)) {
      throw new ArgumentError(op, `${key} must be an integer in [1, ${cap}] (distinct tokens of its half of the vocabulary), got ${v}`);
    }
  }
  if (shortSize !== undefined && longSize !== undefined && shortSize > longSize) {
    throw new ArgumentError(op, `shortSize (${shortSize}) must be <= longSize (${longSize})`);
  }
  // The lengths `length` may take: both sizes fixed pins it, one fixed bounds it.
  const minLength = shortSize !== undefined && longSize !== undefined ? shortSize + longSize
    : shortSize !== undefined ? 2 * shortSize : longSize !== undefined ? longSize + 1 : 2;
  const maxLength = shortSize !== undefined && longSize !== undefined ? shortSize + longSize
    : shortSize !== undefined ? shortSize + halfB : longSize !== undefined ? longSize + Math.min(longSize, halfA) : halfA + halfB;
  const clip = (n: number) => Math.min(Math.max(n, minLength), maxLength);
  const trainLengths = [clip(20), clip(272)] as const, testLengths = [clip(272), clip(784)] as const;
  const name = 'set-disjointness';
  const tokens = ['<mask>', '<prefix>', '<sep>', '<ans>', ...Array.from({ length: ordinary }, (_, i) => String(i + SPECIALS))];
  const fixed = shortSize !== undefined || longSize !== undefined;
  const what = [
    order !== 'mixed' ? order : '', shortSize !== undefined ? `short ${shortSize}` : '', longSize !== undefined ? `long ${longSize}` : '',
    numPasses > 1 ? `${numPasses} passes` : '',
  ].filter(Boolean).join(', ');
  return {
    name,
    description: `name the one token two lists share, [1] A [2] B [3], vocab ${vocabSize}${what ? `, ${what}` : ''} `
      + `(train |A|+|B| ${trainLengths.join('-')}, test ${testLengths.join('-')})`,
    kind: 'classify', perStep: false, vocabSize, numClasses: vocabSize, tokens,
    trainLengths, testLengths,
    example(rng, length) {
      checkLength(name, length, 2);
      if (length < minLength || length > maxLength) {
        throw new ArgumentError(`task ${name}`, `length (|A| + |B|) must be in [${minLength}, ${maxLength}] with these sizes and vocabulary, got ${length}`);
      }
      // A fresh split of the vocabulary per example, so no token is tied to one list.
      const split = () => shuffle(rng, Array.from({ length: ordinary }, (_, i) => i + SPECIALS));
      let a: number[], b: number[];
      if (order === 'mixed' && !fixed) {
        // The original draw, kept draw for draw: |A| uniform over the splits the halves allow.
        const s = intBetween(rng, Math.max(1, length - halfB), Math.min(length - 1, halfA));
        const perm = split();
        a = sampleDistinct(rng, halfA, s).map((i) => perm[i]!);
        b = sampleDistinct(rng, halfB, length - s).map((i) => perm[halfA + i]!);
      } else {
        const [short, long] = splitSizes(rng, length, halfA, halfB, shortSize, longSize);
        const perm = split();
        const shortList = sampleDistinct(rng, halfA, short).map((i) => perm[i]!);
        const longList = sampleDistinct(rng, halfB, long).map((i) => perm[halfA + i]!);
        const shortFirst = order === 'short-first' || (order === 'mixed' && rng.uniform() < 0.5);
        [a, b] = shortFirst ? [shortList, longList] : [longList, shortList];
      }
      const shared = a[rng.int(a.length)]!;
      b[rng.int(b.length)] = shared;
      const context = [DISJOINT_PREFIX, ...a, DISJOINT_SEP, ...b];
      const input: number[] = [];
      for (let p = 0; p < numPasses; p++) input.push(...context);
      input.push(DISJOINT_ANSWER);
      return { input, target: shared };
    },
  };
}

// (short, long) sizes summing to `length`: the fixed ones as given, the rest drawn uniformly from what is valid
// (short <= long, short <= halfA, long <= halfB). The caller has checked `length` against the bounds.
function splitSizes(rng: Rng, length: number, halfA: number, halfB: number, shortSize?: number, longSize?: number): [number, number] {
  if (shortSize !== undefined) return [shortSize, length - shortSize];
  if (longSize !== undefined) return [length - longSize, longSize];
  const short = intBetween(rng, Math.max(1, length - halfB), Math.min(Math.floor(length / 2), halfA));
  return [short, length - short];
}
