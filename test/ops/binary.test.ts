import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { tensor } from '../../src/ops/creation.js';
import {
  add, clamp, div, equal, greater, greaterEqual, less, lessEqual, maximum, minimum, mul, pow, sub, where,
} from '../../src/ops/elementwise.js';
import type { TensorLike } from '../../src/ops/elementwise.js';
import { cast } from '../../src/ops/movement.js';
import { sum } from '../../src/ops/reduce.js';
import { grad } from '../../src/autodiff/grad.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { assertNoLeak, assertShape, assertValues, expectError, f64, i32, numel, ravel, rt, rtAway, unravel, vals } from './common.js';

/** Plain-JS numpy broadcasting of a binary function. */
function refBinary(a: ArrayLike<number>, as: number[], b: ArrayLike<number>, bs: number[], f: (x: number, y: number) => number): { data: number[]; shape: number[] } {
  const n = Math.max(as.length, bs.length);
  const pa = [...Array<number>(n - as.length).fill(1), ...as];
  const pb = [...Array<number>(n - bs.length).fill(1), ...bs];
  const shape = pa.map((d, i) => Math.max(d, pb[i]!));
  const data: number[] = [];
  for (let p = 0; p < numel(shape); p++) {
    const idx = unravel(p, shape);
    const ia = ravel(idx.map((v, i) => (pa[i] === 1 ? 0 : v)), pa);
    const ib = ravel(idx.map((v, i) => (pb[i] === 1 ? 0 : v)), pb);
    data.push(f(a[ia]!, b[ib]!));
  }
  return { data, shape };
}

interface Case {
  name: string;
  f: (a: TensorLike, b: TensorLike) => Tensor;
  ref: (x: number, y: number) => number;
  /** Comparison: zero gradient, output 0/1. */
  cmp?: boolean;
}

const CASES: Case[] = [
  { name: 'add', f: add, ref: (x, y) => x + y },
  { name: 'sub', f: sub, ref: (x, y) => x - y },
  { name: 'mul', f: mul, ref: (x, y) => x * y },
  { name: 'div', f: div, ref: (x, y) => x / y },
  { name: 'maximum', f: maximum, ref: Math.max },
  { name: 'minimum', f: minimum, ref: Math.min },
  { name: 'greater', f: greater, ref: (x, y) => +(x > y), cmp: true },
  { name: 'greaterEqual', f: greaterEqual, ref: (x, y) => +(x >= y), cmp: true },
  { name: 'less', f: less, ref: (x, y) => +(x < y), cmp: true },
  { name: 'lessEqual', f: lessEqual, ref: (x, y) => +(x <= y), cmp: true },
  { name: 'equal', f: equal, ref: (x, y) => +(x === y), cmp: true },
];

const SHAPE_PAIRS: [number[], number[]][] = [
  [[3, 5], [3, 5]],
  [[3, 5], [5]],
  [[3, 1], [1, 5]],
  [[2, 1, 4], [3, 1]],
  [[], [2, 3]],
];

