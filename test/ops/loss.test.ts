import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { tensor, zeros } from '../../src/ops/creation.js';
import { bce, bceWithLogits, crossEntropy, embedding, mse } from '../../src/ops/loss.js';
import type { CrossEntropyOptions, Reduction } from '../../src/ops/loss.js';
import { cast } from '../../src/ops/movement.js';
import { grad } from '../../src/autodiff/grad.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { assertNoLeak, assertShape, assertValues, expectError, f64, i32, rt } from './common.js';

/**
 * PyTorch's cross-entropy by hand: per item (1-ε)·NLL + ε·mean_c(-log p_c), weighted by the mask
 * (0 for ignored targets); 'mean' divides by the total weight.
 */
function refCrossEntropy(logits: Tensor, target: number[], opts: { ignoreIndex?: number; mask?: number[]; eps?: number; reduction?: Reduction }): number[] {
  const C = logits.shape[logits.rank - 1]!;
  const d = Array.from(logits.data());
  const eps = opts.eps ?? 0;
  const per: number[] = [];
  const ws: number[] = [];
  target.forEach((t, i) => {
    const row = d.slice(i * C, i * C + C);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((p, v) => p + Math.exp(v - m), 0));
    const w = t === opts.ignoreIndex ? 0 : (opts.mask?.[i] ?? 1);
    ws.push(w);
    if (w === 0) {
      per.push(0);
      return;
    }
    const nll = lse - row[t]!;
    const smooth = row.reduce((p, v) => p + (lse - v), 0) / C;
    per.push(w * ((1 - eps) * nll + eps * smooth));
  });
  const total = per.reduce((p, q) => p + q, 0);
  const r = opts.reduction ?? 'mean';
  if (r === 'none') return per;
  if (r === 'sum') return [total];
  const wsum = ws.reduce((p, q) => p + q, 0);
  return [wsum > 0 ? total / wsum : 0];
}

