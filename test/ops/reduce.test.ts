import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { tensor } from '../../src/ops/creation.js';
import {
  argmax, cumsum, logSoftmax, logsumexp, max, mean, min, softmax, sum, variance,
} from '../../src/ops/reduce.js';
import type { ReduceOptions } from '../../src/ops/reduce.js';
import { cast, gather, unsqueeze } from '../../src/ops/movement.js';
import { grad } from '../../src/autodiff/grad.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { assertNoLeak, assertShape, assertValues, expectError, f64, i32, numel, ravel, refReduce, rt, unravel } from './common.js';

type Axes = number | number[] | undefined;

/** Normalised, sorted axes (undefined: all). */
function axesOf(axis: Axes, rank: number): number[] {
  if (axis === undefined) return [...Array(rank).keys()];
  return (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + rank : a)).sort();
}

function outShape(shape: number[], axes: number[], keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

const AXES: Axes[] = [undefined, 0, 1, 2, -1, [0, 2], [1, 2], [-3, -2, -1], []];

const total = (g: number[]) => g.reduce((p, q) => p + q, 0);
const avg = (g: number[]) => total(g) / g.length;
const lse = (g: number[]) => {
  const m = Math.max(...g);
  return m + Math.log(total(g.map((v) => Math.exp(v - m))));
};

interface Case {
  name: string;
  f: (x: Tensor, axis?: number | number[], opts?: ReduceOptions) => Tensor;
  ref: (g: number[]) => number;
}

const CASES: Case[] = [
  { name: 'sum', f: sum, ref: total },
  { name: 'max', f: max, ref: (g) => Math.max(...g) },
  { name: 'min', f: min, ref: (g) => Math.min(...g) },
  { name: 'mean', f: mean, ref: avg },
  { name: 'variance', f: variance, ref: (g) => avg(g.map((v) => (v - avg(g)) ** 2)) },
  { name: 'logsumexp', f: logsumexp, ref: lse },
];

describe('reductions', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      test('values over every axis combination, with and without keepDims', () => {
        const shape = [2, 3, 4];
        const x = rt(shape, 1, -3, 3);
        const data = x.data();
        for (const axis of AXES) {
          const axes = axesOf(axis, 3);
          for (const keepDims of [false, true]) {
            const y = c.f(x, axis, { keepDims });
            const what = `axis ${JSON.stringify(axis)} keepDims ${keepDims}`;
            assertShape(y, outShape(shape, axes, keepDims), what);
            const expected = axes.length === 0 ? Array.from(data).map((v) => c.ref([v])) : refReduce(data, shape, axes, c.ref);
            assertClose(y, expected, 1e-13, 1e-13, what);
          }
        }
        assertShape(c.f(x), []);
      });

      test('gradcheck over several axes and keepDims', () => {
        assertGradcheck((a) => c.f(a), [rt([3, 5], 2)]);
        assertGradcheck((a) => c.f(a, [0, 2], { keepDims: true }), [rt([3, 2, 3], 3)]);
        assertGradcheck((a) => c.f(a, -1), [rt([3, 5], 4)]);
        assertGradcheck((a) => c.f(a, 0), [rt([3, 5], 5)]);
      });

      test('float32 matches float64', () => {
        const x = rt([3, 7], 6, -2, 2);
        const y32 = c.f(cast(x, 'float32'), 1);
        assert.equal(y32.dtype, 'float32');
        assertClose(y32, c.f(cast(cast(x, 'float32'), 'float64'), 1).data(), 1e-6, 1e-6);
      });

      test('bad input', () => {
        const x = rt([2, 3], 7);
        expectError(() => c.f(x, 2), ShapeError, c.name, /axis 2/);
        expectError(() => c.f(x, [0, -2]), ShapeError, c.name, /repeated/);
        expectError(() => c.f(x, 1.5), ShapeError, c.name);
        expectError(() => c.f('x' as never), ArgumentError, c.name);
      });
    });
  }

  test('sum/max/min of int32 stay int32; mean/variance/logsumexp need floats', () => {
    const x = i32([3, -1, 4, 1, -5, 9], [2, 3]);
    const s = sum(x, 1);
    assert.equal(s.dtype, 'int32');
    assertValues(s, [6, 5]);
    assertValues(max(x, 0), [3, -1, 9]);
    assertValues(min(x), [-5]);
    expectError(() => mean(x), DTypeError, 'mean');
    expectError(() => variance(x), DTypeError, 'variance');
    expectError(() => logsumexp(x), DTypeError, 'logsumexp');
  });

  test('sum of an empty axis is 0; max of one is an error', () => {
    assertValues(sum(f64([], [2, 0]), 1), [0, 0]);
    expectError(() => max(f64([], [2, 0]), 1), ShapeError, 'max', /empty/);
    expectError(() => min(f64([], [0])), ShapeError, 'min', /empty/);
  });

  test('max/min propagate NaN', () => {
    assert.ok(Number.isNaN(max(f64([1, NaN, 3])).item()));
    assert.ok(Number.isNaN(min(f64([NaN, 1])).item()));
  });
});

