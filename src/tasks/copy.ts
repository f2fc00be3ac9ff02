import { ArgumentError } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import { IGNORE, type Example, type Task } from './types.js';
import { checkLength } from './util.js';

/** Token that ends the question: the answer starts at the next step. */
export const COPY_SEP = 10;
/** Placeholder input at each answer step (the model writes the answer digit there). */
export const COPY_BLANK = 11;
/** Token between the two numbers of {@link additionTask}. */
export const COPY_PLUS = 12;

const TOKENS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '=', '_', '+'];

/** Copy example for given digits: input `d ‖ COPY_SEP ‖ COPY_BLANK×L`, target IGNORE on the question and `d` after it. */
export function copyExample(digits: readonly number[]): Example {
  checkDigits('copyExample', 'digits', digits);
  return answerAfter(digits, [...digits]);
}

/** Reverse example for given digits: as {@link copyExample}, with the answer reversed. */
export function reverseExample(digits: readonly number[]): Example {
  checkDigits('reverseExample', 'digits', digits);
  return answerAfter(digits, [...digits].reverse());
}

/**
 * Addition example for two L-digit numbers written little-endian (least significant digit first): input
 * `a ‖ COPY_PLUS ‖ b ‖ COPY_SEP ‖ COPY_BLANK×(L+1)`, target IGNORE on the question and the L+1 digits of a + b, also
 * little-endian (the last one is the carry, possibly 0).
 */
export function additionExample(a: readonly number[], b: readonly number[]): Example {
  checkDigits('additionExample', 'a', a);
  checkDigits('additionExample', 'b', b);
  if (a.length !== b.length) {
    throw new ArgumentError('additionExample', `a and b must have the same number of digits, got ${a.length} and ${b.length}`);
  }
  const sum: number[] = [];
  let carry = 0;
  for (let i = 0; i < a.length; i++) {
    const s = a[i]! + b[i]! + carry;
    sum.push(s % 10);
    carry = s >= 10 ? 1 : 0;
  }
  sum.push(carry);
  return answerAfter([...a, COPY_PLUS, ...b], sum);
}

/**
 * Copy (A.3, Universal-Transformer style): L random digits, a separator, then L blanks at which the model
 * writes the digits back. `length` is L: train 1-20, test 40-80. Tag task, labels only at the answer steps.
 */
export function copyTask(): Task {
  return digitTask('copy', 'copy L digits after a separator (train L 1-20, test 40-80)', 12, (rng, n) => copyExample(randomDigits(rng, n)));
}

/** Reverse (A.3): as {@link copyTask}, but the digits are written back in reverse order. */
export function reverseTask(): Task {
  return digitTask('reverse', 'write L digits back reversed after a separator (train L 1-20, test 40-80)', 12,
    (rng, n) => reverseExample(randomDigits(rng, n)));
}

/**
 * Addition (A.3): two L-digit numbers (uniform digits, so leading zeros occur) and their L+1-digit sum, all
 * little-endian. A left-to-right reader then meets each digit pair before the sum digit that needs it and
 * carries one bit forward; big-endian would need the whole number before the first answer digit.
 * `length` is L: train 1-20, test 40-80.
 */
export function additionTask(): Task {
  return digitTask('addition', 'add two L-digit numbers, digits least significant first (train L 1-20, test 40-80)', 13,
    (rng, n) => additionExample(randomDigits(rng, n), randomDigits(rng, n)));
}

function digitTask(name: string, description: string, vocabSize: number, make: (rng: Rng, n: number) => Example): Task {
  return {
    name, description, kind: 'tag', perStep: true, vocabSize, numClasses: 10, tokens: TOKENS.slice(0, vocabSize),
    trainLengths: [1, 20], testLengths: [40, 80],
    example(rng, length) {
      checkLength(name, length, 1);
      return make(rng, length);
    },
  };
}

// The answer comes after the separator because a recurrent model reads left to right: it has seen the whole
// question before the first answer step.
function answerAfter(question: readonly number[], answer: readonly number[]): Example {
  return {
    input: [...question, COPY_SEP, ...answer.map(() => COPY_BLANK)],
    target: [...question.map(() => IGNORE), IGNORE, ...answer],
  };
}

function randomDigits(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.int(10));
}

function checkDigits(op: string, name: string, digits: readonly number[]): void {
  if (digits.length === 0) throw new ArgumentError(op, `${name} must hold at least one digit`);
  const bad = digits.find((d) => !Number.isInteger(d) || d < 0 || d > 9);
  if (bad !== undefined) throw new ArgumentError(op, `${name} must hold digits 0-9, got ${bad}`);
}