describe('crossEntropy', () => {
  const logits = rt([4, 5], 1, -3, 3);
  const target = [0, 3, 4, 1];

  test('plain: mean, sum and none', () => {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const y = crossEntropy(logits, i32(target), { reduction });
      assertShape(y, reduction === 'none' ? [4] : []);
      assertClose(y, refCrossEntropy(logits, target, { reduction }), 1e-14, 1e-13, reduction);
    }
    assertClose(crossEntropy(logits, i32(target)), refCrossEntropy(logits, target, {}), 1e-14, 1e-13);
  });

  test('uniform logits give log C', () => {
    assertClose(crossEntropy(zeros([3, 7], { dtype: 'float64' }), i32([0, 6, 2])), [Math.log(7)], 0, 1e-15);
  });

  test('ignoreIndex (out-of-range sentinel and a real class)', () => {
    const t = [0, -100, 4, -100];
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      assertClose(crossEntropy(logits, i32(t), { ignoreIndex: -100, reduction }), refCrossEntropy(logits, t, { ignoreIndex: -100, reduction }), 1e-14, 1e-13);
    }
    assertClose(crossEntropy(logits, i32(target), { ignoreIndex: 3 }), refCrossEntropy(logits, target, { ignoreIndex: 3 }), 1e-14, 1e-13);
    // Equals the mean over the kept rows only.
    const kept = crossEntropy(f64(Array.from(logits.data()).filter((_, i) => i < 5 || (i >= 10 && i < 15)), [2, 5]), i32([0, 4]));
    assertClose(crossEntropy(logits, i32(t), { ignoreIndex: -100 }), [kept.item()], 1e-15, 1e-14);
  });

  test('mask weights (float and int32)', () => {
    const mask = [1, 0.5, 0, 2];
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      assertClose(crossEntropy(logits, i32(target), { mask: f64(mask), reduction }), refCrossEntropy(logits, target, { mask, reduction }), 1e-14, 1e-13);
    }
    const m01 = [1, 0, 1, 1];
    assertClose(crossEntropy(logits, i32(target), { mask: i32(m01) }), refCrossEntropy(logits, target, { mask: m01 }), 1e-14, 1e-13);
    assertClose(crossEntropy(logits, i32(target), { mask: tensor(m01) }), refCrossEntropy(logits, target, { mask: m01 }), 1e-14, 1e-13);
  });

  test('label smoothing', () => {
    for (const eps of [0.1, 0.5, 1]) {
      for (const reduction of ['mean', 'none'] as const) {
        assertClose(crossEntropy(logits, i32(target), { labelSmoothing: eps, reduction }), refCrossEntropy(logits, target, { eps, reduction }), 1e-14, 1e-13);
      }
    }
  });

  test('ignoreIndex + mask + label smoothing on 3-D logits', () => {
    const x = rt([2, 3, 4], 2, -2, 2);
    const t = [1, 3, -1, 0, 2, -1];
    const mask = [1, 0.25, 1, 0, 1, 1];
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const y = crossEntropy(x, i32(t, [2, 3]), { ignoreIndex: -1, mask: f64(mask, [2, 3]), labelSmoothing: 0.2, reduction });
      if (reduction === 'none') assertShape(y, [2, 3]);
      assertClose(y, refCrossEntropy(x, t, { ignoreIndex: -1, mask, eps: 0.2, reduction }), 1e-14, 1e-13, reduction);
    }
  });

  test('everything ignored gives 0 under mean (not NaN) and zero gradient', () => {
    const opts: CrossEntropyOptions = { ignoreIndex: 2 };
    assert.equal(crossEntropy(logits, i32([2, 2, 2, 2]), opts).item(), 0);
    const g = grad((x: Tensor) => crossEntropy(x, i32([2, 2, 2, 2]), opts))(logits);
    assertValues(g, new Array<number>(20).fill(0));
  });

  test('gradcheck: plain, ignoreIndex + mask + label smoothing, every reduction', () => {
    assertGradcheck((x) => crossEntropy(x, i32([2, 0, 4])), [rt([3, 5], 3, -2, 2)]);
    const t = i32([1, 4, -100, 0, 2, 2], [2, 3]);
    const mask = f64([1, 0.5, 1, 0, 2, 1], [2, 3]);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      assertGradcheck((x) => crossEntropy(x, t, { ignoreIndex: -100, mask, labelSmoothing: 0.1, reduction }), [rt([2, 3, 5], 4, -2, 2)]);
    }
    assertGradcheck((x) => crossEntropy(x, i32([3, 3, 1]), { labelSmoothing: 0.3 }), [rt([3, 4], 5, -2, 2)]);
  });

  test('the gradient is (softmax - smoothed one-hot) · w / Σw', () => {
    const x = rt([2, 3], 6);
    const g = grad((a: Tensor) => crossEntropy(a, i32([2, 0]), { labelSmoothing: 0.3, mask: f64([1, 3]) }))(x);
    const d = Array.from(x.data());
    const expected: number[] = [];
    [[2, 1], [0, 3]].forEach(([t, w], r) => {
      const row = d.slice(r * 3, r * 3 + 3);
      const s = row.reduce((p, v) => p + Math.exp(v), 0);
      row.forEach((v, c) => expected.push((Math.exp(v) / s - (0.7 * +(c === t) + 0.3 / 3)) * w! / 4));
    });
    assertClose(g, expected, 1e-15, 1e-13);
  });

  test('float32 matches float64', () => {
    const x = cast(rt([5, 6], 7, -4, 4), 'float32');
    const t = i32([5, 0, 2, -100, 3]);
    const y = crossEntropy(x, t, { ignoreIndex: -100, labelSmoothing: 0.1 });
    assert.equal(y.dtype, 'float32');
    assertClose(y, crossEntropy(cast(x, 'float64'), t, { ignoreIndex: -100, labelSmoothing: 0.1 }).data(), 1e-6, 1e-6);
  });

  test('bad input', () => {
    const t = i32(target);
    expectError(() => crossEntropy(logits, f64(target)), DTypeError, 'crossEntropy', /int32/);
    expectError(() => crossEntropy(i32([1, 2, 3, 4], [2, 2]), i32([0, 1])), DTypeError, 'crossEntropy');
    expectError(() => crossEntropy(logits, i32([0, 1, 2])), ShapeError, 'crossEntropy', /\[4, 5\]/);
    expectError(() => crossEntropy(logits, i32(target, [4, 1])), ShapeError, 'crossEntropy');
    expectError(() => crossEntropy(logits, i32([0, 5, 1, 1])), ArgumentError, 'crossEntropy', /target value 5/);
    expectError(() => crossEntropy(logits, i32([0, -1, 1, 1]), { ignoreIndex: -100 }), ArgumentError, 'crossEntropy', /-1/);
    expectError(() => crossEntropy(logits, t, { labelSmoothing: 1.5 }), ArgumentError, 'crossEntropy', /labelSmoothing/);
    expectError(() => crossEntropy(logits, t, { reduction: 'avg' as never }), ArgumentError, 'crossEntropy', /reduction/);
    expectError(() => crossEntropy(logits, t, { mask: f64([1, 1]) }), ShapeError, 'crossEntropy', /mask/);
    expectError(() => crossEntropy(logits, t, { mask: [1, 1, 1, 1] as never }), ArgumentError, 'crossEntropy');
    expectError(() => crossEntropy(logits, [0, 1, 2, 3] as never), ArgumentError, 'crossEntropy');
  });
});

