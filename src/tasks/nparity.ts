import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import type { Task } from './types.js';
import { checkLength, intBetween } from './util.js';

/** N-parity label (A.2): the parity of the last `n` bits of `bits`. */
export function nParityLabel(bits: readonly number[], n: number): number {
  checkWindow('nParityLabel', bits, n, 1);
  let p = 0;
  for (let i = bits.length - n; i < bits.length; i++) p ^= bits[i]!;
  return p;
}

/** N-DMS label (A.2): 1 when `bits[M − n]` equals the last bit `bits[M − 1]` (0-based, M = bits.length), else 0. */
export function nDmsLabel(bits: readonly number[], n: number): number {
  checkWindow('nDmsLabel', bits, n, 2);
  return bits[bits.length - n] === bits[bits.length - 1] ? 1 : 0;
}

/**
 * N-parity (A.2, the timescale-curriculum task): M ~ U{N+2..4N+1} bits, each 1 with a probability p ~ U(0,1)
 * drawn per sequence; the label, read after the last bit, is the parity of the last N bits. `length` is N, so
 * train 2-10 (where a plain RNN still learns it) and test 10-20. N is not shown to the model: train on one N
 * at a time (a curriculum raises it), not on a mix of N. Tokens 0 and 1.
 */
export function nParity(): Task {
  return {
    name: 'n-parity', description: 'parity of the last N of N+2..4N+1 biased bits, label at the end (train N 2-10, test 10-20)',
    kind: 'classify', perStep: false, vocabSize: 2, numClasses: 2, tokens: ['0', '1'],
    trainLengths: [2, 10], testLengths: [10, 20],
    example(rng, length) {
      checkLength('n-parity', length, 1);
      // A per-sequence bias (the source's choice) makes long runs of 0s or 1s common, so the model cannot
      // shortcut the window by counting a balanced stream.
      const p = rng.uniform();
      const input = Array.from({ length: seqLength(rng, length) }, () => (rng.uniform() < p ? 1 : 0));
      return { input, target: nParityLabel(input, length) };
    },
  };
}

/**
 * N-DMS, delayed match-to-sample (A.2): M ~ U{N+2..4N+1} balanced bits; the label, read after the last bit, is
 * 1 when the bit N steps back (`x[M−N]`) equals the last one. `length` is N (>= 2; N = 1 compares a bit with
 * itself): train 2-10, test 10-20, one N at a time as for {@link nParity}. Tokens 0 and 1.
 */
export function nDms(): Task {
  return {
    name: 'n-dms', description: 'does the bit N steps back match the last bit of N+2..4N+1 bits (train N 2-10, test 10-20)',
    kind: 'classify', perStep: false, vocabSize: 2, numClasses: 2, tokens: ['0', '1'],
    trainLengths: [2, 10], testLengths: [10, 20],
    example(rng, length) {
      checkLength('n-dms', length, 2);
      // Balanced bits: with a biased stream most pairs would match and one class would dominate.
      const input = Array.from({ length: seqLength(rng, length) }, () => rng.int(2));
      return { input, target: nDmsLabel(input, length) };
    },
  };
}

// M ~ U{N+2..4N+1}: always longer than the window, so the earlier bits are distractors to forget.
function seqLength(rng: Rng, n: number): number {
  return intBetween(rng, n + 2, 4 * n + 1);
}

function checkWindow(op: string, bits: readonly number[], n: number, min: number): void {
  if (!Number.isInteger(n) || n < min || n > bits.length) {
    throw new ArgumentError(op, `n must be an integer in [${min}, bits.length = ${bits.length}], got ${n}`);
  }
}
