import type { Task } from './types.js';
import { checkLength } from './util.js';

/** Number of positions on the cycle. */
export const CYCLE_SIZE = 5;

/** Moves of the action tokens 0, 1, 2 (STAY, +1, −1). */
const MOVES = [0, 1, CYCLE_SIZE - 1];

/**
 * Cycle navigation (Appendix A.8, Delétang et al.'s Chomsky-hierarchy task): L uniform actions
 * STAY (token 0), +1 (token 1), −1 (token 2) move a pointer on a 5-cycle that starts at 0; the
 * label is the final position. `length` is L; train 1-40, test 41-256.
 */
export function cycleNav(): Task {
  return {
    name: 'cycle-nav', description: 'cycle navigation: final position on a 5-cycle after random STAY/+1/-1 moves (train 1-40, test 41-256)',
    kind: 'classify', perStep: false, vocabSize: 3, numClasses: CYCLE_SIZE, tokens: ['STAY', '+1', '-1'],
    trainLengths: [1, 40], testLengths: [41, 256],
    example(rng, length) {
      checkLength('cycle-nav', length, 1);
      const input = Array.from({ length }, () => rng.int(3));
      return { input, target: input.reduce((pos, a) => (pos + MOVES[a]!) % CYCLE_SIZE, 0) };
    },
  };
}