describe('mse', () => {
  test('values for every reduction', () => {
    const p = [1, 2, -1, 0.5];
    const t = [0, 2, 1, 1];
    const sq = p.map((v, i) => (v - t[i]!) ** 2);
    assertClose(mse(f64(p), f64(t)), [sq.reduce((a, b) => a + b) / 4], 0, 1e-15);
    assertClose(mse(f64(p), f64(t), { reduction: 'sum' }), [sq.reduce((a, b) => a + b)], 0, 1e-15);
    assertClose(mse(f64(p, [2, 2]), f64(t, [2, 2]), { reduction: 'none' }), sq, 0, 1e-15);
  });

  test('gradcheck (prediction and target)', () => {
    assertGradcheck((a, b) => mse(a, b!), [rt([3, 5], 8), rt([3, 5], 9)]);
    assertGradcheck((a, b) => mse(a, b!, { reduction: 'none' }), [rt([2, 3], 10), rt([2, 3], 11)]);
  });

  test('bad input', () => {
    expectError(() => mse(f64([1, 2]), f64([1, 2, 3])), ShapeError, 'mse', /\[2\].*\[3\]/);
    expectError(() => mse(i32([1]), i32([1])), DTypeError, 'mse');
    expectError(() => mse(f64([1]), tensor([1])), DTypeError, 'mse', /float64.*float32/);
    expectError(() => mse(f64([1]), f64([1]), { reduction: 'max' as never }), ArgumentError, 'mse');
  });
});

describe('bce', () => {
  test('values, including logs clamped at -100', () => {
    const p = [0.1, 0.5, 0.9, 0.3];
    const t = [0, 1, 1, 0.25];
    const per = p.map((v, i) => -(t[i]! * Math.log(v) + (1 - t[i]!) * Math.log(1 - v)));
    assertClose(bce(f64(p), f64(t), { reduction: 'none' }), per, 1e-15, 1e-14);
    assertClose(bce(f64(p), f64(t)), [per.reduce((a, b) => a + b) / 4], 1e-15, 1e-14);
    assertClose(bce(f64(p), f64(t), { reduction: 'sum' }), [per.reduce((a, b) => a + b)], 1e-15, 1e-14);
    assertClose(bce(f64([0, 1, 0, 1]), f64([1, 0, 0, 1]), { reduction: 'none' }), [100, 100, 0, 0], 0, 0);
  });

  test('gradcheck (probability and soft target)', () => {
    assertGradcheck((a, b) => bce(a, b!), [rt([3, 5], 12, 0.1, 0.9), rt([3, 5], 13, 0, 1)]);
    assertGradcheck((a, b) => bce(a, b!, { reduction: 'none' }), [rt([2, 3], 22, 0.05, 0.95), rt([2, 3], 23, 0, 1)]);
  });

  test('loss and gradient stay finite at probabilities of exactly 0 and 1 (PyTorch values)', () => {
    // torch.nn.functional.binary_cross_entropy(p, t, reduction='sum') and its gradients, except
    // that d/dt uses the clamped logs (PyTorch gives +-inf there).
    const p = [0, 1, 0.3, 1e-30];
    const t = [1, 0, 0.2, 0.5];
    const loss = bce(f64(p), f64(t), { reduction: 'sum' });
    assertClose(loss, [235.0649], 1e-4);
    const [gp, gt] = grad(([a, b]: Tensor[]) => bce(a!, b!, { reduction: 'sum' }))([f64(p), f64(t)]);
    assertClose(gp!, [-1e12, 1e12, 0.1 / 0.21, -5e11], 0, 1e-12);
    assertClose(gt!, [100, -100, Math.log(0.7 / 0.3), -Math.log(1e-30)], 0, 1e-12);
    const g32 = grad((a: Tensor) => bce(a, tensor([1, 0, 0.2])))(tensor([0, 1, 0.3]));
    assert.ok(Array.from(g32.data()).every(Number.isFinite));
  });

  test('bad input', () => {
    expectError(() => bce(f64([0.5]), f64([1, 0])), ShapeError, 'bce');
    expectError(() => bce(i32([0]), i32([1])), DTypeError, 'bce');
    expectError(() => bce(f64([0.5]), tensor([1])), DTypeError, 'bce');
    expectError(() => bce(f64([0.5]), f64([1]), { reduction: 'mean ' as never }), ArgumentError, 'bce');
  });
});

