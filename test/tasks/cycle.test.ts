import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { cycleNav } from '../../src/tasks/cycle.js';

test('final positions by hand', () => {
  const t = cycleNav();
  // Recompute with an independent walk: STAY=0, +1=1, -1=2.
  const walk = (xs: number[]): number => xs.reduce((p, a) => (((p + [0, 1, -1][a]!) % 5) + 5) % 5, 0);
  assert.equal(walk([1, 1, 1]), 3);
  assert.equal(walk([2]), 4); // −1 from 0 wraps to 4
  assert.equal(walk([1, 2, 0, 2, 2]), 3); // +1 −1 stay −1 −1 = −2 ≡ 3
  assert.equal(walk([1, 1, 1, 1, 1, 1]), 1);
  for (let seed = 0; seed < 50; seed++) {
    const ex = t.example(new Rng(seed), 1 + (seed % 40));
    const input = ex.input as number[];
    assert.equal(ex.target, walk(input));
    assert.ok(input.every((a) => a >= 0 && a < t.vocabSize!));
    assert.ok((ex.target as number) < t.numClasses!);
  }
});

test('a one-move example ends where that move leads', () => {
  const t = cycleNav();
  for (let seed = 0; seed < 20; seed++) {
    const ex = t.example(new Rng(seed), 1);
    assert.equal(ex.target, [0, 1, 4][(ex.input as number[])[0]!]);
  }
});

test('determinism and bad lengths', () => {
  const t = cycleNav();
  assert.deepEqual(t.example(new Rng(3), 30), t.example(new Rng(3), 30));
  assert.throws(() => t.example(new Rng(3), 0), ArgumentError);
  assert.throws(() => t.example(new Rng(3), -1), ArgumentError);
  assert.deepEqual(t.trainLengths, [1, 40]);
  assert.deepEqual(t.testLengths, [41, 256]);
});
