import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import type { Task } from './types.js';
import { checkLength } from './util.js';

/** Reber symbols; token id = index. */
export const REBER_TOKENS: readonly string[] = ['B', 'E', 'P', 'S', 'T', 'V', 'X'];

/** Longest string the generators draw (path counts stay far below the float64 range). */
export const REBER_MAX_LENGTH = 1000;

const SYMBOLS = REBER_TOKENS.length;
const id = (s: string): number => REBER_TOKENS.indexOf(s);

/** A deterministic automaton over the Reber symbols with one accepting state and no edges out of it. */
interface Automaton {
  /** `next[state * SYMBOLS + symbol]` = next state, or −1 (reject). */
  next: number[];
  size: number;
  accept: number;
  /** `counts[k][s]` = number of strings of exactly k symbols that lead from `s` to `accept`. */
  counts: Float64Array[];
}

function build(embedded: boolean): Automaton {
  const next: number[] = [];
  let size = 0;
  const state = (): number => {
    next.push(...new Array<number>(SYMBOLS).fill(-1));
    return size++;
  };
  const edge = (from: number, sym: string, to: number): void => {
    next[from * SYMBOLS + id(sym)] = to;
  };
  // The Reber grammar (Reber 1967, as in Hochreiter & Schmidhuber 1997): B, then a walk over six
  // nodes that each offer two symbols, then E.
  const reber = (from: number, to: number): void => {
    const n = Array.from({ length: 6 }, state);
    edge(from, 'B', n[0]!);
    edge(n[0]!, 'T', n[1]!), edge(n[0]!, 'P', n[2]!);
    edge(n[1]!, 'S', n[1]!), edge(n[1]!, 'X', n[3]!);
    edge(n[2]!, 'T', n[2]!), edge(n[2]!, 'V', n[4]!);
    edge(n[3]!, 'X', n[2]!), edge(n[3]!, 'S', n[5]!);
    edge(n[4]!, 'P', n[3]!), edge(n[4]!, 'V', n[5]!);
    edge(n[5]!, 'E', to);
  };
  const start = state();
  const accept = state();
  if (!embedded) {
    reber(start, accept);
  } else {
    // Embedded: B, T or P, a Reber string, the same T or P again, E. Two copies of the inner
    // automaton remember the choice, which is what makes the second-last symbol long-range.
    const [b, t, p, tEnd, pEnd, last] = Array.from({ length: 6 }, state) as [number, number, number, number, number, number];
    edge(start, 'B', b);
    edge(b, 'T', t), edge(b, 'P', p);
    reber(t, tEnd), reber(p, pEnd);
    edge(tEnd, 'T', last), edge(pEnd, 'P', last);
    edge(last, 'E', accept);
  }
  const first = new Float64Array(size);
  first[accept] = 1;
  return { next, size, accept, counts: [first] };
}

const automata = { plain: build(false), embedded: build(true) };

function automaton(embedded: boolean): Automaton {
  return embedded ? automata.embedded : automata.plain;
}

// Extends the path counts up to strings of `k` symbols.
function countsUpTo(a: Automaton, k: number): Float64Array[] {
  while (a.counts.length <= k) {
    const prev = a.counts[a.counts.length - 1]!;
    const cur = new Float64Array(a.size);
    for (let s = 0; s < a.size; s++) {
      for (let c = 0; c < SYMBOLS; c++) {
        const t = a.next[s * SYMBOLS + c]!;
        if (t >= 0) cur[s]! += prev[t]!;
      }
    }
    a.counts.push(cur);
  }
  return a.counts;
}

/**
 * Whether `symbols` (a string such as `'BTXSE'` or an array of one-letter symbols) is a string of
 * the Reber grammar, or of the embedded Reber grammar when `embedded`. Any other letter rejects.
 */
export function reberAccepts(symbols: string | readonly string[], embedded: boolean): boolean {
  const a = automaton(embedded);
  let s = 0;
  for (const sym of symbols) {
    const c = id(sym);
    s = c < 0 ? -1 : a.next[s * SYMBOLS + c]!;
    if (s < 0) return false;
  }
  return s === a.accept;
}

/** Shortest string of the grammar: 5 symbols (BTXSE), 9 when embedded (BTBTXSETE). */
export function reberMinLength(embedded: boolean): number {
  return embedded ? 9 : 5;
}

