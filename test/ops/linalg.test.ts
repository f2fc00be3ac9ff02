import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { tensor } from '../../src/ops/creation.js';
import { linear, matmul } from '../../src/ops/linalg.js';
import { cast } from '../../src/ops/movement.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { assertNoLeak, assertShape, expectError, f64, i32, numel, ravel, rt, unravel } from './common.js';

/**
 * numpy.matmul in plain JS: promotes 1-D operands, broadcasts batch axes, removes promoted axes.
 */
function refMatmul(a: Tensor, b: Tensor): { data: number[]; shape: number[] } {
  const as = a.rank === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bs = b.rank === 1 ? [b.shape[0]!, 1] : [...b.shape];
  const [m, k] = as.slice(-2) as [number, number];
  const n = bs[bs.length - 1]!;
  const ab = as.slice(0, -2);
  const bb = bs.slice(0, -2);
  const nb = Math.max(ab.length, bb.length);
  const pa = [...Array<number>(nb - ab.length).fill(1), ...ab];
  const pb = [...Array<number>(nb - bb.length).fill(1), ...bb];
  const batch = pa.map((d, i) => Math.max(d, pb[i]!));
  const ad = a.data();
  const bd = b.data();
  const data: number[] = [];
  for (let p = 0; p < numel(batch); p++) {
    const bi = unravel(p, batch);
    const oa = ravel(bi.map((v, i) => (pa[i] === 1 ? 0 : v)), pa) * m * k;
    const ob = ravel(bi.map((v, i) => (pb[i] === 1 ? 0 : v)), pb) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let q = 0; q < k; q++) acc += ad[oa + i * k + q]! * bd[ob + q * n + j]!;
        data.push(acc);
      }
    }
  }
  const shape = [...batch, ...(a.rank === 1 ? [] : [m]), ...(b.rank === 1 ? [] : [n])];
  return { data, shape };
}

const CASES: [string, number[], number[]][] = [
  ['2-D @ 2-D', [3, 4], [4, 5]],
  ['batched', [2, 3, 4], [2, 4, 5]],
  ['batched @ 2-D', [2, 3, 4], [4, 2]],
  ['2-D @ batched', [3, 4], [2, 4, 5]],
  ['broadcast batch', [2, 1, 3, 4], [3, 4, 2]],
  ['1-D @ 2-D', [4], [4, 3]],
  ['2-D @ 1-D', [3, 4], [4]],
  ['1-D @ 1-D', [5], [5]],
  ['batched @ 1-D', [2, 3, 4], [4]],
  ['1-D @ batched', [4], [2, 4, 3]],
  ['k = 1 outer product', [3, 1], [1, 2]],
];

describe('matmul', () => {
  for (const [name, as, bs] of CASES) {
    test(`${name}: values`, () => {
      const a = rt(as, 1);
      const b = rt(bs, 2);
      const y = matmul(a, b);
      const r = refMatmul(a, b);
      assertShape(y, r.shape);
      assertClose(y, r.data, 1e-15, 1e-13);
    });

    test(`${name}: gradcheck`, () => {
      assertGradcheck(matmul, [rt(as, 3), rt(bs, 4)]);
    });
  }

  test('known small product', () => {
    const y = matmul(f64([1, 2, 3, 4, 5, 6], [2, 3]), f64([7, 8, 9, 10, 11, 12], [3, 2]));
    assert.deepEqual(y.toArray(), [[58, 64], [139, 154]]);
    assert.equal(matmul(f64([1, 2, 3]), f64([4, 5, 6])).item(), 32);
  });

  test('float32 matches float64', () => {
    const a = cast(rt([2, 5, 7], 5), 'float32');
    const b = cast(rt([7, 3], 6), 'float32');
    const y = matmul(a, b);
    assert.equal(y.dtype, 'float32');
    assertClose(y, matmul(cast(a, 'float64'), cast(b, 'float64')).data(), 1e-6, 1e-6);
  });

  test('bad input', () => {
    expectError(() => matmul(rt([2, 3], 1), rt([4, 2], 2)), ShapeError, 'matmul', /\[2, 3\] @ \[4, 2\]/);
    expectError(() => matmul(rt([3], 1), rt([4], 2)), ShapeError, 'matmul');
    expectError(() => matmul(rt([2, 2, 3], 1), rt([3, 3, 2], 2)), ShapeError, 'matmul');
    expectError(() => matmul(f64([1], []), rt([2], 2)), ShapeError, 'matmul', /at least 1-D/);
    expectError(() => matmul(i32([1, 2, 3, 4], [2, 2]), i32([1, 2, 3, 4], [2, 2])), DTypeError, 'matmul');
    expectError(() => matmul(rt([2, 2], 1), tensor([[1, 2], [3, 4]])), DTypeError, 'matmul');
    expectError(() => matmul(rt([2, 2], 1), [[1]] as never), ArgumentError, 'matmul');
  });
});