describe('broadcast binary ops', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      test('values with broadcasting', () => {
        for (const [as, bs] of SHAPE_PAIRS) {
          // Quantised values make ties likely, exercising the comparisons and maximum/minimum.
          const a = vals(numel(as), 1).map((v) => Math.round(v * 4) / 2);
          const b = vals(numel(bs), 2).map((v) => Math.round(v * 4) / 2 || 0.5);
          const y = c.f(f64(a, as), f64(b, bs));
          const r = refBinary(a, as, b, bs, c.ref);
          assertShape(y, r.shape, `${as} ${bs}`);
          assertClose(y, r.data, 0, 1e-15, `${as} ${bs}`);
          const yr = c.f(f64(b, bs), f64(a, as));
          assertClose(yr, refBinary(b, bs, a, as, c.ref).data, 0, 1e-15, `reversed ${as} ${bs}`);
        }
      });

      test('number operands are promoted to the tensor dtype', () => {
        const x = f64([-1, 0.5, 2]);
        assertClose(c.f(x, 0.5), [-1, 0.5, 2].map((v) => c.ref(v, 0.5)), 0, 1e-15);
        assertClose(c.f(2, x), [-1, 0.5, 2].map((v) => c.ref(2, v)), 0, 1e-15);
        const y = c.f(tensor([1.5, 2.5]), 2);
        assert.equal(y.dtype, 'float32');
      });

      test('int32 operands', () => {
        const a = [7, -7, 3, 0];
        const b = [2, 2, 3, 5];
        const y = c.f(i32(a), i32(b));
        assert.equal(y.dtype, 'int32');
        // int32 results truncate toward zero (division); otherwise exact.
        assertValues(y, a.map((v, i) => Math.trunc(c.ref(v, b[i]!)) + 0));
        assert.equal(c.f(i32([4]), 3).dtype, 'int32');
      });

      test('gradcheck (broadcast shapes)', () => {
        for (const [as, bs] of SHAPE_PAIRS) {
          let a: Tensor;
          let b: Tensor;
          if (c.name === 'div') {
            a = rt(as, 3);
            b = rtAway(bs, 4, [0], 0.5);
          } else if (c.cmp) {
            // Far from ties: a in [-2, -0.5] U [0.5, 2], b in [-0.3, 0.3].
            a = rtAway(as, 5, [-0.1, 0.1], 0.4);
            b = rt(bs, 6, -0.3, 0.3);
          } else {
            a = rt(as, 7, -2, 2);
            b = rt(bs, 8, -2, 2);
          }
          assertGradcheck(c.f as (a: Tensor, b: Tensor) => Tensor, [a, b]);
          assertGradcheck((x) => c.f(x, 0.25), [a]);
          assertGradcheck((x) => c.f(1.5, x), [b]);
        }
      });

      test('bad input', () => {
        expectError(() => c.f(f64([1, 2, 3]), f64([1, 2])), ShapeError, c.name, /\[3\] and \[2\]/);
        expectError(() => c.f(f64([1]), tensor([1])), DTypeError, c.name, /float64/);
        expectError(() => c.f(i32([1]), f64([1])), DTypeError, c.name);
        expectError(() => c.f(i32([1]), 1.5), DTypeError, c.name, /1\.5/);
        expectError(() => c.f(1, 2), ArgumentError, c.name);
        expectError(() => c.f(f64([1]), '2' as never), ArgumentError, c.name);
      });
    });
  }
});

describe('maximum / minimum ties and NaN', () => {
  test('ties split the gradient evenly (gradcheck at exact ties)', () => {
    const a = f64([1, 2, 3, -1, 0.5, 0.5], [2, 3]);
    const b = f64([1, 0, 3, -1, 0.25, 0.75], [2, 3]);
    assertGradcheck(maximum, [a, b]);
    assertGradcheck(minimum, [a, b]);
    // Broadcast with ties: row-vector b equals some entries of a.
    assertGradcheck(maximum, [a, f64([1, 2, 0.5])]);
    assertGradcheck(minimum, [f64([0.5, 2, 3]), a]);
    const ga = grad((x: Tensor) => sum(maximum(x, f64([1, 0, 5]))))(f64([1, 2, 3]));
    assertValues(ga, [0.5, 1, 0]);
    const gm = grad((x: Tensor) => sum(minimum(x, f64([1, 0, 5]))))(f64([1, 2, 3]));
    assertValues(gm, [0.5, 0, 1]);
  });

  test('NaN propagates', () => {
    const y = maximum(f64([NaN, 1, 2]), f64([0, NaN, 1]));
    assert.ok(Number.isNaN(y.data()[0]!) && Number.isNaN(y.data()[1]!));
    assert.equal(y.data()[2], 2);
    const z = minimum(f64([NaN, 1]), 0);
    assert.ok(Number.isNaN(z.data()[0]!));
    assert.equal(z.data()[1], 0);
  });
});

