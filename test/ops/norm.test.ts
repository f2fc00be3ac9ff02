import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { tensor } from '../../src/ops/creation.js';
import { l2Normalize, layerNorm, rmsNorm } from '../../src/ops/norm.js';
import { cast } from '../../src/ops/movement.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { assertNoLeak, assertShape, expectError, f64, i32, numel, ravel, rt, unravel } from './common.js';

/** Applies `f` to each row of length n (last axis) of a flat array. */
function perRow(d: ArrayLike<number>, n: number, f: (row: number[]) => number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < d.length / n; r++) out.push(...f(Array.from(d).slice(r * n, r * n + n)));
  return out;
}

function refLayerNorm(x: Tensor, w: number[] | null, b: number[] | null, eps: number): number[] {
  const n = x.shape[x.rank - 1]!;
  return perRow(x.data(), n, (row) => {
    const m = row.reduce((p, q) => p + q, 0) / n;
    const v = row.reduce((p, q) => p + (q - m) ** 2, 0) / n;
    return row.map((val, j) => ((val - m) / Math.sqrt(v + eps)) * (w ? w[j]! : 1) + (b ? b[j]! : 0));
  });
}

function refRmsNorm(x: Tensor, w: number[] | null, eps: number): number[] {
  const n = x.shape[x.rank - 1]!;
  return perRow(x.data(), n, (row) => {
    const ms = row.reduce((p, q) => p + q * q, 0) / n;
    return row.map((val, j) => (val / Math.sqrt(ms + eps)) * (w ? w[j]! : 1));
  });
}

describe('layerNorm', () => {
  test('values with weight and bias, weight only, bias only, no affine; any leading shape', () => {
    const x = rt([2, 3, 5], 1, -3, 3);
    const w = rt([5], 2, 0.5, 1.5);
    const b = rt([5], 3);
    const wd = Array.from(w.data());
    const bd = Array.from(b.data());
    assertClose(layerNorm(x, w, b), refLayerNorm(x, wd, bd, 1e-5), 1e-14, 1e-12);
    assertClose(layerNorm(x, w), refLayerNorm(x, wd, null, 1e-5), 1e-14, 1e-12);
    assertClose(layerNorm(x, null, b), refLayerNorm(x, null, bd, 1e-5), 1e-14, 1e-12);
    assertClose(layerNorm(x), refLayerNorm(x, null, null, 1e-5), 1e-14, 1e-12);
    assertClose(layerNorm(x, w, b, 0.1), refLayerNorm(x, wd, bd, 0.1), 1e-14, 1e-12);
    const y = layerNorm(f64([1, 2, 3, 4]));
    assertShape(y, [4]);
    // Normalised rows have zero mean and (biased) unit variance up to eps.
    const yd = Array.from(layerNorm(x, null, null, 0).data());
    for (let r = 0; r < 6; r++) {
      const row = yd.slice(r * 5, r * 5 + 5);
      const m = row.reduce((p, q) => p + q, 0) / 5;
      assert.ok(Math.abs(m) < 1e-14);
      assert.ok(Math.abs(row.reduce((p, q) => p + q * q, 0) / 5 - 1) < 1e-13);
    }
    // A constant row maps to the bias.
    assertClose(layerNorm(f64([2, 2, 2]), null, f64([1, 2, 3])), [1, 2, 3], 0, 0);
  });

  test('gradcheck: weight + bias, weight only, bias only, no affine', () => {
    const x = rt([3, 5], 4, -2, 2);
    const w = rt([5], 5, 0.5, 1.5);
    const b = rt([5], 6);
    assertGradcheck((a, ww, bb) => layerNorm(a, ww, bb), [x, w, b]);
    assertGradcheck((a, ww) => layerNorm(a, ww), [x, w]);
    assertGradcheck((a, bb) => layerNorm(a, null, bb), [x, b]);
    assertGradcheck((a) => layerNorm(a), [x]);
    assertGradcheck((a, ww, bb) => layerNorm(a, ww, bb, 0.5), [rt([2, 2, 3], 7), rt([3], 8), rt([3], 9)]);
  });

  test('float32 matches float64', () => {
    const x = cast(rt([4, 7], 10, -3, 3), 'float32');
    const w = cast(rt([7], 11), 'float32');
    const b = cast(rt([7], 12), 'float32');
    const y = layerNorm(x, w, b);
    assert.equal(y.dtype, 'float32');
    assertClose(y, layerNorm(cast(x, 'float64'), cast(w, 'float64'), cast(b, 'float64')).data(), 1e-5, 1e-5);
  });

  test('bad input', () => {
    const x = rt([2, 4], 13);
    expectError(() => layerNorm(x, rt([3], 14)), ShapeError, 'layerNorm', /weight \[3\] must be \[4\]/);
    expectError(() => layerNorm(x, null, rt([4, 1], 14)), ShapeError, 'layerNorm', /bias/);
    expectError(() => layerNorm(i32([1, 2])), DTypeError, 'layerNorm');
    expectError(() => layerNorm(x, rt([4], 14, -1, 1, 'float32')), DTypeError, 'layerNorm');
    expectError(() => layerNorm(x, null, null, -1), ArgumentError, 'layerNorm', /eps/);
    expectError(() => layerNorm(f64([1], [])), ShapeError, 'layerNorm');
    expectError(() => layerNorm(x, [1, 2, 3, 4] as never), ArgumentError, 'layerNorm');
  });
});