describe('linear', () => {
  /** x @ W^T + b in plain JS over the last axis of x. */
  function refLinear(x: Tensor, w: Tensor, b: Tensor | null): number[] {
    const [o, i] = w.shape as [number, number];
    const xd = x.data();
    const wd = w.data();
    const bd = b?.data();
    const out: number[] = [];
    for (let r = 0; r < x.size / i; r++) {
      for (let j = 0; j < o; j++) {
        let acc = bd ? bd[j]! : 0;
        for (let q = 0; q < i; q++) acc += xd[r * i + q]! * wd[j * i + q]!;
        out.push(acc);
      }
    }
    return out;
  }

  test('values for 2-D, 3-D and 1-D input, with and without bias', () => {
    const w = rt([4, 3], 7);
    const b = rt([4], 8);
    for (const shape of [[5, 3], [2, 3, 3], [3]]) {
      const x = rt(shape, 9);
      const y = linear(x, w, b);
      assertShape(y, [...shape.slice(0, -1), 4]);
      assertClose(y, refLinear(x, w, b), 1e-15, 1e-13, `${shape}`);
      assertClose(linear(x, w), refLinear(x, w, null), 1e-15, 1e-13, `${shape} no bias`);
      assertClose(linear(x, w, null), refLinear(x, w, null), 1e-15, 1e-13);
    }
  });

  test('gradcheck', () => {
    assertGradcheck((x, w, b) => linear(x, w!, b!), [rt([3, 5], 10), rt([2, 5], 11), rt([2], 12)]);
    assertGradcheck((x, w) => linear(x, w!), [rt([2, 3, 4], 13), rt([3, 4], 14)]);
    assertGradcheck((x, w, b) => linear(x, w!, b!), [rt([3], 15), rt([2, 3], 16), rt([2], 17)]);
  });

  test('float32 matches float64', () => {
    const x = cast(rt([4, 6], 18), 'float32');
    const w = cast(rt([5, 6], 19), 'float32');
    const b = cast(rt([5], 20), 'float32');
    const y = linear(x, w, b);
    assert.equal(y.dtype, 'float32');
    assertClose(y, linear(cast(x, 'float64'), cast(w, 'float64'), cast(b, 'float64')).data(), 1e-6, 1e-6);
  });

  test('bad input', () => {
    const x = rt([2, 3], 1);
    expectError(() => linear(x, rt([4, 2], 2)), ShapeError, 'linear', /in-features 2/);
    expectError(() => linear(x, rt([3], 2)), ShapeError, 'linear', /2-D/);
    expectError(() => linear(x, rt([4, 3], 2), rt([3], 3)), ShapeError, 'linear', /bias/);
    expectError(() => linear(x, rt([4, 3], 2, -1, 1, 'float32')), DTypeError, 'linear');
    expectError(() => linear(i32([1, 2, 3], [1, 3]), i32([1, 2, 3], [1, 3])), DTypeError, 'linear');
    expectError(() => linear(x, 'w' as never), ArgumentError, 'linear');
    expectError(() => linear(x, rt([4, 3], 2), [1, 2, 3, 4] as never), ArgumentError, 'linear', /bias/);
  });
});

test('matmul and linear leave no intermediate tensors alive', () => {
  const w = rt([3, 4], 60);
  const b = rt([3], 61);
  const x = rt([2, 5, 4], 62);
  assertNoLeak(() => linear(x, w, b), 'linear 3-D');
  const v = rt([4], 63);
  assertNoLeak(() => linear(v, w), 'linear 1-D');
  assertNoLeak(() => matmul(x, v), 'matmul batched @ 1-D');
  const xt = rt([2, 4, 5], 66);
  assertNoLeak(() => matmul(v, xt), 'matmul 1-D @ batched');
  const p = rt([2, 1, 3, 4], 64);
  const q = rt([3, 4, 2], 65);
  assertNoLeak(() => matmul(p, q), 'matmul broadcast');
});
