import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  arange, eye, full, ones, onesLike, rand, randint, randn, scalar, tensor, zeros, zerosLike,
} from '../../src/ops/creation.js';
import { add, mul } from '../../src/ops/elementwise.js';
import { matmul } from '../../src/ops/linalg.js';
import { indexSelect } from '../../src/ops/movement.js';
import { Rng, seed } from '../../src/tensor/rng.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { assertShape, assertValues, expectError, rt } from './common.js';

describe('tensor', () => {
  test('infers shape and dtype from nested arrays', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    assertShape(t, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assertValues(t, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
  });

  test('flat data with a shape, typed-array dtype defaults', () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    assertShape(a, [3, 2]);
    assert.deepEqual(a.toArray(), [[1, 2], [3, 4], [5, 6]]);
    assert.equal(tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.equal(tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(tensor(new Float32Array([1, 2])).dtype, 'float32');
    assert.equal(tensor([1, 2], undefined, { dtype: 'int32' }).dtype, 'int32');
  });

  test('a number makes a scalar; float32 rounds, float64 keeps', () => {
    const s = tensor(0.1);
    assertShape(s, []);
    assert.equal(s.item(), Math.fround(0.1));
    assert.equal(tensor(0.1, [], { dtype: 'float64' }).item(), 0.1);
    assertShape(tensor(7, [1, 1]), [1, 1]);
  });

  test('3-D nested and empty arrays', () => {
    const t = tensor([[[1], [2]], [[3], [4]], [[5], [6]]]);
    assertShape(t, [3, 2, 1]);
    assertValues(t, [1, 2, 3, 4, 5, 6]);
    assertShape(tensor([]), [0]);
    assertShape(tensor([], [2, 0]), [2, 0]);
  });

  test('bad input', () => {
    expectError(() => tensor([[1, 2], [3]]), ShapeError, 'tensor', /ragged/);
    expectError(() => tensor([1, 2, 3], [2, 2]), ShapeError, 'tensor', /\[2, 2\]/);
    expectError(() => tensor([1.5, 2], undefined, { dtype: 'int32' }), DTypeError, 'tensor', /1\.5/);
    expectError(() => tensor([1, 2], undefined, { dtype: 'int8' as never }), DTypeError, 'tensor', /int8/);
    expectError(() => tensor([1, 'a' as never]), ArgumentError, 'tensor');
    expectError(() => tensor('abc' as never), ArgumentError, 'tensor');
    expectError(() => tensor([1, 2], [-2] as never), ShapeError, 'tensor');
  });
});

describe('scalar', () => {
  test('values and dtype', () => {
    const s = scalar(2.5);
    assertShape(s, []);
    assert.equal(s.item(), 2.5);
    assert.equal(scalar(3, { dtype: 'int32' }).dtype, 'int32');
    assert.equal(scalar(1 / 3, { dtype: 'float64' }).item(), 1 / 3);
  });

  test('bad input', () => {
    expectError(() => scalar(1.5, { dtype: 'int32' }), DTypeError, 'scalar');
    expectError(() => scalar('1' as never), ArgumentError, 'scalar');
  });
});

describe('full / zeros / ones / zerosLike / onesLike', () => {
  test('values, shapes and dtypes', () => {
    const f = full([2, 3], -1.5);
    assertShape(f, [2, 3]);
    assertValues(f, [-1.5, -1.5, -1.5, -1.5, -1.5, -1.5]);
    assert.equal(full([], 4, { dtype: 'int32' }).item(), 4);
    assertValues(zeros([3]), [0, 0, 0]);
    assertValues(ones([2, 2], { dtype: 'float64' }), [1, 1, 1, 1]);
    assert.equal(ones([1], { dtype: 'float64' }).dtype, 'float64');
    assertShape(zeros([0, 4]), [0, 4]);
    const like = tensor([[1, 2], [3, 4], [5, 6]], undefined, { dtype: 'int32' });
    const z = zerosLike(like);
    const o = onesLike(like);
    assertShape(z, [3, 2]);
    assert.equal(z.dtype, 'int32');
    assertValues(z, [0, 0, 0, 0, 0, 0]);
    assert.equal(o.dtype, 'int32');
    assertValues(o, [1, 1, 1, 1, 1, 1]);
  });

  test('bad input names the called op', () => {
    expectError(() => full([2, -1], 0), ShapeError, 'full');
    expectError(() => full([2], 'x' as never), ArgumentError, 'full');
    expectError(() => full([2], 1, { dtype: 'bool' as never }), DTypeError, 'full');
    expectError(() => zeros([1.5]), ShapeError, 'zeros');
    expectError(() => ones([2], { dtype: 'uint8' as never }), DTypeError, 'ones');
    expectError(() => zerosLike([1, 2] as never), ArgumentError, 'zerosLike');
    expectError(() => onesLike(null as never), ArgumentError, 'onesLike');
  });
});

describe('arange', () => {
  test('numpy semantics', () => {
    assertValues(arange(5), [0, 1, 2, 3, 4]);
    assertValues(arange(2, 5), [2, 3, 4]);
    assertValues(arange(1, 2, 0.25), [1, 1.25, 1.5, 1.75]);
    assertValues(arange(5, 0, -2), [5, 3, 1]);
    assertShape(arange(3, 3), [0]);
    assertShape(arange(3, 1), [0]);
    const a = arange(0, 1, 0.1, { dtype: 'float64' });
    assert.equal(a.size, 10);
    assertClose(a, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], 1e-15);
    const i = arange(4, undefined, 1, { dtype: 'int32' });
    assert.equal(i.dtype, 'int32');
    assertValues(i, [0, 1, 2, 3]);
  });

  test('bad input', () => {
    expectError(() => arange(0, 5, 0), ArgumentError, 'arange', /step/);
    expectError(() => arange(0, Infinity), ArgumentError, 'arange');
    expectError(() => arange(0, 3, 1, { dtype: 'int64' as never }), DTypeError, 'arange');
  });
});

describe('eye', () => {
  test('identity', () => {
    assertValues(eye(3), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    assertShape(eye(0), [0, 0]);
    assert.equal(eye(2, { dtype: 'int32' }).dtype, 'int32');
  });

  test('bad input', () => {
    expectError(() => eye(-1), ArgumentError, 'eye');
    expectError(() => eye(2.5), ArgumentError, 'eye');
  });
});

describe('rand / randn / randint', () => {
  test('rand draws rng.uniform() scaled to [low, high)', () => {
    const r = new Rng(11);
    const expected = Array.from({ length: 6 }, () => 2 + 3 * r.uniform());
    const t = rand([2, 3], { rng: new Rng(11), low: 2, high: 5, dtype: 'float64' });
    assertShape(t, [2, 3]);
    assertClose(t, expected, 1e-15);
    const f = rand([2000], { rng: new Rng(1) });
    assert.equal(f.dtype, 'float32');
    const d = Array.from(f.data());
    assert.ok(d.every((v) => v >= 0 && v < 1));
    const m = d.reduce((p, q) => p + q, 0) / d.length;
    assert.ok(Math.abs(m - 0.5) < 0.03, `mean ${m}`);
  });

  test('randn draws rng.normal() with mean and std', () => {
    const r = new Rng(4);
    const expected = Array.from({ length: 5 }, () => 1 + 2 * r.normal());
    assertClose(randn([5], { rng: new Rng(4), mean: 1, std: 2, dtype: 'float64' }), expected, 1e-14);
    const d = Array.from(randn([10000], { rng: new Rng(9), dtype: 'float64' }).data());
    const m = d.reduce((p, q) => p + q, 0) / d.length;
    const v = d.reduce((p, q) => p + (q - m) ** 2, 0) / d.length;
    assert.ok(Math.abs(m) < 0.04, `mean ${m}`);
    assert.ok(Math.abs(v - 1) < 0.05, `var ${v}`);
  });

  test('randint covers [low, high) with int32', () => {
    const t = randint(-2, 3, [500], { rng: new Rng(2) });
    assert.equal(t.dtype, 'int32');
    const d = Array.from(t.data());
    assert.ok(d.every((v) => v >= -2 && v < 3));
    assert.deepEqual([...new Set(d)].sort((a, b) => a - b), [-2, -1, 0, 1, 2]);
  });

  test('the global generator is reseedable', () => {
    seed(123);
    const a = Array.from(randn([4]).data());
    const b = Array.from(rand([4]).data());
    seed(123);
    assert.deepEqual(Array.from(randn([4]).data()), a);
    assert.deepEqual(Array.from(rand([4]).data()), b);
  });

  test('bad input', () => {
    expectError(() => rand([2], { dtype: 'int32' }), DTypeError, 'rand');
    expectError(() => rand([2], { low: 1, high: 0 }), ArgumentError, 'rand');
    expectError(() => rand([-1]), ShapeError, 'rand');
    expectError(() => randn([2], { std: -1 }), ArgumentError, 'randn');
    expectError(() => randn([2], { dtype: 'int32' }), DTypeError, 'randn');
    expectError(() => randint(3, 3, [2]), ArgumentError, 'randint');
    expectError(() => randint(0, 2.5, [2]), ArgumentError, 'randint');
    expectError(() => randint(0, 2, [2.5]), ShapeError, 'randint');
  });
});

describe('creation ops as constants under differentiation', () => {
  test('gradcheck through functions that build constants', () => {
    const x = rt([3, 4], 1);
    assertGradcheck((a) => add(mul(a, onesLike(a)), zerosLike(a)), [x]);
    assertGradcheck((a) => mul(add(a, full([4], 0.5, { dtype: 'float64' })), arange(1, 5, 1, { dtype: 'float64' })), [x]);
    assertGradcheck((a) => matmul(a, add(eye(4, { dtype: 'float64' }), ones([4, 4], { dtype: 'float64' }))), [x]);
    assertGradcheck((a) => mul(a, tensor([[1, -2, 3, -4]], undefined, { dtype: 'float64' })), [x]);
    assertGradcheck((a) => mul(add(a, scalar(2, { dtype: 'float64' })), zeros([3, 1], { dtype: 'float64' })), [x]);
    // Random constants drawn from a generator recreated per call are the same in every evaluation.
    assertGradcheck((a) => mul(a, rand([3, 4], { rng: new Rng(5), dtype: 'float64' })), [x]);
    assertGradcheck((a) => add(mul(a, a), randn([4], { rng: new Rng(6), dtype: 'float64' })), [x]);
    // randint makes int32 indices: gathering with repeats accumulates gradient.
    assertGradcheck((a) => indexSelect(a, 1, randint(0, 4, [6], { rng: new Rng(3) })), [x]);
  });
});
