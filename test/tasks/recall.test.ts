import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { delayedRecall, delayedTargets } from '../../src/tasks/recall.js';

test('delayed targets by hand: y[t] = u[t - D], 0 before D', () => {
  assert.deepEqual(delayedTargets([1, 2, 3, 4, 5], 2), [0, 0, 1, 2, 3]);
  assert.deepEqual(delayedTargets([0.5, -1], 1), [0, 0.5]);
  assert.deepEqual(delayedTargets([7, 8], 3), [0, 0]);
});

test('default task: delay 16, train 32-64, test 64-256, per-step regression of width 1', () => {
  const task = delayedRecall();
  assert.equal(task.kind, 'regress');
  assert.equal(task.perStep, true);
  assert.equal(task.inputDim, 1);
  assert.equal(task.outputDim, 1);
  assert.equal(task.vocabSize, undefined);
  assert.deepEqual(task.trainLengths, [32, 64]);
  assert.deepEqual(task.testLengths, [64, 256]);
  assert.deepEqual(delayedRecall({ delay: 4 }).trainLengths, [8, 16]);
});

test('examples: T steps of white noise, targets the input D steps back', () => {
  const task = delayedRecall({ delay: 5 });
  const { input, target } = task.example(new Rng(1), 40) as { input: number[][]; target: number[][] };
  assert.equal(input.length, 40);
  assert.equal(target.length, 40);
  for (let t = 0; t < 40; t++) {
    assert.equal(input[t]!.length, 1);
    assert.deepEqual(target[t], [t < 5 ? 0 : input[t - 5]![0]!]);
  }
});

test('the input is standard normal noise', () => {
  const u = (delayedRecall().example(new Rng(2), 8192).input as number[][]).map((x) => x[0]!);
  const mean = u.reduce((a, b) => a + b, 0) / u.length;
  const variance = u.reduce((a, b) => a + (b - mean) ** 2, 0) / u.length;
  assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.06, `variance ${variance}`);
});

test('same seed, same example', () => {
  assert.deepEqual(delayedRecall().example(new Rng(3), 50), delayedRecall().example(new Rng(3), 50));
});

test('bad delay or length is an ArgumentError', () => {
  assert.throws(() => delayedRecall({ delay: 0 }), ArgumentError);
  assert.throws(() => delayedRecall({ delay: 2.5 }), ArgumentError);
  assert.throws(() => delayedTargets([1, 2], -1), ArgumentError);
  assert.throws(() => delayedRecall().example(new Rng(0), 16), /length must be an integer >= 17/);
});
