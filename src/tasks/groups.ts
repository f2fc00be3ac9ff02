import { ArgumentError } from '../errors.js';
import type { Task } from './types.js';
import { checkLength } from './util.js';

/** The groups of the word problem: symmetric groups S3, S4, S5 and the alternating group A5. */
export type GroupName = 'S3' | 'S4' | 'A5' | 'S5';

/** The group names {@link groupWords} accepts. */
export const GROUP_NAMES: readonly GroupName[] = ['S3', 'S4', 'A5', 'S5'];

/** A permutation of {0, …, n−1} in one-line notation: `p[i]` is the image of `i`. */
export type Permutation = readonly number[];

/**
 * Composition `a∘b`: apply `b` first, then `a`, so `(a∘b)[i] = a[b[i]]`. This is the one
 * convention every task in this file uses.
 */
export function compose(a: Permutation, b: Permutation): number[] {
  if (a.length !== b.length) throw new ArgumentError('compose', `permutations of different sizes ${a.length} and ${b.length}`);
  return b.map((x) => {
    const y = a[x];
    if (y === undefined) throw new ArgumentError('compose', `${x} is not a point of a permutation of size ${a.length}`);
    return y;
  });
}

interface GroupData {
  elements: readonly Permutation[];
  /** `table[i * size + j]` = index of `elements[i] ∘ elements[j]`. */
  table: Int32Array;
}

const cache = new Map<GroupName, GroupData>();

// All permutations of {0..n-1} in lexicographic order of their one-line notation.
function permutations(n: number): number[][] {
  const out: number[][] = [];
  // Choosing the images in increasing order at every position yields lexicographic order.
  const rec = (prefix: number[], left: number[]): void => {
    if (left.length === 0) {
      out.push(prefix);
      return;
    }
    for (let i = 0; i < left.length; i++) rec([...prefix, left[i]!], [...left.slice(0, i), ...left.slice(i + 1)]);
  };
  rec([], Array.from({ length: n }, (_, i) => i));
  return out;
}

// Even iff n minus the number of cycles is even.
function isEven(p: Permutation): boolean {
  const seen = new Array<boolean>(p.length).fill(false);
  let cycles = 0;
  for (let i = 0; i < p.length; i++) {
    if (seen[i]) continue;
    cycles++;
    for (let j = i; !seen[j]; j = p[j]!) seen[j] = true;
  }
  return (p.length - cycles) % 2 === 0;
}

function groupData(group: GroupName): GroupData {
  let data = cache.get(group);
  if (data) return data;
  if (!GROUP_NAMES.includes(group)) throw new ArgumentError('groupWords', `group must be one of ${GROUP_NAMES.join(', ')}, got ${String(group)}`);
  const n = Number(group.slice(1));
  let elements: Permutation[] = permutations(n);
  if (group === 'A5') elements = elements.filter(isEven);
  const index = new Map(elements.map((p, i) => [p.join(','), i]));
  const size = elements.length;
  const table = new Int32Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) table[i * size + j] = index.get(compose(elements[i]!, elements[j]!).join(','))!;
  }
  data = { elements, table };
  cache.set(group, data);
  return data;
}

/**
 * The fixed enumeration of `group`: the permutations of {0, …, n−1} in lexicographic order of
 * their one-line notation (A5: only the even permutations of 5 points, still in that order).
 * Token id = index in this list; index 0 is the identity.
 */
export function groupElements(group: GroupName): readonly Permutation[] {
  return groupData(group).elements;
}

/** Options of {@link groupWords}. */
export interface GroupWordsOptions {
  /** Which group (default `'S3'`, the smallest non-abelian one). */
  group?: GroupName;
}

/**
 * Group word problem (Appendix A.7, Merrill et al.): L uniform group elements g₁…g_L; the label at
 * step t is the index of the running product g₁∘g₂∘…∘g_t (see `compose` in src/tasks/groups.ts for the
 * convention and `groupElements` for the enumeration). `length` is L; train 2-32, test 32-256.
 */
export function groupWords(options: GroupWordsOptions = {}): Task {
  const group = options.group ?? 'S3';
  const { elements, table } = groupData(group);
  const size = elements.length;
  const name = `group-${group.toLowerCase()}`;
  return {
    name, description: `${group} word problem: the running product of random group elements at every step (train 2-32, test 32-256)`,
    kind: 'tag', perStep: true, vocabSize: size, numClasses: size, tokens: elements.map((p) => p.join('')),
    trainLengths: [2, 32], testLengths: [32, 256],
    example(rng, length) {
      checkLength(name, length, 1);
      const input = Array.from({ length }, () => rng.int(size));
      // Running product: prefix_t = prefix_{t-1} ∘ g_t, starting from the identity (index 0).
      let acc = 0;
      return { input, target: input.map((g) => (acc = table[acc * size + g]!)) };
    },
  };
}
