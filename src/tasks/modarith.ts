import { ArgumentError } from '../errors.js';
import type { Task } from './types.js';
import { checkLength } from './util.js';

/** Modulus of the values. */
export const MOD_ARITH_MODULUS = 5;

/** Token names: operands 0-4 are their own ids, then + (5), − (6), × (7). */
export const MOD_ARITH_TOKENS: readonly string[] = ['0', '1', '2', '3', '4', '+', '-', '*'];

const PLUS = 5, MINUS = 6, TIMES = 7;

/**
 * Value mod 5 of `a₁ op₁ a₂ op₂ … a_n` given as token ids. Standard precedence: × binds tighter
 * than + and −, and equal precedence groups left to right; this is what Delétang et al.'s
 * generator computes (1+2×3 = 2, 1−1−1 = 4, 0×1+4×3−2 = 0, all mod 5).
 */
export function evaluate(tokens: readonly number[]): number {
  const op = 'modArith evaluate';
  if (tokens.length % 2 !== 1) throw new ArgumentError(op, `an expression has an odd number of tokens (operand, operator, ..., operand), got ${tokens.length}`);
  tokens.forEach((t, i) => {
    const ok = i % 2 === 0 ? Number.isInteger(t) && t >= 0 && t < MOD_ARITH_MODULUS : t === PLUS || t === MINUS || t === TIMES;
    if (!ok) throw new ArgumentError(op, `token ${t} at position ${i} is not ${i % 2 === 0 ? 'an operand 0-4' : 'an operator 5-7'}`);
  });
  // Sum of signed products: a product runs until the next + or −, whose sign applies to the next one.
  let sum = 0, sign = 1, term = tokens[0]!;
  for (let i = 1; i < tokens.length; i += 2) {
    const x = tokens[i + 1]!;
    if (tokens[i] === TIMES) {
      term = (term * x) % MOD_ARITH_MODULUS;
    } else {
      sum += sign * term;
      sign = tokens[i] === PLUS ? 1 : -1;
      term = x;
    }
  }
  sum += sign * term;
  return ((sum % MOD_ARITH_MODULUS) + MOD_ARITH_MODULUS) % MOD_ARITH_MODULUS;
}

/**
 * Modular arithmetic without brackets (Appendix A.9): n uniform operands in 0-4 alternating with
 * n−1 uniform operators + − ×, label = value mod 5 with standard precedence (see
 * `evaluate` in src/tasks/modarith.ts). `length` is n, the number of operands (2n−1 tokens): train 1-20 (up to 39
 * tokens, the Chomsky-hierarchy training limit of 40), test 21-128 (41-255 tokens).
 */
export function modArith(): Task {
  return {
    name: 'mod-arith', description: 'modular arithmetic: value mod 5 of a bracket-free + - * expression, * first (train 1-20 operands, test 21-128)',
    kind: 'classify', perStep: false, vocabSize: MOD_ARITH_TOKENS.length, numClasses: MOD_ARITH_MODULUS, tokens: MOD_ARITH_TOKENS,
    trainLengths: [1, 20], testLengths: [21, 128],
    example(rng, length) {
      checkLength('mod-arith', length, 1);
      const input: number[] = [rng.int(MOD_ARITH_MODULUS)];
      for (let i = 1; i < length; i++) input.push(PLUS + rng.int(3), rng.int(MOD_ARITH_MODULUS));
      return { input, target: evaluate(input) };
    },
  };
}
