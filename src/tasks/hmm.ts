import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import { IGNORE } from './types.js';
import type { Task } from './types.js';
import { checkLength } from './util.js';

/** Transition structure of the hidden chain. */
export type HmmTopology = 'chain' | 'cyclic' | 'full';

/** Hidden states and output symbols (P15's 3 × 3 setting). */
export const HMM_STATES = 3;
/** See {@link HMM_STATES}. */
export const HMM_OUTPUTS = 3;

/** The parameters of an HMM: rows are probability distributions. */
export interface HmmParams {
  /** Initial state distribution (uniform). */
  start: number[];
  /** `transition[i][j]` = P(state j at t+1 | state i at t). */
  transition: number[][];
  /** `emission[i][k]` = P(symbol k | state i). */
  emission: number[][];
}

/**
 * P15's HMM (its code's `stay_prob` / `fully` transitions and `gaussian` emissions):
 * - chain: stay with `stay`; an end state moves to its one neighbour with 1 − stay, the middle
 *   state to each neighbour with (1 − stay)/2;
 * - cyclic: stay with `stay`, else move one step forward on the ring 0 → 1 → 2 → 0 (P15 names a
 *   cyclic variant without defining it; a both-ways ring on 3 states would equal `full`);
 * - full: stay with `stay`, else each other state with (1 − stay)/2.
 *
 * Emissions: state i is centred on symbol c_i (centres evenly spaced over 0..2, so c_i = i) and
 * weights symbol k by exp(−0.2·(|k − c_i| / (0.1·2))²) = exp(−5(k − c_i)²), normalised per row.
 */
export function hmmParams(topology: HmmTopology, stay = 0.95): HmmParams {
  const op = 'hmmParams';
  if (!(stay >= 0 && stay <= 1)) throw new ArgumentError(op, `stay must be in [0, 1], got ${stay}`);
  const n = HMM_STATES, move = 1 - stay;
  const transition = Array.from({ length: n }, (_, i) => {
    const row = new Array<number>(n).fill(0);
    row[i] = stay;
    if (topology === 'chain') {
      if (i === 0) row[1] = move;
      else if (i === n - 1) row[n - 2] = move;
      else row[i - 1] = row[i + 1] = move / 2;
    } else if (topology === 'cyclic') {
      row[(i + 1) % n] = move;
    } else if (topology === 'full') {
      for (let j = 0; j < n; j++) if (j !== i) row[j] = move / (n - 1);
    } else {
      throw new ArgumentError(op, `topology must be chain, cyclic or full, got ${String(topology)}`);
    }
    return row;
  });
  const emission = Array.from({ length: n }, (_, i) => {
    const centre = (i * (HMM_OUTPUTS - 1)) / (n - 1);
    const w = Array.from({ length: HMM_OUTPUTS }, (_, k) => Math.exp(-0.2 * (Math.abs(k - centre) / (0.1 * (HMM_OUTPUTS - 1))) ** 2));
    const z = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / z);
  });
  return { start: new Array<number>(n).fill(1 / n), transition, emission };
}

// Index drawn from the distribution `p`.
function draw(rng: Rng, p: readonly number[]): number {
  let u = rng.uniform();
  for (let i = 0; i < p.length - 1; i++) if ((u -= p[i]!) < 0) return i;
  return p.length - 1;
}

/** Options of {@link hmm}. */
export interface HmmOptions {
  /** Transition structure (default `'chain'`, P15's main setting). */
  topology?: HmmTopology;
  /** Probability of staying in a state (default 0.95). */
  stay?: number;
}

/**
 * HMM emissions (Appendix A.13, P15): sequences of a 3-state, 3-symbol HMM (`hmmParams`)
 * as next-symbol language modelling: input = the emissions, target at t = the emission at t+1
 * (IGNORE at the last step). `length` is the number of emissions; train 150 (P15's length), test
 * 150-600.
 */
export function hmm(options: HmmOptions = {}): Task {
  const topology = options.topology ?? 'chain';
  const params = hmmParams(topology, options.stay ?? 0.95);
  const name = `hmm-${topology}`;
  return {
    name, description: `HMM emissions (${topology}, 3 states, 3 symbols): predict the next symbol (train 150 steps, test 150-600)`,
    kind: 'tag', perStep: true, vocabSize: HMM_OUTPUTS, numClasses: HMM_OUTPUTS, tokens: ['0', '1', '2'],
    trainLengths: [150, 150], testLengths: [150, 600],
    example(rng, length) {
      checkLength(name, length, 1);
      let state = draw(rng, params.start);
      const input: number[] = [];
      for (let t = 0; t < length; t++) {
        if (t > 0) state = draw(rng, params.transition[state]!);
        input.push(draw(rng, params.emission[state]!));
      }
      return { input, target: input.map((_, t) => (t + 1 < length ? input[t + 1]! : IGNORE)) };
    },
  };
}