describe('comparisons', () => {
  test('output dtype follows the operands; composite max via where is differentiable', () => {
    assert.equal(greater(tensor([1]), 0).dtype, 'float32');
    assertValues(equal(i32([1, 2, 3]), i32([1, 0, 3])), [1, 0, 1]);
    assertValues(lessEqual(i32([1, 2, 3]), 2), [1, 1, 0]);
    const a = rt([3, 4], 9);
    const b = rtAway([3, 4], 10, vals(12, 9), 0.05);
    assertGradcheck((x, y) => where(greater(x, y!), x, y!), [a, b]);
    assertGradcheck((x, y) => add(mul(less(x, y!), x), mul(greaterEqual(x, y!), y!)), [a, b]);
  });
});

describe('pow', () => {
  test('values', () => {
    const a = [0.5, 2, 3, 4];
    const b = [2, -1, 0.5, 3];
    assertClose(pow(f64(a), f64(b)), a.map((v, i) => v ** b[i]!), 0, 1e-15);
    assertClose(pow(f64(a), 2), a.map((v) => v * v), 0, 1e-15);
    assertClose(pow(2, f64(b)), b.map((v) => 2 ** v), 0, 1e-15);
    assertClose(pow(f64([-2, -8]), f64([3, 1 / 3])), [-8, NaN], 0, 1e-15);
    assertValues(pow(i32([2, 3, -2]), 3), [8, 27, -8]);
    assertShape(pow(f64([1, 2], [2, 1]), f64([1, 2, 3])), [2, 3]);
  });

  test('gradcheck with respect to base and exponent, broadcast', () => {
    assertGradcheck(pow, [rt([3, 4], 11, 0.3, 2), rt([3, 4], 12, -2, 2)]);
    assertGradcheck(pow, [rt([3, 1], 13, 0.3, 2), rt([4], 14, -2, 2)]);
    assertGradcheck((x) => pow(x, 3), [rt([3, 5], 15, -2, 2)]);
    assertGradcheck((x) => pow(x, -1.5), [rt([3, 5], 16, 0.3, 2)]);
    assertGradcheck((x) => pow(2.5, x), [rt([3, 5], 17, -2, 2)]);
  });

  test('d/db at a zero base is 0 (as PyTorch), not NaN', () => {
    const [ga, gb] = grad(([a, b]: Tensor[]) => sum(pow(a!, b!)))([f64([0, 0, 2]), f64([2, 0, 3])]);
    assertClose(ga!, [0, 0, 12], 0, 1e-15);
    assertClose(gb!, [0, 0, 8 * Math.log(2)], 0, 1e-15);
  });

  test('bad input', () => {
    expectError(() => pow(f64([1, 2]), f64([1, 2, 3])), ShapeError, 'pow');
    expectError(() => pow(i32([2]), 0.5), DTypeError, 'pow');
  });
});

describe('where', () => {
  test('selects with broadcast int32 and float conditions', () => {
    const cond = i32([1, 0, 1], [3, 1]);
    const a = f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4]);
    const b = f64([-1, -2, -3, -4]);
    const y = where(cond, a, b);
    assertShape(y, [3, 4]);
    assertValues(y, [1, 2, 3, 4, -1, -2, -3, -4, 9, 10, 11, 12]);
    assertValues(where(f64([0, 0.5, -1]), f64([1, 2, 3]), 0), [0, 2, 3]);
    assertValues(where(i32([1, 0]), 7, f64([8, 9])), [7, 9]);
    const ints = where(i32([0, 1, 1]), i32([1, 2, 3]), i32([4, 5, 6]));
    assert.equal(ints.dtype, 'int32');
    assertValues(ints, [4, 2, 3]);
    // The condition can be the largest operand.
    assertShape(where(i32([1, 0, 1, 0, 1, 0], [2, 3]), f64([1]), f64([2])), [2, 3]);
  });

  test('gradcheck with broadcast cond, a and b (cond gets none)', () => {
    const cond = i32([1, 0, 1], [3, 1]);
    assertGradcheck((a, b) => where(cond, a, b!), [rt([3, 4], 18), rt([4], 19)]);
    assertGradcheck((a, b) => where(f64([1, 0, 0, 1], [1, 4]), a, b!), [rt([3, 1], 20), rt([3, 4], 21)]);
    assertGradcheck((a) => where(i32([0, 1, 1, 0, 0], [5]), a, 0), [rt([2, 5], 22)]);
  });

  test('bad input', () => {
    expectError(() => where(i32([1, 0, 1]), f64([1, 2]), f64([1])), ShapeError, 'where');
    expectError(() => where(i32([1, 0]), f64([1, 2]), tensor([1, 2])), DTypeError, 'where');
    expectError(() => where([1, 0] as never, f64([1, 2]), 0), ArgumentError, 'where');
    expectError(() => where(i32([1]), 1, 2), ArgumentError, 'where');
  });
});