describe('rmsNorm', () => {
  test('values with and without weight', () => {
    const x = rt([2, 3, 4], 15, -3, 3);
    const w = rt([4], 16, 0.5, 1.5);
    assertClose(rmsNorm(x, w), refRmsNorm(x, Array.from(w.data()), 1e-6), 1e-14, 1e-12);
    assertClose(rmsNorm(x), refRmsNorm(x, null, 1e-6), 1e-14, 1e-12);
    assertClose(rmsNorm(x, null, 0.3), refRmsNorm(x, null, 0.3), 1e-14, 1e-12);
    assertClose(rmsNorm(f64([3, 4])), [3 / Math.sqrt(12.5 + 1e-6), 4 / Math.sqrt(12.5 + 1e-6)], 0, 1e-15);
  });

  test('gradcheck with and without weight', () => {
    assertGradcheck((a, w) => rmsNorm(a, w), [rt([3, 5], 17, -2, 2), rt([5], 18, 0.5, 1.5)]);
    assertGradcheck((a) => rmsNorm(a), [rt([3, 5], 19, -2, 2)]);
    assertGradcheck((a, w) => rmsNorm(a, w, 0.5), [rt([2, 1, 3], 20), rt([3], 21)]);
  });

  test('float32 matches float64', () => {
    const x = cast(rt([4, 7], 22, -3, 3), 'float32');
    const w = cast(rt([7], 23), 'float32');
    assertClose(rmsNorm(x, w), rmsNorm(cast(x, 'float64'), cast(w, 'float64')).data(), 1e-5, 1e-5);
  });

  test('bad input', () => {
    expectError(() => rmsNorm(rt([2, 4], 24), rt([2], 25)), ShapeError, 'rmsNorm');
    expectError(() => rmsNorm(i32([1, 2])), DTypeError, 'rmsNorm');
    expectError(() => rmsNorm(rt([2, 4], 24), null, NaN), ArgumentError, 'rmsNorm');
  });
});

describe('l2Normalize', () => {
  test('unit norm along an axis; zero vectors stay zero', () => {
    const x = rt([3, 4], 26, -2, 2);
    const d = x.data();
    const y = l2Normalize(x);
    assertClose(y, perRow(d, 4, (row) => {
      const nrm = Math.hypot(...row);
      return row.map((v) => v / nrm);
    }), 1e-15, 1e-14);
    const y0 = l2Normalize(x, 0).data();
    for (let p = 0; p < 12; p++) {
      const [, j] = unravel(p, [3, 4]) as [number, number];
      const nrm = Math.hypot(...[0, 1, 2].map((i) => d[ravel([i, j], [3, 4])]!));
      assert.ok(Math.abs(y0[p]! - d[p]! / nrm) < 1e-15);
    }
    assertClose(l2Normalize(f64([0, 0, 0])), [0, 0, 0], 0, 0);
    // Norms below eps are clamped: x / eps.
    assertClose(l2Normalize(f64([3e-13, 4e-13]), -1, 1e-12), [0.3, 0.4], 1e-15, 1e-12);
    assertShape(l2Normalize(rt([2, 3, 2], 27), 1), [2, 3, 2]);
  });

  test('gradcheck', () => {
    assertGradcheck((a) => l2Normalize(a), [rt([3, 5], 28)]);
    assertGradcheck((a) => l2Normalize(a, 0), [rt([3, 2], 29)]);
    // Below eps the map is linear: x / eps.
    assertGradcheck((a) => l2Normalize(a, -1, 10), [rt([2, 3], 30)]);
  });

  test('float32 matches float64', () => {
    const x = cast(rt([3, 5], 31), 'float32');
    assertClose(l2Normalize(x), l2Normalize(cast(x, 'float64')).data(), 1e-6, 1e-6);
  });

  test('bad input', () => {
    expectError(() => l2Normalize(i32([1, 2])), DTypeError, 'l2Normalize');
    expectError(() => l2Normalize(rt([2], 32), 1), ShapeError, 'l2Normalize');
    expectError(() => l2Normalize(tensor as never), ArgumentError, 'l2Normalize');
  });
});

test('norms of an empty batch keep the shape', () => {
  assertShape(layerNorm(f64([], [0, 3])), [0, 3]);
  assertShape(rmsNorm(f64([], [0, 3])), [0, 3]);
  assert.equal(numel([0, 3]), 0);
});

test('norms leave no intermediate tensors alive', () => {
  const x = rt([3, 4], 40);
  const w = rt([4], 41);
  assertNoLeak(() => layerNorm(x, w, w), 'layerNorm');
  assertNoLeak(() => rmsNorm(x, w), 'rmsNorm');
  assertNoLeak(() => l2Normalize(x, 0), 'l2Normalize');
});