/**
 * Draws a string of the (embedded) Reber grammar. Without `length`: the classic generator, a
 * random walk that takes each of a node's two symbols with probability ½. With `length`: uniform
 * over all grammar strings of exactly `length` symbols (weighted by path counts), so string length
 * can be controlled without rejection sampling.
 */
export function sampleReber(rng: Rng, embedded: boolean, length?: number): string {
  const a = automaton(embedded);
  let out = '';
  let s = 0;
  if (length === undefined) {
    while (s !== a.accept) {
      const options: number[] = [];
      for (let c = 0; c < SYMBOLS; c++) if (a.next[s * SYMBOLS + c]! >= 0) options.push(c);
      const c = options[rng.int(options.length)]!;
      out += REBER_TOKENS[c]!;
      s = a.next[s * SYMBOLS + c]!;
    }
    return out;
  }
  const min = reberMinLength(embedded);
  if (!Number.isInteger(length) || length < min || length > REBER_MAX_LENGTH) {
    throw new ArgumentError('sampleReber', `length must be an integer in [${min}, ${REBER_MAX_LENGTH}], got ${length}`);
  }
  const counts = countsUpTo(a, length);
  for (let left = length; left > 0; left--) {
    const after = counts[left - 1]!;
    let u = rng.uniform() * counts[left]![s]!;
    // Rounding can leave u a hair above zero after the last option, hence "last viable" by default.
    let pick = -1;
    for (let c = 0; c < SYMBOLS; c++) {
      const t = a.next[s * SYMBOLS + c]!;
      if (t < 0 || after[t] === 0) continue;
      pick = c;
      u -= after[t]!;
      if (u < 0) break;
    }
    out += REBER_TOKENS[pick]!;
    s = a.next[s * SYMBOLS + pick]!;
  }
  return out;
}

// Replaces one symbol by another of the 7 so that the grammar rejects the result. Random
// positions first; replacing the leading B always works, so it is the fallback.
function corrupt(rng: Rng, valid: string, embedded: boolean): string {
  for (let attempt = 0; attempt < 64; attempt++) {
    const pos = rng.int(valid.length);
    const sym = (id(valid[pos]!) + 1 + rng.int(SYMBOLS - 1)) % SYMBOLS;
    const bad = valid.slice(0, pos) + REBER_TOKENS[sym]! + valid.slice(pos + 1);
    if (!reberAccepts(bad, embedded)) return bad;
  }
  return REBER_TOKENS[1 + rng.int(SYMBOLS - 1)]! + valid.slice(1);
}

/** Options of {@link reber}. */
export interface ReberOptions {
  /** The embedded Reber grammar (default false). */
  embedded?: boolean;
}

/**
 * Reber-grammar validity (P3): half the examples are grammar strings, half are grammar strings
 * with one symbol replaced by another of B E P S T V X so that the automaton rejects them; label 1
 * = valid. `length` is the exact string length (valid and invalid strings of one length, so
 * length is no cue); strings are uniform over the grammar's strings of that length. P3's dataset
 * corrupts with any letter A-Z, which a model spots by vocabulary alone; here corruptions stay
 * in the 7 symbols. Plain: train 5-30, test 31-120; embedded: train 9-54 (P3's lengths), test 55-200.
 */
export function reber(options: ReberOptions = {}): Task {
  const embedded = options.embedded ?? false;
  const name = embedded ? 'reber-embedded' : 'reber';
  const min = reberMinLength(embedded);
  return {
    name, description: `${embedded ? 'embedded ' : ''}Reber grammar: is the string valid or one symbol off? (balanced; train ${embedded ? '9-54' : '5-30'} symbols)`,
    kind: 'classify', perStep: false, vocabSize: SYMBOLS, numClasses: 2, tokens: REBER_TOKENS,
    trainLengths: embedded ? [9, 54] : [5, 30], testLengths: embedded ? [55, 200] : [31, 120],
    example(rng, length) {
      checkLength(name, length, min);
      if (length > REBER_MAX_LENGTH) throw new ArgumentError(`task ${name}`, `length must be <= ${REBER_MAX_LENGTH}, got ${length}`);
      const valid = rng.int(2);
      let s = sampleReber(rng, embedded, length);
      if (!valid) s = corrupt(rng, s, embedded);
      return { input: Array.from(s, id), target: valid };
    },
  };
}
