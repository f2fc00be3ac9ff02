import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { collate, disposeBatch, sampleExamples } from '../../src/train/batch.js';
import { parity } from '../../src/tasks/parity.js';
import { adding } from '../../src/tasks/adding.js';
import { lorenz } from '../../src/tasks/lorenz.js';
import { groupWords } from '../../src/tasks/groups.js';
import { IGNORE } from '../../src/tasks/types.js';
import type { Example } from '../../src/tasks/types.js';
import { Rng } from '../../src/tensor/rng.js';
import { memory } from '../../src/tensor/memory.js';

describe('collate', () => {
  test('token classify task: int32 ids [B, T] padded with 0, int32 labels [B]', () => {
    const examples: Example[] = [
      { input: [1, 1, 0], target: 0 },
      { input: [1], target: 1 },
      { input: [0, 1, 1, 1, 1], target: 0 },
    ];
    const b = collate(parity(), examples);
    assert.equal(b.x.dtype, 'int32');
    assert.deepEqual(b.x.shape, [3, 5]);
    assert.deepEqual(Array.from(b.x.data()), [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    assert.equal(b.y.dtype, 'int32');
    assert.deepEqual(b.y.shape, [3]);
    assert.deepEqual(Array.from(b.y.data()), [0, 1, 0]);
    assert.deepEqual(b.lengths, [3, 1, 5]);
    assert.equal(b.tokens, 9);
    assert.equal(b.mask, null);
    disposeBatch(b);
  });

  test('tag task: targets [B, T] with IGNORE on padding (and kept IGNORE on unlabelled steps)', () => {
    const task = groupWords({ group: 'S3' });
    const examples: Example[] = [
      { input: [2, 3], target: [2, 5] },
      { input: [5, 4, 1, 0], target: [5, IGNORE, 3, 3] },
      { input: [1, 2, 3], target: [1, 0, 4] },
    ];
    const b = collate(task, examples);
    assert.equal(b.x.dtype, 'int32');
    assert.deepEqual(b.x.shape, [3, 4]);
    assert.deepEqual(Array.from(b.x.data()), [2, 3, 0, 0, 5, 4, 1, 0, 1, 2, 3, 0]);
    assert.equal(b.y.dtype, 'int32');
    assert.deepEqual(b.y.shape, [3, 4]);
    assert.deepEqual(Array.from(b.y.data()), [2, 5, IGNORE, IGNORE, 5, IGNORE, 3, 3, 1, 0, 4, IGNORE]);
    assert.equal(IGNORE, -1);
    assert.deepEqual(b.lengths, [2, 4, 3]);
    assert.equal(b.tokens, 9);
    assert.equal(b.mask, null);
    disposeBatch(b);
  });

  test('feature task with per-sequence regression: float32 x [B, T, D] zero-padded, y [B, outputDim], no mask', () => {
    const examples: Example[] = [
      { input: [[0.5, 0], [0.25, 1], [0.125, 1]], target: [1.25] },
      { input: [[0.75, 1], [0.5, 1]], target: [1.25] },
    ];
    const b = collate(adding(), examples);
    assert.equal(b.x.dtype, 'float32');
    assert.deepEqual(b.x.shape, [2, 3, 2]);
    assert.deepEqual(Array.from(b.x.data()), [0.5, 0, 0.25, 1, 0.125, 1, 0.75, 1, 0.5, 1, 0, 0]);
    assert.equal(b.y.dtype, 'float32');
    assert.deepEqual(b.y.shape, [2, 1]);
    assert.deepEqual(Array.from(b.y.data()), [1.25, 1.25]);
    assert.equal(b.mask, null);
    assert.deepEqual(b.lengths, [3, 2]);
    assert.equal(b.tokens, 5);
    disposeBatch(b);
  });

  test('per-step regression: y [B, T, outputDim] zero-padded and a float32 mask [B, T] of valid steps', () => {
    const row = (v: number): number[] => [v, v + 0.5, -v];
    const examples: Example[] = [
      { input: [row(1)], target: [row(2)] },
      { input: [row(3), row(4), row(5)], target: [row(4), row(5), row(6)] },
    ];
    const b = collate(lorenz(), examples);
    assert.deepEqual(b.x.shape, [2, 3, 3]);
    assert.equal(b.x.dtype, 'float32');
    assert.deepEqual(Array.from(b.x.data()), [...row(1), 0, 0, 0, 0, 0, 0, ...row(3), ...row(4), ...row(5)]);
    assert.deepEqual(b.y.shape, [2, 3, 3]);
    assert.equal(b.y.dtype, 'float32');
    assert.deepEqual(Array.from(b.y.data()), [...row(2), 0, 0, 0, 0, 0, 0, ...row(4), ...row(5), ...row(6)]);
    assert.ok(b.mask);
    assert.equal(b.mask.dtype, 'float32');
    assert.deepEqual(b.mask.shape, [2, 3]);
    assert.deepEqual(Array.from(b.mask.data()), [1, 0, 0, 1, 1, 1]);
    assert.deepEqual(b.lengths, [1, 3]);
    assert.equal(b.tokens, 4);
    disposeBatch(b);
  });

  test('a batch of one with no padding', () => {
    const b = collate(parity(), [{ input: [1, 0, 1], target: 0 }]);
    assert.deepEqual(b.x.shape, [1, 3]);
    assert.deepEqual(b.lengths, [3]);
    disposeBatch(b);
  });

  test('disposeBatch frees every tensor of the batch', () => {
    const before = memory().numTensors;
    const b = collate(lorenz(), [{ input: [[1, 2, 3]], target: [[1, 2, 3]] }]);
    assert.equal(memory().numTensors, before + 3);
    disposeBatch(b);
    assert.equal(memory().numTensors, before);
    assert.ok(b.x.isDisposed && b.y.isDisposed && b.mask!.isDisposed);
  });

  test('bad input: no examples, or only empty ones, is an ArgumentError', () => {
    assert.throws(() => collate(parity(), []), (e: unknown) => e instanceof ArgumentError && /collate/.test(e.message) && /no examples/.test(e.message));
    assert.throws(() => collate(parity(), [{ input: [], target: 0 }, { input: [], target: 1 }]), ArgumentError);
  });
});

describe('sampleExamples', () => {
  test('lengths stay inside the inclusive range and the draw is seeded', () => {
    const task = parity();
    const a = sampleExamples(task, new Rng(3), 40, [2, 5]);
    const b = sampleExamples(task, new Rng(3), 40, [2, 5]);
    assert.deepEqual(a, b);
    const lens = new Set(a.map((e) => e.input.length));
    assert.ok([...lens].every((l) => l >= 2 && l <= 5));
    assert.ok(lens.has(2) && lens.has(5), `both ends of the range should occur in 40 draws: ${[...lens].join(',')}`);
    assert.ok(sampleExamples(task, new Rng(1), 10, [7, 7]).every((e) => e.input.length === 7));
  });
});
