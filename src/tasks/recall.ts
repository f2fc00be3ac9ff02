import { ArgumentError } from '../errors.js';
import type { Task } from './types.js';
import { checkLength } from './util.js';

/** Delayed-recall targets: `y[t] = u[t − delay]`, and 0 for `t < delay` (nothing to recall yet). */
export function delayedTargets(u: readonly number[], delay: number): number[] {
  checkDelay('delayedTargets', delay);
  return u.map((_, t) => (t < delay ? 0 : u[t - delay]!));
}

/**
 * Delayed recall (LSSL long-memory benchmark b): white noise u_t ~ N(0,1) in (inputDim 1), and at every step
 * the target y_t = u_{t−D}. For t < D the target is 0, a choice of ours (the benchmark leaves it open): the
 * mean of the noise, quickly learnt, but those D easy steps dilute the mean MSE, so compare models at equal
 * T and D. `length` is T (> D); train T in [2D, 4D], test [4D, 16D], i.e. 32-64 and 64-256 for the default
 * D = 16.
 */
export function delayedRecall({ delay = 16 }: { delay?: number } = {}): Task {
  checkDelay('delayedRecall', delay);
  const name = 'delayed-recall';
  return {
    name,
    description: `recall white noise ${delay} steps later, regression at every step (train T ${2 * delay}-${4 * delay}, test ${4 * delay}-${16 * delay})`,
    kind: 'regress', perStep: true, inputDim: 1, outputDim: 1,
    trainLengths: [2 * delay, 4 * delay], testLengths: [4 * delay, 16 * delay],
    example(rng, length) {
      // At least one step has something to recall.
      checkLength(name, length, delay + 1);
      const u = Array.from({ length }, () => rng.normal());
      return { input: u.map((x) => [x]), target: delayedTargets(u, delay).map((y) => [y]) };
    },
  };
}

function checkDelay(op: string, delay: number): void {
  if (!Number.isInteger(delay) || delay < 1) throw new ArgumentError(op, `delay must be an integer >= 1, got ${delay}`);
}
