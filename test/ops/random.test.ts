import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { randn, tensor } from '../../src/ops/creation.js';
import { alphaDropout, dropout } from '../../src/ops/random.js';
import { sum } from '../../src/ops/reduce.js';
import { grad } from '../../src/autodiff/grad.js';
import { Rng, seed } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError } from '../../src/errors.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { assertNoLeak, assertShape, assertValues, expectError, f64, i32, rt } from './common.js';

// PyTorch's alpha dropout constants: alpha' = -SELU scale * alpha.
const ALPHA = 1.7580993408473766;

/** a, and the values of kept (a*x + keepShift) and dropped elements, per PyTorch's _dropout_impl. */
function alphaParams(p: number): { a: number; keepShift: number; dropped: number } {
  const a = 1 / Math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p));
  return { a, keepShift: ALPHA * a * p, dropped: -ALPHA * a + ALPHA * a * p };
}

const stats = (d: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < d.length; i++) m += d[i]!;
  m /= d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += (d[i]! - m) ** 2;
  return { mean: m, variance: v / d.length };
};

describe('dropout', () => {
  test('drops about p of 10^4 elements and scales the rest by 1/(1-p)', () => {
    for (const p of [0.1, 0.3, 0.75]) {
      const x = rt([100, 100], 1, 0.5, 2);
      const y = dropout(x, p, { rng: new Rng(2) });
      assertShape(y, [100, 100]);
      const xd = x.data();
      const yd = y.data();
      let dropped = 0;
      for (let i = 0; i < yd.length; i++) {
        if (yd[i] === 0) dropped++;
        else assert.ok(Math.abs(yd[i]! - xd[i]! / (1 - p)) < 1e-12, `element ${i}: ${yd[i]} vs ${xd[i]! / (1 - p)}`);
      }
      // Binomial std is sqrt(p(1-p)/n) <= 0.005; allow 4 of them.
      assert.ok(Math.abs(dropped / yd.length - p) < 0.02, `p ${p}: dropped ${dropped / yd.length}`);
    }
  });

  test('same generator state, same mask; the global generator is used by default', () => {
    const x = rt([50], 3, 0.5, 2);
    assertValues(dropout(x, 0.5, { rng: new Rng(9) }), Array.from(dropout(x, 0.5, { rng: new Rng(9) }).data()));
    assert.notDeepEqual(Array.from(dropout(x, 0.5, { rng: new Rng(9) }).data()), Array.from(dropout(x, 0.5, { rng: new Rng(10) }).data()));
    seed(77);
    const a = Array.from(dropout(x, 0.5).data());
    seed(77);
    assertValues(dropout(x, 0.5), a);
  });

  test('training: false, p = 0 and p = 1', () => {
    const x = rt([3, 5], 4);
    const e = dropout(x, 0.5, { training: false });
    assert.notEqual(e, x);
    assertValues(e, Array.from(x.data()));
    assertValues(dropout(x, 0, { rng: new Rng(1) }), Array.from(x.data()));
    assertClose(dropout(x, 1, { rng: new Rng(1) }), new Array<number>(15).fill(0), 0, 0);
    const f = dropout(tensor([1, 2, 3, 4]), 0.5, { rng: new Rng(1) });
    assert.equal(f.dtype, 'float32');
    assert.ok(Array.from(f.data()).every((v, i) => v === 0 || v === 2 * (i + 1)));
  });

  test('gradcheck with a fixed mask (generator recreated per call)', () => {
    assertGradcheck((a) => dropout(a, 0.4, { rng: new Rng(5) }), [rt([3, 5], 5)]);
    assertGradcheck((a) => dropout(a, 0.5, { training: false }), [rt([3, 5], 6)]);
    // The gradient is the mask scaled by 1/(1-p).
    const x = rt([20], 7, 0.5, 2);
    const y = dropout(x, 0.25, { rng: new Rng(8) });
    const g = grad((a: Tensor) => sum(dropout(a, 0.25, { rng: new Rng(8) })))(x);
    assertClose(g, Array.from(y.data()).map((v) => (v === 0 ? 0 : 1 / 0.75)), 1e-15, 1e-15);
  });

  test('bad input', () => {
    expectError(() => dropout(rt([3], 1), 1.5), ArgumentError, 'dropout', /1\.5/);
    expectError(() => dropout(rt([3], 1), -0.1), ArgumentError, 'dropout');
    expectError(() => dropout(rt([3], 1), NaN), ArgumentError, 'dropout');
    expectError(() => dropout(i32([1, 2]), 0.5), DTypeError, 'dropout');
    expectError(() => dropout([1, 2] as never, 0.5), ArgumentError, 'dropout');
  });
});

