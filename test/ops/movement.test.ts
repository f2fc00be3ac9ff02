import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { tensor } from '../../src/ops/creation.js';
import {
  broadcastTo, cast, clone, concat, flatten, gather, indexSelect, narrow, permute, reshape, slice, split, squeeze, stack,
  transpose, unsqueeze,
} from '../../src/ops/movement.js';
import { mul } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { grad } from '../../src/autodiff/grad.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { assertNoLeak, assertShape, assertValues, expectError, f64, i32, numel, ravel, rt, unravel } from './common.js';

/** 0, 1, 2, ... as float64 in `shape`. */
const iota = (shape: number[]) => f64(Array.from({ length: numel(shape) }, (_, i) => i), shape);

describe('reshape', () => {
  test('keeps row-major order and infers -1', () => {
    const x = iota([2, 3]);
    const y = reshape(x, [3, 2]);
    assertShape(y, [3, 2]);
    assertValues(y, [0, 1, 2, 3, 4, 5]);
    assertShape(reshape(x, [-1]), [6]);
    assertShape(reshape(x, [1, -1, 2]), [1, 3, 2]);
    assertShape(reshape(tensor(5), [1, 1]), [1, 1]);
    assert.notEqual(y, x);
  });

  test('gradcheck', () => {
    assertGradcheck((a) => mul(reshape(a, [5, 3]), rt([5, 3], 9)), [rt([3, 5], 1)]);
    assertGradcheck((a) => reshape(a, [-1]), [rt([3, 1, 5], 2)]);
  });

  test('bad input', () => {
    const x = iota([2, 3]);
    expectError(() => reshape(x, [4, 2]), ShapeError, 'reshape', /\[2, 3\]/);
    expectError(() => reshape(x, [-1, -1]), ShapeError, 'reshape');
    expectError(() => reshape(x, [-1, 4]), ShapeError, 'reshape');
    expectError(() => reshape(x, [2.5, 2]), ShapeError, 'reshape');
    expectError(() => reshape([1, 2] as never, [2]), ArgumentError, 'reshape');
  });
});

describe('flatten', () => {
  test('collapses a range of axes', () => {
    const x = iota([2, 3, 4]);
    assertShape(flatten(x), [24]);
    assertShape(flatten(x, 1), [2, 12]);
    assertShape(flatten(x, 0, 1), [6, 4]);
    assertShape(flatten(x, -2, -1), [2, 12]);
    assertShape(flatten(x, 1, 1), [2, 3, 4]);
    assertShape(flatten(tensor(3)), [1]);
    assertValues(flatten(x, 1), Array.from({ length: 24 }, (_, i) => i));
  });

  test('gradcheck', () => {
    assertGradcheck((a) => flatten(a, 1), [rt([2, 3, 2], 3)]);
  });

  test('bad input', () => {
    const x = iota([2, 3, 4]);
    expectError(() => flatten(x, 2, 1), ShapeError, 'flatten');
    expectError(() => flatten(x, 0, 3), ShapeError, 'flatten');
  });
});

describe('unsqueeze / squeeze', () => {
  test('insert and remove unit axes', () => {
    const x = iota([2, 3]);
    assertShape(unsqueeze(x, 0), [1, 2, 3]);
    assertShape(unsqueeze(x, 1), [2, 1, 3]);
    assertShape(unsqueeze(x, -1), [2, 3, 1]);
    assertShape(unsqueeze(tensor(1), 0), [1]);
    const y = iota([1, 3, 1, 2]);
    assertShape(squeeze(y), [3, 2]);
    assertShape(squeeze(y, 0), [3, 1, 2]);
    assertShape(squeeze(y, [0, -2]), [3, 2]);
    assertValues(squeeze(y), [0, 1, 2, 3, 4, 5]);
  });

  test('gradcheck', () => {
    assertGradcheck((a) => unsqueeze(a, 1), [rt([3, 5], 4)]);
    assertGradcheck((a) => squeeze(a, 1), [rt([3, 1, 5], 5)]);
  });

  test('bad input', () => {
    expectError(() => unsqueeze(iota([2, 3]), 3), ShapeError, 'unsqueeze');
    expectError(() => squeeze(iota([2, 1]), 0), ShapeError, 'squeeze', /size 2/);
    expectError(() => squeeze(iota([2, 1]), 2), ShapeError, 'squeeze');
  });
});

