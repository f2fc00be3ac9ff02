import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor } from '../../src/ops/creation.js';
import { ArgumentError, DTypeError } from '../../src/errors.js';
import { clipGradNorm, clipGradValue } from '../../src/optim/index.js';
import { assertClose } from '../helpers.js';

const f64 = { dtype: 'float64' } as const;

describe('clipGradNorm', () => {
  test('2-norm over all tensors; scales by maxNorm / (norm + 1e-6)', () => {
    const a = tensor([3, -4], [2], f64);
    const b = tensor([[12, 0], [0, 0]], [2, 2], f64);
    const norm = clipGradNorm([a, b], 6.5);
    assert.equal(norm, 13);
    const c = 6.5 / (13 + 1e-6);
    assert.deepEqual(Array.from(a.data()), [3 * c, -4 * c]);
    assert.deepEqual(Array.from(b.data()), [12 * c, 0, 0, 0]);
  });

  test('no change when the norm is within maxNorm', () => {
    const a = tensor([3, -4], [2], f64);
    assert.equal(clipGradNorm({ w: a }, 5.1), 5);
    assert.deepEqual(Array.from(a.data()), [3, -4]);
  });

  test('infinity norm is the max |g|', () => {
    const g = { x: tensor([1, -7, 2], [3], f64), y: tensor([5], [1], f64) };
    assert.equal(clipGradNorm(g, 3.5, Infinity), 7);
    const c = 3.5 / (7 + 1e-6);
    assert.deepEqual(Array.from(g.x.data()), [1 * c, -7 * c, 2 * c]);
    assert.deepEqual(Array.from(g.y.data()), [5 * c]);
  });

  test('other p-norms', () => {
    const a = tensor([1, -2, 3], [3], f64);
    assertClose(clipGradNorm([a], 100, 1), 6, 1e-14, 1e-14);
    assertClose(clipGradNorm([a], 100, 3), Math.cbrt(36), 1e-14, 1e-14);
  });

  test('float32 gradients match PyTorch 1.13 clip_grad_norm_', () => {
    // torch.nn.utils.clip_grad_norm_ on [3, -4] and [12, 0, 1] with max_norm 5
    const a = tensor([3, -4], [2]);
    const b = tensor([12, 0, 1], [3]);
    assertClose(clipGradNorm([a, b], 5), 13.03840446472168, 1e-6, 1e-6);
    assert.deepEqual([...a.data(), ...b.data()], [1.1504473686218262, -1.5339298248291016, 4.601789474487305, 0, 0.3834824562072754]);
  });

  test('a tensor shared by two entries counts twice in the norm but is scaled once', () => {
    const g = tensor([3, 4], [2], f64);
    const norm = clipGradNorm([g, g], 1);
    assertClose(norm, Math.sqrt(50), 1e-14, 1e-14);
    const c = 1 / (Math.sqrt(50) + 1e-6);
    assertClose(g, [3 * c, 4 * c], 1e-15, 1e-14);
  });

  test('empty set has norm 0', () => {
    assert.equal(clipGradNorm([], 1), 0);
  });

  test('bad arguments', () => {
    const g = [tensor([1], [1])];
    assert.throws(() => clipGradNorm(g, -1), (e: unknown) => e instanceof ArgumentError && /clipGradNorm: 'maxNorm'/.test(e.message));
    assert.throws(() => clipGradNorm(g, NaN), /clipGradNorm: 'maxNorm'/);
    assert.throws(() => clipGradNorm(g, 1, 0), /clipGradNorm: 'normType'/);
    assert.throws(() => clipGradNorm(g, 1, -Infinity), /clipGradNorm: 'normType'/);
    assert.throws(() => clipGradNorm(tensor([1], [1]) as never, 1), /clipGradNorm: 'grads' must be an array of tensors or a record/);
    assert.throws(() => clipGradNorm([tensor([1], [1], { dtype: 'int32' })], 1), DTypeError);
    assert.throws(() => clipGradNorm({ w: 3 } as never, 1), /grads\["w"\] must be a Tensor/);
  });
});

describe('clipGradValue', () => {
  test('clamps elementwise in place, NaN stays NaN', () => {
    const a = tensor([-5, -0.5, 0, 0.5, 5, NaN], [6], f64);
    const b = tensor([[2, -2]], [1, 2]);
    clipGradValue({ a, b }, 1);
    assert.deepEqual(Array.from(a.data()), [-1, -0.5, 0, 0.5, 1, NaN]);
    assert.deepEqual(Array.from(b.data()), [1, -1]);
  });

  test('bad clipValue', () => {
    assert.throws(() => clipGradValue([tensor([1], [1])], -1), (e: unknown) => e instanceof ArgumentError && /clipGradValue: 'clipValue'/.test(e.message));
    assert.throws(() => clipGradValue([tensor([1], [1])], NaN), /clipGradValue: 'clipValue'/);
    const g = tensor([1e30], [1]);
    clipGradValue([g], Infinity);
    assert.equal(g.item(), Math.fround(1e30));
  });
});
