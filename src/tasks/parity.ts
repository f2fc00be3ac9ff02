import type { Task } from './types.js';
import { checkLength } from './util.js';

/**
 * Parity of a bit string (Appendix A.1), label at the end: train lengths 3..40, test 40..256
 * (the Chomsky-hierarchy / DeltaProduct setting). Tokens 0 and 1.
 */
export function parity(): Task {
  return {
    name: 'parity', description: 'parity of a random bit string, label after the last bit (train 3-40 bits, test 40-256)',
    kind: 'classify', perStep: false, vocabSize: 2, numClasses: 2, tokens: ['0', '1'],
    trainLengths: [3, 40], testLengths: [40, 256],
    example(rng, length) {
      checkLength('parity', length, 1);
      const input = Array.from({ length }, () => rng.int(2));
      return { input, target: input.reduce((a, b) => a ^ b, 0) };
    },
  };
}

/** Running parity (A.1 c): the parity of the prefix is the label at every step. */
export function runningParity(): Task {
  return {
    name: 'parity-running', description: 'running parity: the parity of every prefix of a bit string (train 3-40, test 40-256)',
    kind: 'tag', perStep: true, vocabSize: 2, numClasses: 2, tokens: ['0', '1'],
    trainLengths: [3, 40], testLengths: [40, 256],
    example(rng, length) {
      checkLength('parity-running', length, 1);
      const input = Array.from({ length }, () => rng.int(2));
      let p = 0;
      return { input, target: input.map((b) => (p ^= b)) };
    },
  };
}

/**
 * Padded parity (A.1 a, the representational-guidance setting): L ~ U{2..50} bits followed by
 * one pad token (2), label Σ mod 2 read at the pad. `length` here is the number of bits.
 */
export function paddedParity(): Task {
  return {
    name: 'parity-padded', description: 'parity of 2-50 bits followed by a pad token that asks for the answer (test 50-200)',
    kind: 'classify', perStep: false, vocabSize: 3, numClasses: 2, tokens: ['0', '1', '<pad>'],
    trainLengths: [2, 50], testLengths: [50, 200],
    example(rng, length) {
      checkLength('parity-padded', length, 1);
      const bits = Array.from({ length }, () => rng.int(2));
      return { input: [...bits, 2], target: bits.reduce((a, b) => a ^ b, 0) };
    },
  };
}