describe('permute / transpose', () => {
  test('permute moves axes: y[k, i, j] = x[i, j, k]', () => {
    const shape = [2, 3, 4];
    const x = iota(shape);
    const y = permute(x, [2, 0, 1]);
    assertShape(y, [4, 2, 3]);
    const yd = y.data();
    for (let p = 0; p < yd.length; p++) {
      const [k, i, j] = unravel(p, [4, 2, 3]) as [number, number, number];
      assert.equal(yd[p], ravel([i, j, k], shape));
    }
    assertShape(permute(x, [-1, 0, 1]), [4, 2, 3]);
  });

  test('transpose swaps the last two axes by default', () => {
    const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const t = transpose(x);
    assertShape(t, [3, 2]);
    assertValues(t, [1, 4, 2, 5, 3, 6]);
    const x3 = iota([2, 3, 4]);
    assertShape(transpose(x3, 0, 2), [4, 3, 2]);
    assert.equal(transpose(x3, 0, 2).data()[ravel([3, 1, 0], [4, 3, 2])], ravel([0, 1, 3], [2, 3, 4]));
    assertValues(transpose(f64([1, 2, 3])), [1, 2, 3]);
  });

  test('gradcheck', () => {
    assertGradcheck((a) => permute(a, [1, 2, 0]), [rt([2, 3, 4], 6)]);
    assertGradcheck((a) => transpose(a), [rt([3, 5], 7)]);
    assertGradcheck((a) => transpose(a, 0, 2), [rt([2, 1, 3], 8)]);
  });

  test('bad input', () => {
    const x = iota([2, 3, 4]);
    expectError(() => permute(x, [0, 0, 1]), ShapeError, 'permute');
    expectError(() => permute(x, [0, 1]), ShapeError, 'permute');
    expectError(() => permute(x, [0, 1, 3]), ShapeError, 'permute');
    expectError(() => transpose(x, 0, 3), ShapeError, 'transpose');
  });
});

describe('slice / narrow', () => {
  test('slice takes a block; -1 size and negative begin', () => {
    const x = iota([3, 4]);
    assertValues(slice(x, [1, 1], [2, 2]), [5, 6, 9, 10]);
    assertValues(slice(x, [1]), [4, 5, 6, 7, 8, 9, 10, 11]);
    assertValues(slice(x, [0, 2], [-1, -1]), [2, 3, 6, 7, 10, 11]);
    assertValues(slice(x, [-1, -2]), [10, 11]);
    assertShape(slice(x, [0, 4], [3, 0]), [3, 0]);
  });

  test('narrow takes a range of one axis', () => {
    const x = iota([3, 4]);
    assertValues(narrow(x, 1, 1, 2), [1, 2, 5, 6, 9, 10]);
    assertValues(narrow(x, 0, 2, 1), [8, 9, 10, 11]);
    assertValues(narrow(x, -1, 3, 1), [3, 7, 11]);
  });

  test('gradcheck', () => {
    assertGradcheck((a) => slice(a, [1, 0, 2], [2, -1, 2]), [rt([3, 2, 5], 10)]);
    assertGradcheck((a) => narrow(a, 1, 1, 3), [rt([3, 5], 11)]);
  });

  test('bad input', () => {
    const x = iota([3, 4]);
    expectError(() => slice(x, [2], [2]), ShapeError, 'slice', /out of bounds/);
    expectError(() => slice(x, [0, 0, 0]), ShapeError, 'slice');
    expectError(() => slice(x, [0.5]), ShapeError, 'slice');
    expectError(() => narrow(x, 1, 3, 2), ShapeError, 'narrow');
    expectError(() => narrow(x, 2, 0, 1), ShapeError, 'narrow');
  });
});