describe('bceWithLogits', () => {
  test('values equal bce(sigmoid(x)) and stay finite for large logits', () => {
    const x = [-3, -0.5, 0, 2];
    const t = [0, 1, 0.5, 1];
    const per = x.map((v, i) => {
      const s = 1 / (1 + Math.exp(-v));
      return -(t[i]! * Math.log(s) + (1 - t[i]!) * Math.log(1 - s));
    });
    assertClose(bceWithLogits(f64(x), f64(t), { reduction: 'none' }), per, 1e-15, 1e-13);
    assertClose(bceWithLogits(f64(x), f64(t)), [per.reduce((a, b) => a + b) / 4], 1e-15, 1e-13);
    assertClose(bceWithLogits(f64([1000, -1000, 1000]), f64([0, 0, 1]), { reduction: 'none' }), [1000, 0, 0], 0, 1e-15);
  });

  test('gradcheck (logits and target)', () => {
    assertGradcheck((a, b) => bceWithLogits(a, b!), [rt([3, 5], 14, -3, 3), rt([3, 5], 15, 0, 1)]);
    assertGradcheck((a, b) => bceWithLogits(a, b!, { reduction: 'sum' }), [rt([4], 16, -3, 3), rt([4], 17, 0, 1)]);
  });

  test('float32 matches float64', () => {
    const x = cast(rt([3, 5], 18, -5, 5), 'float32');
    const t = cast(rt([3, 5], 19, 0, 1), 'float32');
    assertClose(bceWithLogits(x, t), bceWithLogits(cast(x, 'float64'), cast(t, 'float64')).data(), 1e-6, 1e-6);
  });

  test('bad input', () => {
    expectError(() => bceWithLogits(f64([0.5, 1]), f64([1, 0], [2, 1])), ShapeError, 'bceWithLogits');
    expectError(() => bceWithLogits(f64([0.5]), f64([1]), { reduction: '' as never }), ArgumentError, 'bceWithLogits');
  });
});

describe('embedding', () => {
  test('looks up rows for ids of any shape, with repeats', () => {
    const w = f64([0, 1, 10, 11, 20, 21], [3, 2]);
    const y = embedding(i32([2, 0, 2, 1], [2, 2]), w);
    assertShape(y, [2, 2, 2]);
    assertValues(y, [20, 21, 0, 1, 20, 21, 10, 11]);
    assertValues(embedding(i32([1]), w), [10, 11]);
  });

  test('gradcheck with repeated ids (gradients accumulate)', () => {
    assertGradcheck((ids, w) => embedding(ids, w!), [i32([1, 3, 1, 0, 1], [5]), rt([4, 3], 20)]);
    const g = grad((w: Tensor) => mse(embedding(i32([1, 1, 2]), w), zeros([3, 2], { dtype: 'float64' }), { reduction: 'sum' }))(f64([1, 1, 2, 3, 4, 5], [3, 2]));
    assertValues(g, [0, 0, 8, 12, 8, 10]);
  });

  test('bad input', () => {
    const w = rt([3, 2], 21);
    expectError(() => embedding(f64([0, 1]), w), DTypeError, 'embedding', /int32/);
    expectError(() => embedding(i32([0, 3]), w), ArgumentError, 'embedding', /3/);
    expectError(() => embedding(i32([-1]), w), ArgumentError, 'embedding');
    expectError(() => embedding(i32([0]), rt([3], 22)), ShapeError, 'embedding');
    expectError(() => embedding([0] as never, w), ArgumentError, 'embedding');
  });
});

test('losses leave no intermediate tensors alive', () => {
  const x = rt([3, 4], 30);
  const p = rt([3, 4], 31, 0.1, 0.9);
  const t = i32([0, 3, 1]);
  const mask = f64([1, 0.5, 0]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    assertNoLeak(() => crossEntropy(x, t, { reduction }), `crossEntropy ${reduction}`);
    assertNoLeak(() => crossEntropy(x, t, { reduction, mask, labelSmoothing: 0.1, ignoreIndex: 1 }), `crossEntropy smoothed ${reduction}`);
    assertNoLeak(() => mse(x, p, { reduction }), `mse ${reduction}`);
    assertNoLeak(() => bce(p, p, { reduction }), `bce ${reduction}`);
    assertNoLeak(() => bceWithLogits(x, p, { reduction }), `bceWithLogits ${reduction}`);
  }
  const w = rt([4, 2], 32);
  assertNoLeak(() => embedding(t, w), 'embedding');
});
