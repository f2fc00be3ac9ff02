import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { evaluate, MOD_ARITH_TOKENS, modArith } from '../../src/tasks/modarith.js';

const enc = (s: string): number[] => s.split(' ').map((c) => MOD_ARITH_TOKENS.indexOf(c));

test('values by hand, with × before + and −, left to right', () => {
  assert.equal(evaluate(enc('3')), 3);
  assert.equal(evaluate(enc('1 + 2 * 3')), 2); // 1 + 6 = 7 ≡ 2
  assert.equal(evaluate(enc('1 - 1 - 1')), 4); // (1 − 1) − 1 = −1 ≡ 4, not 1 − (1 − 1)
  assert.equal(evaluate(enc('0 * 1 + 4 * 3 - 2')), 0); // 0 + 12 − 2 = 10
  assert.equal(evaluate(enc('2 - 3 * 4')), 0); // 2 − 12 = −10 ≡ 0, not (2 − 3)·4 = −4 ≡ 1
  assert.equal(evaluate(enc('4 * 4 * 4')), 4); // 64 ≡ 4
  assert.equal(evaluate(enc('2 + 3 - 4 * 2 * 3 + 1')), 2); // 5 − 24 + 1 = −18 ≡ 2
});

test('examples: alternating operands/operators, label = evaluate, ids in range', () => {
  const t = modArith();
  for (let seed = 0; seed < 50; seed++) {
    const n = 1 + (seed % 20);
    const ex = t.example(new Rng(seed), n);
    const input = ex.input as number[];
    assert.equal(input.length, 2 * n - 1);
    input.forEach((v, i) => assert.ok(i % 2 === 0 ? v < 5 : v >= 5 && v < t.vocabSize!));
    assert.equal(ex.target, evaluate(input));
    assert.ok((ex.target as number) < t.numClasses!);
  }
});

test('determinism and bad input', () => {
  const t = modArith();
  assert.deepEqual(t.example(new Rng(9), 12), t.example(new Rng(9), 12));
  assert.throws(() => t.example(new Rng(9), 0), ArgumentError);
  assert.throws(() => evaluate([]), ArgumentError);
  assert.throws(() => evaluate([1, 5]), ArgumentError);
  assert.throws(() => evaluate([1, 2, 3]), ArgumentError); // operand where an operator belongs
  assert.throws(() => evaluate([7]), ArgumentError); // operator where an operand belongs
});
