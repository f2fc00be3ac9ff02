import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import { IGNORE } from './types.js';
import type { Example, Task } from './types.js';
import { checkLength, intBetween, sampleDistinct } from './util.js';

/** Number of letters; letter ids are 0-17 (`a`-`r`). */
export const DFA_LETTERS = 18;
/** Token id of the string separator `|`. */
export const DFA_SEP = 18;
/** Token id of the pad `.` (in the vocabulary as in P33; the generator never emits it). */
export const DFA_PAD = 19;
/** Token names: `a`-`r`, `|`, `.`. */
export const DFA_TOKENS: readonly string[] = [...Array.from({ length: DFA_LETTERS }, (_, i) => String.fromCharCode(97 + i)), '|', '.'];

/**
 * A partial DFA over the 18 letters whose states are all accepting, so its language is the set
 * of letter strings that trace a path from state 0.
 */
export interface Dfa {
  /** States after minimisation (state 0 is the start). */
  readonly numStates: number;
  /** Letters the DFA was drawn over (sorted; some may label no edge). */
  readonly alphabet: readonly number[];
  /** `next[state][letter]` = next state, or −1 where there is no edge. */
  readonly next: readonly (readonly number[])[];
}

// Keeps the states reachable from 0 and merges equivalent ones (Moore refinement: with every
// state accepting, two states are equivalent when they have edges on the same letters into
// equivalent states), renumbered in breadth-first order from the start.
function minimise(next: number[][]): number[][] {
  const order: number[] = [0];
  const seen = new Set(order);
  for (let k = 0; k < order.length; k++) {
    for (const t of next[order[k]!]!) if (t >= 0 && !seen.has(t)) seen.add(t), order.push(t);
  }
  let block = new Map(order.map((s) => [s, 0]));
  for (;;) {
    const keys = new Map<string, number>();
    const refined = new Map<number, number>();
    for (const s of order) {
      const key = `${block.get(s)}:${next[s]!.map((t) => (t < 0 ? -1 : block.get(t))).join(',')}`;
      if (!keys.has(key)) keys.set(key, keys.size);
      refined.set(s, keys.get(key)!);
    }
    const stable = keys.size === new Set(block.values()).size;
    block = refined;
    if (stable) break;
  }
  // Renumber blocks in breadth-first order from the start so equal DFAs look equal.
  const rep = new Map<number, number>(); // block -> a state in it
  for (const s of order) if (!rep.has(block.get(s)!)) rep.set(block.get(s)!, s);
  const id = new Map<number, number>([[block.get(0)!, 0]]);
  const queue = [block.get(0)!];
  for (let k = 0; k < queue.length; k++) {
    for (const t of next[rep.get(queue[k]!)!]!) {
      if (t < 0) continue;
      const b = block.get(t)!;
      if (!id.has(b)) id.set(b, id.size), queue.push(b);
    }
  }
  return queue.map((b) => next[rep.get(b)!]!.map((t) => (t < 0 ? -1 : id.get(block.get(t)!)!)));
}

/**
 * Draws a DFA as in P33 (Appendix A.11): 4-12 states, an alphabet of 4-18 of the 18 letters,
 * every state with 1-3 outgoing edges on distinct letters of that alphabet to distinct states
 * other than itself, all states accepting; then trimmed to the states reachable from 0 and
 * minimised (neither changes the language).
 */
export function sampleDfa(rng: Rng): Dfa {
  const n = intBetween(rng, 4, 12);
  const alphabet = sampleDistinct(rng, DFA_LETTERS, intBetween(rng, 4, DFA_LETTERS)).sort((a, b) => a - b);
  const next = Array.from({ length: n }, (_, s) => {
    const row = new Array<number>(DFA_LETTERS).fill(-1);
    const k = intBetween(rng, 1, 3);
    const letters = sampleDistinct(rng, alphabet.length, k).map((i) => alphabet[i]!);
    // Targets: k distinct states among the n−1 others.
    const targets = sampleDistinct(rng, n - 1, k).map((t) => (t >= s ? t + 1 : t));
    letters.forEach((c, i) => (row[c] = targets[i]!));
    return row;
  });
  const min = minimise(next);
  return { numStates: min.length, alphabet, next: min };
}

/** Whether the letter ids `letters` trace a path from the start state of `dfa` (i.e. are in its language). */
export function dfaAccepts(dfa: Dfa, letters: readonly number[]): boolean {
  let s = 0;
  for (const c of letters) {
    s = dfa.next[s]?.[c] ?? -1;
    if (s < 0) return false;
  }
  return true;
}

/** A random string of `length` letters of `dfa`'s language: a walk from the start taking a uniform outgoing edge at every step. */
export function sampleDfaString(rng: Rng, dfa: Dfa, length: number): number[] {
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < length; i++) {
    const row = dfa.next[s]!;
    const options: number[] = [];
    row.forEach((t, c) => t >= 0 && options.push(c));
    // Every state keeps at least one edge through trimming and minimisation, so options is never empty.
    const c = options[rng.int(options.length)]!;
    out.push(c);
    s = row[c]!;
  }
  return out;
}