describe('clamp', () => {
  test('values: both bounds, one bound, int32', () => {
    const x = f64([-3, -1, 0, 0.5, 2, 5]);
    assertValues(clamp(x, -1, 1), [-1, -1, 0, 0.5, 1, 1]);
    assertValues(clamp(x, 0), [0, 0, 0, 0.5, 2, 5]);
    assertValues(clamp(x, undefined, 0.5), [-3, -1, 0, 0.5, 0.5, 0.5]);
    assertValues(clamp(x, 2, 2), [2, 2, 2, 2, 2, 2]);
    const i = clamp(i32([-5, 0, 5]), -1, 3);
    assert.equal(i.dtype, 'int32');
    assertValues(i, [-1, 0, 3]);
    assert.ok(Number.isNaN(clamp(f64([NaN]), 0, 1).item()));
    assert.equal(clamp(tensor([3]), 0, 1).dtype, 'float32');
  });

  test('gradcheck with values on both sides of the bounds', () => {
    // Inputs away from -0.5 and 0.7: some below, some inside, some above.
    assertGradcheck((x) => clamp(x, -0.5, 0.7), [rtAway([3, 5], 25, [-0.5, 0.7], 0.05, -1.5, 1.5)]);
    assertGradcheck((x) => clamp(x, 0.2), [rtAway([3, 5], 26, [0.2])]);
    assertGradcheck((x) => clamp(x, undefined, -0.2), [rtAway([3, 5], 27, [-0.2])]);
    const g = grad((x: Tensor) => sum(clamp(x, -1, 1)))(f64([-2, -0.5, 0.5, 2]));
    assertValues(g, [0, 1, 1, 0]);
  });

  test('bad input', () => {
    expectError(() => clamp(f64([1])), ArgumentError, 'clamp');
    expectError(() => clamp(f64([1]), 2, 1), ArgumentError, 'clamp', /min \(2\) > max \(1\)/);
    expectError(() => clamp(3 as never, 0, 1), ArgumentError, 'clamp');
  });
});

test('float32 binary results match float64', () => {
  const a = rt([3, 5], 28, 0.5, 2);
  const b = rt([5], 29, 0.5, 2);
  for (const f of [add, sub, mul, div, pow, maximum]) {
    const y32 = f(cast(a, 'float32'), cast(b, 'float32'));
    assert.equal(y32.dtype, 'float32');
    const y64 = f(cast(cast(a, 'float32'), 'float64'), cast(cast(b, 'float32'), 'float64'));
    assertClose(y32, y64.data(), 1e-6, 1e-6);
  }
});

test('number operands and clamp bounds leave no tensors alive', () => {
  const x = rt([3, 4], 30);
  const c = i32([1, 0, 1, 1]);
  assertNoLeak(() => add(x, 1), 'add');
  assertNoLeak(() => pow(2, x), 'pow');
  assertNoLeak(() => where(c, 1, x), 'where');
  assertNoLeak(() => clamp(x, -0.5, 0.5), 'clamp');
  const xi = i32([1, 5]);
  assertNoLeak(() => clamp(xi, 0, 2), 'clamp int32');
});