describe('max / min gradients with ties', () => {
  test('ties share the gradient evenly', () => {
    const g = grad((x: Tensor) => sum(max(x, 1)))(f64([1, 3, 3, 2, 0, -1, 0, 5, 5], [3, 3]));
    assertValues(g, [0, 0.5, 0.5, 1, 0, 0, 0, 0.5, 0.5]);
    const h = grad((x: Tensor) => min(x))(f64([2, -1, 4, -1, -1]));
    assertValues(h, [0, 1 / 3, 0, 1 / 3, 1 / 3]);
  });

  test('gradcheck at two-way ties (central differences see half each)', () => {
    const x = f64([1, 3, 3, 2, 0, -1, 0.5, 5, 5, 0.25, -2, 0.25], [3, 4]);
    assertGradcheck((a) => max(a, 1), [x]);
    assertGradcheck((a) => min(a, 1), [x]);
    assertGradcheck((a) => max(a, 0, { keepDims: true }), [f64([1, 2, 7, 1, 0, 7], [2, 3])]);
    assertGradcheck((a) => min(a, [0, 1]), [f64([4, -2, 3, -2, 0, 5], [3, 2])]);
  });
});

describe('variance', () => {
  test('unbiased with correction 1', () => {
    const d = [1, 2, 4, 7, 0.5];
    const m = avg(d);
    const ss = total(d.map((v) => (v - m) ** 2));
    assertClose(variance(f64(d), 0, { correction: 1 }), [ss / 4], 0, 1e-15);
    assertClose(variance(f64(d)), [ss / 5], 0, 1e-15);
  });

  test('gradcheck with correction', () => {
    assertGradcheck((a) => variance(a, 1, { correction: 1 }), [rt([3, 5], 8)]);
  });
});

describe('logsumexp', () => {
  test('no overflow and -Infinity rows', () => {
    assertClose(logsumexp(f64([1000, 1000])), [1000 + Math.LN2], 0, 1e-15);
    assertClose(logsumexp(f64([-1000, -1000])), [-1000 + Math.LN2], 0, 1e-15);
    assertValues(logsumexp(f64([-Infinity, -Infinity, 0, 0], [2, 2]), 1), [-Infinity, Math.LN2]);
    assertValues(logsumexp(f64([Infinity, 0])), [Infinity]);
  });

  test('gradient is the softmax', () => {
    const x = rt([2, 3], 9);
    const g = grad((a: Tensor) => sum(logsumexp(a, 1)))(x);
    assertClose(g, softmax(x, 1).data(), 1e-15, 1e-14);
  });
});

describe('argmax', () => {
  test('first maximum, any axis, keepDims, int32 output', () => {
    const x = f64([1, 5, 5, 0, 7, -1, 7, 2, 3, 3, 3, 3], [3, 4]);
    const a = argmax(x);
    assert.equal(a.dtype, 'int32');
    assertShape(a, [3]);
    assertValues(a, [1, 0, 0]);
    assertValues(argmax(x, 0), [1, 0, 1, 2]);
    assertShape(argmax(x, 1, { keepDims: true }), [3, 1]);
    assertValues(argmax(i32([2, 9, 4])), [1]);
    const x3 = rt([2, 3, 4], 10);
    const d = x3.data();
    const a1 = argmax(x3, 1).data();
    for (let p = 0; p < 8; p++) {
      const [i, k] = unravel(p, [2, 4]) as [number, number];
      const col = [0, 1, 2].map((j) => d[ravel([i, j, k], [2, 3, 4])]!);
      assert.equal(a1[p], col.indexOf(Math.max(...col)));
    }
  });

  test('not differentiable itself; gathering at the argmax gives the max and its gradient', () => {
    const x = rt([3, 5], 11);
    const picked = gather(x, 1, unsqueeze(argmax(x, 1), 1));
    assertValues(picked, Array.from(max(x, 1, { keepDims: true }).data()));
    assertGradcheck((a) => gather(a, 1, unsqueeze(argmax(a, 1), 1)), [x]);
  });

  test('bad input', () => {
    expectError(() => argmax(f64([1, 2]), 1), ShapeError, 'argmax');
    expectError(() => argmax(f64([], [2, 0])), ShapeError, 'argmax', /empty/);
    expectError(() => argmax(null as never), ArgumentError, 'argmax');
  });
});