describe('concat / stack / split', () => {
  test('concat along any axis', () => {
    const a = f64([1, 2, 3, 4], [2, 2]);
    const b = f64([5, 6], [1, 2]);
    const c = f64([7, 8, 9, 10, 11, 12], [2, 3]);
    assertValues(concat([a, b]), [1, 2, 3, 4, 5, 6]);
    const ac = concat([a, c], 1);
    assertShape(ac, [2, 5]);
    assertValues(ac, [1, 2, 7, 8, 9, 3, 4, 10, 11, 12]);
    assertValues(concat([a, c, a], -1), [1, 2, 7, 8, 9, 1, 2, 3, 4, 10, 11, 12, 3, 4]);
    assertValues(concat([a]), [1, 2, 3, 4]);
    const ints = concat([i32([1, 2]), i32([3])]);
    assert.equal(ints.dtype, 'int32');
    assertValues(ints, [1, 2, 3]);
  });

  test('stack adds an axis', () => {
    const a = f64([1, 2, 3]);
    const b = f64([4, 5, 6]);
    const s0 = stack([a, b]);
    assertShape(s0, [2, 3]);
    assertValues(s0, [1, 2, 3, 4, 5, 6]);
    const s1 = stack([a, b], 1);
    assertShape(s1, [3, 2]);
    assertValues(s1, [1, 4, 2, 5, 3, 6]);
    assertShape(stack([a, b, a], -1), [3, 3]);
    assertShape(stack([tensor(1), tensor(2)]), [2]);
  });

  test('split into equal parts or given sizes', () => {
    const x = iota([4, 3]);
    const halves = split(x, 2);
    assert.equal(halves.length, 2);
    assertValues(halves[0]!, [0, 1, 2, 3, 4, 5]);
    assertValues(halves[1]!, [6, 7, 8, 9, 10, 11]);
    const parts = split(x, [1, 2], 1);
    assertShape(parts[0]!, [4, 1]);
    assertShape(parts[1]!, [4, 2]);
    assertValues(parts[0]!, [0, 3, 6, 9]);
    assertValues(parts[1]!, [1, 2, 4, 5, 7, 8, 10, 11]);
    const thirds = split(x, 3, -1);
    assertValues(thirds[2]!, [2, 5, 8, 11]);
  });

  test('gradcheck', () => {
    assertGradcheck((a, b) => concat([a, b, a], 1), [rt([2, 3], 12), rt([2, 1], 13)]);
    assertGradcheck((a, b) => concat([a, b], 0), [rt([1, 3, 2], 14), rt([2, 3, 2], 15)]);
    assertGradcheck((a, b) => stack([a, b, a], 1), [rt([3, 2], 16), rt([3, 2], 17)]);
    const w = rt([3, 2], 18);
    assertGradcheck((a) => {
      const [p, q] = split(a, [2, 3], 1);
      return concat([mul(p!, w), q!], 1);
    }, [rt([3, 5], 19)]);
    assertGradcheck((a) => split(a, 3, 0)[1]!, [rt([3, 4], 20)]);
  });

  test('bad input', () => {
    const a = iota([2, 2]);
    expectError(() => concat([a, iota([2, 3])], 0), ShapeError, 'concat', /\[2, 2\], \[2, 3\]/);
    expectError(() => concat([a, iota([4])]), ShapeError, 'concat');
    expectError(() => concat([a, tensor([[1, 2]])]), DTypeError, 'concat');
    expectError(() => concat([]), ArgumentError, 'concat');
    expectError(() => concat([a], 2), ShapeError, 'concat');
    expectError(() => stack([a, iota([2, 3])]), ShapeError, 'stack');
    expectError(() => stack([a, tensor([[1, 2], [3, 4]])]), DTypeError, 'stack');
    expectError(() => stack([]), ArgumentError, 'stack');
    expectError(() => split(iota([5]), 2), ShapeError, 'split');
    expectError(() => split(iota([5]), [2, 2]), ShapeError, 'split', /add up/);
    expectError(() => split(iota([5]), [6, -1]), ShapeError, 'split');
  });
});

