import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { IGNORE as _ } from '../../src/tasks/types.js';
import {
  COPY_BLANK, COPY_PLUS, COPY_SEP, additionExample, additionTask, copyExample, copyTask, reverseExample, reverseTask,
} from '../../src/tasks/copy.js';

test('copy and reverse by hand: question, separator, blanks; answers after the separator', () => {
  assert.equal(COPY_SEP, 10);
  assert.equal(COPY_BLANK, 11);
  assert.deepEqual(copyExample([3, 1, 4]), { input: [3, 1, 4, 10, 11, 11, 11], target: [_, _, _, _, 3, 1, 4] });
  assert.deepEqual(reverseExample([3, 1, 4]), { input: [3, 1, 4, 10, 11, 11, 11], target: [_, _, _, _, 4, 1, 3] });
  assert.deepEqual(copyExample([7]), { input: [7, 10, 11], target: [_, _, 7] });
});

test('addition by hand, little-endian: 725 + 146 = 871 and 99 + 01 = 100', () => {
  assert.equal(COPY_PLUS, 12);
  assert.deepEqual(additionExample([5, 2, 7], [6, 4, 1]), {
    input: [5, 2, 7, 12, 6, 4, 1, 10, 11, 11, 11, 11],
    target: [_, _, _, _, _, _, _, _, 1, 7, 8, 0],
  });
  assert.deepEqual(additionExample([9, 9], [1, 0]).target, [_, _, _, _, _, _, 0, 0, 1]);
  assert.deepEqual(additionExample([0], [0]).target, [_, _, _, _, 0, 0]);
});

// A little-endian digit list as a number (BigInt: the test range reaches 80 digits).
const value = (ds: readonly number[]) => ds.reduceRight((acc, d) => acc * 10n + BigInt(d), 0n);

test('random addition examples add up', () => {
  const task = additionTask();
  const rng = new Rng(5);
  for (const n of [1, 3, 20, 80]) {
    for (let i = 0; i < 20; i++) {
      const { input, target } = task.example(rng, n) as { input: number[]; target: number[] };
      assert.equal(input.length, 2 * n + 1 + 1 + n + 1);
      assert.equal(input[n], COPY_PLUS);
      assert.equal(input[2 * n + 1], COPY_SEP);
      const a = input.slice(0, n), b = input.slice(n + 1, 2 * n + 1), sum = target.slice(2 * n + 2);
      assert.equal(value(sum), value(a) + value(b));
      assert.ok(target.slice(0, 2 * n + 2).every((t) => t === _));
    }
  }
});

for (const task of [copyTask(), reverseTask(), additionTask()]) {
  test(`${task.name}: tag task, tokens < vocabSize, labels < numClasses, answer steps are blanks`, () => {
    assert.equal(task.kind, 'tag');
    assert.deepEqual(task.trainLengths, [1, 20]);
    assert.deepEqual(task.testLengths, [40, 80]);
    assert.equal(task.tokens!.length, task.vocabSize);
    const rng = new Rng(2);
    for (const n of [1, 2, 20, 40, 80]) {
      const { input, target } = task.example(rng, n) as { input: number[]; target: number[] };
      assert.equal(input.length, target.length);
      assert.ok(input.every((t) => Number.isInteger(t) && t >= 0 && t < task.vocabSize!));
      assert.ok(target.every((t) => t === _ || (t >= 0 && t < task.numClasses!)));
      target.forEach((t, i) => assert.equal(input[i] === COPY_BLANK, t !== _, `step ${i}`));
    }
    if (task.name !== 'addition') {
      const { input, target } = task.example(rng, 6) as { input: number[]; target: number[] };
      const digits = input.slice(0, 6), answer = target.slice(7);
      assert.deepEqual(answer, task.name === 'copy' ? digits : [...digits].reverse());
    }
  });

  test(`${task.name}: same seed, same example; bad length is an ArgumentError`, () => {
    assert.deepEqual(task.example(new Rng(11), 9), task.example(new Rng(11), 9));
    assert.throws(() => task.example(new Rng(0), 0), ArgumentError);
    assert.throws(() => task.example(new Rng(0), 1.5), ArgumentError);
  });
}

test('hand-written digits are checked', () => {
  assert.throws(() => copyExample([]), ArgumentError);
  assert.throws(() => reverseExample([1, 10]), /digits 0-9, got 10/);
  assert.throws(() => additionExample([1, 2], [3]), /same number of digits/);
  assert.throws(() => additionExample([1], [-1]), ArgumentError);
});