describe('cumsum', () => {
  test('forward and reverse along any axis', () => {
    const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    assertValues(cumsum(x), [1, 3, 6, 4, 9, 15]);
    assertValues(cumsum(x, 0), [1, 2, 3, 5, 7, 9]);
    assertValues(cumsum(x, 1, { reverse: true }), [6, 5, 3, 15, 11, 6]);
    assertValues(cumsum(x, -2, { reverse: true }), [5, 7, 9, 4, 5, 6]);
    const i = cumsum(i32([1, -2, 3]));
    assert.equal(i.dtype, 'int32');
    assertValues(i, [1, -1, 2]);
    const x3 = rt([2, 3, 2], 12);
    const d = x3.data();
    const c = cumsum(x3, 1).data();
    for (let p = 0; p < 12; p++) {
      const [i0, j, k] = unravel(p, [2, 3, 2]) as [number, number, number];
      let acc = 0;
      for (let r = 0; r <= j; r++) acc += d[ravel([i0, r, k], [2, 3, 2])]!;
      assert.ok(Math.abs(c[p]! - acc) < 1e-15);
    }
  });

  test('gradcheck', () => {
    assertGradcheck((a) => cumsum(a), [rt([3, 5], 13)]);
    assertGradcheck((a) => cumsum(a, 1, { reverse: true }), [rt([2, 3, 2], 14)]);
    assertGradcheck((a) => cumsum(a, 0), [rt([3, 2], 15)]);
  });

  test('bad input', () => {
    expectError(() => cumsum(f64([1, 2]), 1), ShapeError, 'cumsum');
    expectError(() => cumsum(5 as never), ArgumentError, 'cumsum');
  });
});

describe('softmax / logSoftmax', () => {
  const rows = (d: ArrayLike<number>, n: number) => Array.from({ length: d.length / n }, (_, r) => Array.from(d).slice(r * n, r * n + n));

  test('values match the definition; stable at large inputs', () => {
    const x = rt([3, 5], 16, -4, 4);
    const expected = rows(x.data(), 5).flatMap((r) => r.map((v) => Math.exp(v - lse(r))));
    assertClose(softmax(x), expected, 1e-15, 1e-13);
    assertClose(logSoftmax(x), rows(x.data(), 5).flatMap((r) => r.map((v) => v - lse(r))), 1e-14, 1e-13);
    const big = softmax(f64([1000, 1000, -1000]));
    assertClose(big, [0.5, 0.5, 0], 0, 1e-15);
    assertClose(logSoftmax(f64([1000, 0])), [0, -1000], 0, 1e-15);
    const s = sum(softmax(rt([4, 6], 17, -10, 10), -1), -1);
    assertClose(s, [1, 1, 1, 1], 1e-15, 1e-14);
  });

  test('along a non-last axis', () => {
    const x = rt([3, 2, 2], 18);
    const y = softmax(x, 0);
    const d = x.data();
    const yd = y.data();
    for (let p = 0; p < 12; p++) {
      const [, j, k] = unravel(p, [3, 2, 2]) as [number, number, number];
      const col = [0, 1, 2].map((i) => d[ravel([i, j, k], [3, 2, 2])]!);
      assert.ok(Math.abs(yd[p]! - Math.exp(d[p]! - lse(col))) < 1e-15);
    }
    assertClose(logSoftmax(x, 0), Array.from(yd).map(Math.log), 1e-14, 1e-13);
  });

  test('gradcheck', () => {
    assertGradcheck((a) => softmax(a), [rt([3, 5], 19, -2, 2)]);
    assertGradcheck((a) => softmax(a, 0), [rt([3, 4], 20, -2, 2)]);
    assertGradcheck((a) => logSoftmax(a), [rt([3, 5], 21, -2, 2)]);
    assertGradcheck((a) => logSoftmax(a, 1), [rt([2, 3, 2], 22, -2, 2)]);
  });

  test('float32 matches float64', () => {
    const x = rt([4, 6], 23, -5, 5);
    const x32 = cast(x, 'float32');
    const x64 = cast(x32, 'float64');
    assertClose(softmax(x32), softmax(x64).data(), 1e-7, 1e-6);
    assertClose(logSoftmax(x32), logSoftmax(x64).data(), 1e-6, 1e-6);
  });

  test('bad input', () => {
    expectError(() => softmax(i32([1, 2])), DTypeError, 'softmax');
    expectError(() => logSoftmax(i32([1, 2])), DTypeError, 'logSoftmax');
    expectError(() => softmax(f64([1, 2]), 1), ShapeError, 'softmax');
    expectError(() => logSoftmax(f64([1, 2]), -2), ShapeError, 'logSoftmax');
  });
});

test('reductions of a scalar and mean of a larger tensor', () => {
  assert.equal(sum(tensor(3)).item(), 3);
  assert.equal(mean(tensor(3)).item(), 3);
  const x = rt([7, 11], 24);
  assertClose(mean(x), [total(Array.from(x.data())) / numel([7, 11])], 1e-15, 1e-13);
});

test('composite reductions leave no intermediate tensors alive', () => {
  const x = rt([3, 4], 25);
  for (const keepDims of [false, true]) {
    assertNoLeak(() => mean(x, 1, { keepDims }), 'mean');
    assertNoLeak(() => variance(x, [0, 1], { keepDims, correction: 1 }), 'variance');
    assertNoLeak(() => logsumexp(x, 0, { keepDims }), 'logsumexp');
    assertNoLeak(() => max(x, [0, 1], { keepDims }), 'max');
    assertNoLeak(() => sum(x, [], { keepDims }), 'sum');
  }
  assertNoLeak(() => argmax(x), 'argmax');
});
