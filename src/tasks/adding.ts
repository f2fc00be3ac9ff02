import type { Task } from './types.js';
import { checkLength } from './util.js';

/**
 * The adding problem (Hochreiter & Schmidhuber 1997): T steps of (u_t ~ U[0,1], marker m_t) with
 * exactly two markers, one in each half; the target is Σ m_t u_t. Predicting the mean scores
 * MSE ≈ 0.167. `length` is T.
 */
export function adding(): Task {
  return {
    name: 'adding', description: 'adding problem: sum the two marked values of a noisy sequence (MSE, mean baseline 0.167)',
    kind: 'regress', perStep: false, inputDim: 2, outputDim: 1,
    trainLengths: [50, 100], testLengths: [100, 400],
    example(rng, length) {
      checkLength('adding', length, 2);
      const half = Math.floor(length / 2);
      const a = rng.int(half), b = half + rng.int(length - half);
      const input = Array.from({ length }, (_, t) => [rng.uniform(), t === a || t === b ? 1 : 0]);
      return { input, target: [input[a]![0]! + input[b]![0]!] };
    },
  };
}