describe('broadcastTo', () => {
  test('numpy broadcasting', () => {
    const x = f64([1, 2, 3], [3, 1]);
    const y = broadcastTo(x, [2, 3, 4]);
    assertShape(y, [2, 3, 4]);
    const yd = y.data();
    for (let p = 0; p < yd.length; p++) assert.equal(yd[p], unravel(p, [2, 3, 4])[1]! + 1);
    assertValues(broadcastTo(f64([7]), [3]), [7, 7, 7]);
    assertValues(broadcastTo(tensor(2), [2, 2]), [2, 2, 2, 2]);
    assertValues(broadcastTo(f64([1, 2]), [2, 2]), [1, 2, 1, 2]);
  });

  test('gradcheck', () => {
    assertGradcheck((a) => broadcastTo(a, [2, 3, 4]), [rt([3, 1], 21)]);
    assertGradcheck((a) => broadcastTo(a, [3, 2, 5]), [rt([5], 22)]);
  });

  test('bad input', () => {
    expectError(() => broadcastTo(f64([1, 2, 3]), [4]), ShapeError, 'broadcastTo');
    expectError(() => broadcastTo(iota([2, 3]), [3]), ShapeError, 'broadcastTo');
    expectError(() => broadcastTo(iota([3]), [-1, 3]), ShapeError, 'broadcastTo');
  });
});

describe('indexSelect / gather', () => {
  test('indexSelect with repeated and multi-dimensional indices', () => {
    const x = iota([4, 3]);
    const rows = indexSelect(x, 0, i32([2, 0, 2]));
    assertShape(rows, [3, 3]);
    assertValues(rows, [6, 7, 8, 0, 1, 2, 6, 7, 8]);
    const cols = indexSelect(x, 1, i32([1, 1, 0, 2], [2, 2]));
    assertShape(cols, [4, 2, 2]);
    assertValues(cols, [1, 1, 0, 2, 4, 4, 3, 5, 7, 7, 6, 8, 10, 10, 9, 11]);
    const scalarIndex = indexSelect(x, -1, tensor(2, [], { dtype: 'int32' }));
    assertShape(scalarIndex, [4]);
    assertValues(scalarIndex, [2, 5, 8, 11]);
    const ints = indexSelect(i32([10, 20, 30]), 0, i32([2, 2, 1]));
    assert.equal(ints.dtype, 'int32');
    assertValues(ints, [30, 30, 20]);
  });

  test('gather (torch.gather) along both axes', () => {
    const x = iota([3, 4]);
    const g1 = gather(x, 1, i32([3, 0, 1, 1, 2, 2], [3, 2]));
    assertShape(g1, [3, 2]);
    assertValues(g1, [3, 0, 5, 5, 10, 10]);
    const g0 = gather(x, 0, i32([2, 1, 0, 2, 0, 0, 0, 0], [2, 4]));
    assertShape(g0, [2, 4]);
    assertValues(g0, [8, 5, 2, 11, 0, 1, 2, 3]);
    const x3 = iota([2, 3, 2]);
    const g = gather(x3, 1, i32([2, 0, 1, 1], [2, 1, 2]));
    assertValues(g, [4, 1, 8, 9]);
  });

  test('gradcheck with repeated indices (gradients accumulate)', () => {
    assertGradcheck((a, idx) => indexSelect(a, 0, idx!), [rt([4, 3], 23), i32([1, 3, 1, 1, 0])]);
    assertGradcheck((a, idx) => indexSelect(a, 1, idx!), [rt([2, 5], 24), i32([4, 4, 0, 2, 2, 2], [2, 3])]);
    assertGradcheck((a, idx) => gather(a, 1, idx!), [rt([3, 4], 25), i32([0, 0, 3, 2, 2, 2, 1, 3, 1], [3, 3])]);
    assertGradcheck((a, idx) => gather(a, 0, idx!), [rt([3, 2], 26), i32([2, 2, 2, 0], [2, 2])]);
  });

  test('the accumulated gradient counts repetitions', () => {
    const g = grad((a: Tensor) => sum(indexSelect(a, 0, i32([1, 1, 1, 3]))))(f64([0, 0, 0, 0]));
    assertValues(g, [0, 3, 0, 1]);
    const h = grad((a: Tensor) => sum(gather(a, 1, i32([2, 2, 0, 2], [2, 2]))))(f64([0, 0, 0, 0, 0, 0], [2, 3]));
    assertValues(h, [0, 0, 2, 1, 0, 1]);
  });

  test('bad input', () => {
    const x = iota([4, 3]);
    expectError(() => indexSelect(x, 0, f64([1, 2])), DTypeError, 'indexSelect', /int32/);
    expectError(() => indexSelect(x, 0, i32([1, 4])), ArgumentError, 'indexSelect', /4/);
    expectError(() => indexSelect(x, 1, i32([-1])), ArgumentError, 'indexSelect');
    expectError(() => indexSelect(x, 2, i32([0])), ShapeError, 'indexSelect');
    expectError(() => gather(x, 1, i32([0, 1], [2, 1])), ShapeError, 'gather');
    expectError(() => gather(x, 1, i32([0, 1, 2, 3], [4])), ShapeError, 'gather');
    expectError(() => gather(x, 1, i32([0, 1, 2, 3], [4, 1])), ArgumentError, 'gather', /3/);
    expectError(() => gather(x, 1, f64([0, 1, 2, 0], [4, 1])), DTypeError, 'gather');
  });
});

