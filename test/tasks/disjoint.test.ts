import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { setDisjointness, sharedToken } from '../../src/tasks/disjoint.js';

test('shared token by hand', () => {
  assert.equal(sharedToken([1, 5, 6, 2, 7, 6, 3]), 6);
  assert.equal(sharedToken([1, 9, 2, 4, 8, 9, 3]), 9);
  assert.throws(() => sharedToken([1, 5, 2, 7, 3]), /share exactly one token, they share 0/);
  assert.throws(() => sharedToken([5, 2, 7, 3]), ArgumentError);
  assert.throws(() => sharedToken([1, 5, 2, 3]), ArgumentError);
});

// Splits an input [1] A [2] B [3] into its lists.
function lists(input: number[]): { a: number[]; b: number[] } {
  const sep = input.indexOf(2);
  return { a: input.slice(1, sep), b: input.slice(sep + 1, -1) };
}

for (const vocabSize of [16, 2048]) {
  test(`vocab ${vocabSize}: [1] A [2] B [3] with distinct lists from disjoint halves sharing one token`, () => {
    const task = setDisjointness({ vocabSize });
    const rng = new Rng(1);
    const maxLength = vocabSize - 4;
    let aShorter = 0, aLonger = 0;
    for (const length of [2, 3, 12, ...(vocabSize > 16 ? [20, 272, 784, 2044] : [])]) {
      for (let n = 0; n < 30; n++) {
        const { input, target } = task.example(rng, length) as { input: number[]; target: number };
        assert.equal(input[0], 1);
        assert.equal(input.at(-1), 3);
        assert.equal(input.filter((t) => t === 2).length, 1);
        assert.equal(input.length, length + 3);
        const { a, b } = lists(input);
        assert.ok(a.length >= 1 && b.length >= 1 && a.length <= maxLength / 2 && b.length <= maxLength / 2);
        assert.ok([...a, ...b].every((t) => Number.isInteger(t) && t >= 4 && t < vocabSize));
        assert.equal(new Set(a).size, a.length);
        assert.equal(new Set(b).size, b.length);
        assert.deepEqual(a.filter((t) => b.includes(t)), [target]);
        assert.equal(target, sharedToken(input));
        assert.ok(target < task.numClasses!);
        if (a.length < b.length) aShorter++;
        if (a.length > b.length) aLonger++;
      }
    }
    assert.ok(aShorter > 0 && aLonger > 0, 'both orders occur');
  });
}

test('defaults: vocab 2048, classify over the vocabulary, train 20-272, test 272-784', () => {
  const task = setDisjointness();
  assert.equal(task.vocabSize, 2048);
  assert.equal(task.numClasses, 2048);
  assert.equal(task.kind, 'classify');
  assert.equal(task.tokens!.length, 2048);
  assert.deepEqual(task.trainLengths, [20, 272]);
  assert.deepEqual(task.testLengths, [272, 784]);
  assert.deepEqual(setDisjointness({ vocabSize: 16 }).testLengths, [12, 12]);
});

test('same seed, same example', () => {
  const task = setDisjointness();
  assert.deepEqual(task.example(new Rng(5), 40), task.example(new Rng(5), 40));
});

test('bad vocabulary or length is an ArgumentError', () => {
  assert.throws(() => setDisjointness({ vocabSize: 5 }), /vocabSize must be an integer >= 6/);
  const task = setDisjointness({ vocabSize: 16 });
  assert.throws(() => task.example(new Rng(0), 1), ArgumentError);
  assert.throws(() => task.example(new Rng(0), 13), /length must be <= 12/);
});