describe('alphaDropout', () => {
  test('kept elements are a*x + b, dropped ones a constant (PyTorch formula)', () => {
    for (const p of [0.1, 0.5]) {
      const { a, keepShift, dropped } = alphaParams(p);
      const x = rt([100, 100], 11, -2, 2);
      const y = alphaDropout(x, p, { rng: new Rng(12) });
      const xd = x.data();
      const yd = y.data();
      let nDropped = 0;
      for (let i = 0; i < yd.length; i++) {
        if (Math.abs(yd[i]! - dropped) < 1e-12) nDropped++;
        else assert.ok(Math.abs(yd[i]! - (a * xd[i]! + keepShift)) < 1e-12, `element ${i}: ${yd[i]} vs ${a * xd[i]! + keepShift}`);
      }
      assert.ok(Math.abs(nDropped / yd.length - p) < 0.02, `p ${p}: dropped ${nDropped / yd.length}`);
    }
  });

  test('keeps mean ~0 and variance ~1 on standard-normal input (10^5 elements)', () => {
    const x = randn([100000], { rng: new Rng(13), dtype: 'float64' });
    const sx = stats(x.data());
    for (const p of [0.05, 0.2, 0.5]) {
      const s = stats(alphaDropout(x, p, { rng: new Rng(14) }).data());
      assert.ok(Math.abs(s.mean - sx.mean) < 0.02, `p ${p}: mean ${s.mean}`);
      assert.ok(Math.abs(s.variance - sx.variance) < 0.03, `p ${p}: variance ${s.variance}`);
    }
  });

  test('training: false, p = 0 and p = 1', () => {
    const x = rt([3, 5], 15);
    const e = alphaDropout(x, 0.3, { training: false });
    assert.notEqual(e, x);
    assertValues(e, Array.from(x.data()));
    assertValues(alphaDropout(x, 0, { rng: new Rng(1) }), Array.from(x.data()));
    // As PyTorch, p = 1 gives zeros.
    assertClose(alphaDropout(x, 1, { rng: new Rng(1) }), new Array<number>(15).fill(0), 0, 0);
    assert.equal(alphaDropout(tensor([1, 2]), 0.5, { rng: new Rng(1) }).dtype, 'float32');
  });

  test('gradcheck with a fixed mask', () => {
    assertGradcheck((a) => alphaDropout(a, 0.3, { rng: new Rng(16) }), [rt([3, 5], 17)]);
    const { a } = alphaParams(0.3);
    const x = rt([20], 18);
    const y = alphaDropout(x, 0.3, { rng: new Rng(19) }).data();
    const { dropped } = alphaParams(0.3);
    const g = grad((t: Tensor) => sum(alphaDropout(t, 0.3, { rng: new Rng(19) })))(x);
    assertClose(g, Array.from(y).map((v) => (Math.abs(v - dropped) < 1e-12 ? 0 : a)), 1e-15, 1e-14);
  });

  test('bad input', () => {
    expectError(() => alphaDropout(rt([3], 1), 2), ArgumentError, 'alphaDropout');
    expectError(() => alphaDropout(i32([1, 2]), 0.5), DTypeError, 'alphaDropout');
    expectError(() => alphaDropout(f64([1]), undefined as never), ArgumentError, 'alphaDropout');
  });
});

test('dropouts leave no intermediate tensors alive', () => {
  const x = rt([3, 4], 50);
  const rng = new Rng(51);
  assertNoLeak(() => dropout(x, 0.3, { rng }), 'dropout');
  assertNoLeak(() => alphaDropout(x, 0.3, { rng }), 'alphaDropout');
  assertNoLeak(() => dropout(x, 0.3, { training: false }), 'dropout eval');
});
