import { ArgumentError } from '../errors.js';
import type { Task } from './types.js';
import { checkLength, intBetween, sampleDistinct, shuffle } from './util.js';

/** Special tokens of {@link setDisjointness}: 0 mask (unused in inputs), 1 prefix, 2 list separator, 3 answer separator. */
export const DISJOINT_MASK = 0, DISJOINT_PREFIX = 1, DISJOINT_SEP = 2, DISJOINT_ANSWER = 3;

const SPECIALS = 4;

/** The token shared by lists A and B of an input `[1] A [2] B [3]` (the label of {@link setDisjointness}). */
export function sharedToken(input: readonly number[]): number {
  const sep = input.indexOf(DISJOINT_SEP);
  if (input[0] !== DISJOINT_PREFIX || sep < 2 || input.at(-1) !== DISJOINT_ANSWER || sep > input.length - 3) {
    throw new ArgumentError('sharedToken', 'input must read [1] A [2] B [3] with non-empty lists A and B');
  }
  const inB = new Set(input.slice(sep + 1, -1));
  const shared = input.slice(1, sep).filter((t) => inB.has(t));
  if (shared.length !== 1) throw new ArgumentError('sharedToken', `lists A and B must share exactly one token, they share ${shared.length}`);
  return shared[0]!;
}

/**
 * Set disjointness (A.5, JRT's `disjoint_sets`): the non-special tokens are shuffled into two halves; list A
 * (size s) is drawn from one, list B (size l) from the other, both without replacement, and one random element
 * of A overwrites a random position of B. Input `[1] A [2] B [3]`; the label, read at the final [3], is the
 * shared token (numClasses = vocabSize). `length` is s + l, split at random with s ~ U{1..length−1} (within
 * the halves' sizes), so both orders, short list first and long list first, occur. Train 20-272, test 272-784:
 * the totals of the JRT size pairs, from (4,16) to (16,256) and up to (16,768). The two halves split the
 * vocabSize − 4 ordinary tokens evenly (the source gives the first vocabSize/2 of them to A).
 */
export function setDisjointness({ vocabSize = 2048 }: { vocabSize?: number } = {}): Task {
  if (!Number.isInteger(vocabSize) || vocabSize < SPECIALS + 2) {
    throw new ArgumentError('setDisjointness', `vocabSize must be an integer >= ${SPECIALS + 2}, got ${vocabSize}`);
  }
  const halfA = Math.floor((vocabSize - SPECIALS) / 2), halfB = vocabSize - SPECIALS - halfA;
  const maxLength = halfA + halfB;
  const clip = (n: number) => Math.min(n, maxLength);
  const trainLengths = [clip(20), clip(272)] as const, testLengths = [clip(272), clip(784)] as const;
  const name = 'set-disjointness';
  const tokens = ['<mask>', '<prefix>', '<sep>', '<ans>', ...Array.from({ length: vocabSize - SPECIALS }, (_, i) => String(i + SPECIALS))];
  return {
    name,
    description: `name the one token two lists share, [1] A [2] B [3], vocab ${vocabSize} (train s+l ${trainLengths.join('-')}, test ${testLengths.join('-')})`,
    kind: 'classify', perStep: false, vocabSize, numClasses: vocabSize, tokens,
    trainLengths, testLengths,
    example(rng, length) {
      checkLength(name, length, 2);
      if (length > maxLength) {
        throw new ArgumentError(`task ${name}`, `length must be <= ${maxLength} (each list holds distinct tokens of its half of the vocabulary), got ${length}`);
      }
      const s = intBetween(rng, Math.max(1, length - halfB), Math.min(length - 1, halfA));
      const l = length - s;
      // A fresh split of the vocabulary per example, so no token is tied to one list.
      const perm = shuffle(rng, Array.from({ length: vocabSize - SPECIALS }, (_, i) => i + SPECIALS));
      const a = sampleDistinct(rng, halfA, s).map((i) => perm[i]!);
      const b = sampleDistinct(rng, halfB, l).map((i) => perm[halfA + i]!);
      const shared = a[rng.int(s)]!;
      b[rng.int(l)] = shared;
      return { input: [DISJOINT_PREFIX, ...a, DISJOINT_SEP, ...b, DISJOINT_ANSWER], target: shared };
    },
  };
}