/**
 * In-context DFA languages (Appendix A.11, P33): per sequence a fresh random DFA (`sampleDfa`), then
 * 10-20 of its strings, each of U{1..49} letters, joined by `|`; next-token language modelling
 * (target at t = input at t+1, IGNORE at the last step). `length` is the maximum number of tokens:
 * longer sequences are cut there (as P33 cuts at its input length; a cut string is still a path
 * prefix), shorter ones are left short. Train 64-256, test 257-999 (999 = 20 strings of 49 letters).
 */
export function dfaLanguages(): Task {
  return {
    name: 'dfa-icl', description: 'in-context DFA languages: next letter of strings from a fresh random DFA per sequence (train 64-256 tokens, test 257-999)',
    kind: 'tag', perStep: true, vocabSize: DFA_TOKENS.length, numClasses: DFA_TOKENS.length, tokens: DFA_TOKENS,
    trainLengths: [64, 256], testLengths: [257, 999],
    example(rng, length) {
      const { input, target } = dfaExample(rng, length);
      return { input, target };
    },
  };
}

/** A `dfa-icl` example together with the DFA its strings come from (what the validity metric needs). */
export interface DfaExample extends Example {
  /** Token ids: letters and separators. */
  input: number[];
  /** Next token at every step; IGNORE at the last. */
  target: number[];
  /** The sequence's DFA. */
  dfa: Dfa;
}

/**
 * Draws one `dfa-icl` example of at most `length` tokens and keeps its DFA. The task's `example`
 * is this without the DFA (same draws, so the same rng gives the same sequence either way).
 */
export function dfaExample(rng: Rng, length: number): DfaExample {
  checkLength('dfa-icl', length, 2);
  const dfa = sampleDfa(rng);
  const count = intBetween(rng, 10, 20);
  const input: number[] = [];
  for (let k = 0; k < count && input.length < length; k++) {
    if (k > 0) input.push(DFA_SEP);
    input.push(...sampleDfaString(rng, dfa, intBetween(rng, 1, 49)));
  }
  input.length = Math.min(input.length, length);
  return { input, target: input.map((_, t) => (t + 1 < input.length ? input[t + 1]! : IGNORE)), dfa };
}

/** Greedy predictions judged by the sequence's DFA: how many were scored, how many were valid. */
export interface DfaValidity {
  /** Positions scored. */
  total: number;
  /** Scored positions whose prediction extends the current string along an edge of the DFA. */
  valid: number;
  /** The same two counts per string of the sequence (index k: the (k+1)-th string), to see
   *  validity grow with the strings already in context. */
  byString: {
    /** Positions scored in this string. */
    total: number;
    /** Of those, predictions valid under the DFA. */
    valid: number;
  }[];
}

/**
 * P33's DFA accuracy for one sequence (its `_get_dfa_accuracy`): at every position t whose next
 * input token is a letter (so not where a string ends, nor at the last step, whose next token is
 * unknown), the model's prediction `predictions[t]` is valid when the current string — the letters
 * since the last `|` up to and including t, possibly none — followed by the predicted token is
 * still a path of `dfa`. A predicted `|` or `.` is never valid there (the string goes on). Unlike
 * token accuracy, any letter the DFA allows counts, not only the one the sampler drew.
 */
export function dfaValidity(dfa: Dfa, input: readonly number[], predictions: readonly number[]): DfaValidity {
  const op = 'dfaValidity';
  if (predictions.length < input.length) throw new ArgumentError(op, `${predictions.length} predictions for ${input.length} input tokens`);
  let total = 0;
  let valid = 0;
  const byString = [{ total: 0, valid: 0 }];
  let state = 0; // the DFA state after the current string's letters
  for (let t = 0; t < input.length; t++) {
    const x = input[t]!;
    if (x === DFA_SEP) state = 0, byString.push({ total: 0, valid: 0 });
    else if (x >= 0 && x < DFA_LETTERS) {
      state = state >= 0 ? (dfa.next[state]?.[x] ?? -1) : -1;
      // A string off the DFA cannot come from its sampler: the metric is undefined there.
      if (state < 0) throw new ArgumentError(op, `input letter ${x} at step ${t} leaves the DFA`);
    } else throw new ArgumentError(op, `token ${x} at step ${t} is neither a letter (0-17) nor the separator (18)`);
    const next = input[t + 1];
    if (next === undefined || next === DFA_SEP) continue;
    const p = predictions[t]!;
    const ok = p >= 0 && p < DFA_LETTERS && dfa.next[state]![p]! >= 0;
    const here = byString[byString.length - 1]!;
    total++, here.total++;
    if (ok) valid++, here.valid++;
  }
  return { total, valid, byString };
}

/** Splits a DFA-task token sequence at `|` into its letter strings (for checks and metrics). */
export function splitDfaStrings(tokens: readonly number[]): number[][] {
  const out: number[][] = [[]];
  for (const t of tokens) {
    if (t === DFA_SEP) out.push([]);
    else if (t >= 0 && t < DFA_LETTERS) out[out.length - 1]!.push(t);
    else throw new ArgumentError('splitDfaStrings', `token ${t} is neither a letter (0-17) nor the separator (18)`);
  }
  return out;
}
