import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';

test('relu keeps NaN (as PyTorch) and zeroes negatives', () => {
  const y = rc.relu(rc.tensor([NaN, -1, 2])).data();
  assert.ok(Number.isNaN(y[0]!));
  assert.deepEqual(Array.from(y.slice(1)), [0, 2]);
});

test('argmax treats NaN as the maximum, first NaN wins', () => {
  assert.deepEqual(rc.argmax(rc.tensor([[1, NaN, 3, NaN], [5, 2, 9, 0]]), 1).toArray(), [1, 2]);
});

test('clamp on int32 with a fractional bound is a DTypeError', () => {
  const x = rc.tensor([1, 5, 9], [3], { dtype: 'int32' });
  assert.throws(() => rc.clamp(x, 2.5), rc.DTypeError);
  assert.deepEqual(rc.clamp(x, 2, 6).toArray(), [2, 5, 6]);
});