describe('cast / clone', () => {
  test('cast converts dtypes; float -> int32 truncates toward zero', () => {
    const x = f64([-1.7, -0.5, 0.5, 2.9, 3]);
    const i = cast(x, 'int32');
    assert.equal(i.dtype, 'int32');
    assertValues(i, [-1, 0, 0, 2, 3]);
    const back = cast(i, 'float64');
    assert.equal(back.dtype, 'float64');
    assertValues(back, [-1, 0, 0, 2, 3]);
    const f = cast(f64([0.1]), 'float32');
    assert.equal(f.dtype, 'float32');
    assert.equal(f.item(), Math.fround(0.1));
    assert.equal(cast(f, 'float64').item(), Math.fround(0.1));
  });

  test('clone is an equal, separate tensor', () => {
    const x = iota([2, 3]);
    const c = clone(x);
    assert.notEqual(c, x);
    assertShape(c, [2, 3]);
    assertValues(c, Array.from(x.data()));
    c.dispose();
    assertValues(x, [0, 1, 2, 3, 4, 5]);
  });

  test('gradcheck', () => {
    assertGradcheck((a) => cast(a, 'float64'), [rt([3, 5], 27)]);
    // Through float32 the function is linear, so a wide step keeps rounding noise small.
    assertGradcheck((a) => cast(a, 'float32'), [rt([3, 5], 28)], { eps: 1e-2, atol: 2e-4 });
    assertGradcheck((a) => clone(a), [rt([3, 5], 29)]);
  });

  test('bad input', () => {
    expectError(() => cast(iota([2]), 'int16' as never), DTypeError, 'cast');
    expectError(() => clone({} as never), ArgumentError, 'clone');
  });
});

test('float32 movement matches float64', () => {
  const x64 = rt([2, 3, 4], 30);
  const x32 = cast(x64, 'float32');
  const y64 = permute(slice(x64, [0, 1], [-1, 2]), [2, 0, 1]);
  const y32 = permute(slice(x32, [0, 1], [-1, 2]), [2, 0, 1]);
  assert.equal(y32.dtype, 'float32');
  assertClose(y32, y64.data(), 1e-7, 1e-7);
});

test('composite movement ops leave no intermediate tensors alive', () => {
  const a = rt([2, 3], 31);
  const b = rt([2, 3], 32);
  assertNoLeak(() => stack([a, b], 1), 'stack');
  assertNoLeak(() => split(a, 3, 1), 'split');
  assertNoLeak(() => flatten(a), 'flatten');
  assertNoLeak(() => narrow(a, 1, 1, 1), 'narrow');
  assertNoLeak(() => transpose(a), 'transpose');
  assertNoLeak(() => clone(a), 'clone');
});
