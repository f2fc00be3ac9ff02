import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';
import { assertClose, assertGradcheck } from '../helpers.js';

test('valueAndGrad over a parameter tree returns grads in the same structure', () => {
  const params = { w: rc.tensor([[1, 2], [3, 4]]), b: [rc.tensor([0.5, -0.5])] };
  const x = rc.tensor([[1, 1]]);
  const { value, grads } = rc.valueAndGrad((p: typeof params, input: rc.Tensor) =>
    rc.sum(rc.add(rc.matmul(input, p.w), p.b[0]!)))(params, x);
  assertClose(value, [10]);
  assertClose(grads.w, [[1, 1], [1, 1]]);
  assertClose(grads.b[0]!, [1, 1]);
});

test('grad of a tensor that does not influence the output is zeros', () => {
  const a = rc.tensor([1, 2, 3]);
  const unused = rc.tensor([4, 5]);
  const g = rc.grad((p: rc.Tensor[]) => rc.sum(rc.square(p[0]!)))([a, unused]);
  assertClose(g[0]!, [2, 4, 6]);
  assertClose(g[1]!, [0, 0]);
});

test('gradients accumulate when a tensor is used twice', () => {
  const x = rc.tensor([3]);
  const g = rc.grad((t: rc.Tensor) => rc.sum(rc.add(rc.mul(t, t), t)))(x);
  assertClose(g, [7]);
});

test('valueAndGrad rejects a non-scalar output and int32 leaves', () => {
  assert.throws(() => rc.valueAndGrad((t: rc.Tensor) => rc.mul(t, 2))(rc.tensor([1, 2])), rc.ShapeError);
  assert.throws(() => rc.grad((t: rc.Tensor) => rc.sum(t))(rc.tensor([1, 2], [2], { dtype: 'int32' })), rc.DTypeError);
  assert.throws(() => rc.grad((_: rc.Tensor[]) => rc.scalar(1))([]), rc.ArgumentError);
});

test('noGrad stops recording', () => {
  const x = rc.tensor([2]);
  const g = rc.grad((t: rc.Tensor) => {
    const c = rc.noGrad(() => rc.mul(t, t));
    return rc.sum(rc.mul(c, t));
  })(x);
  assertClose(g, [4]);
});

test('vjp gives the cotangent-weighted gradient of a tensor output', () => {
  const x = rc.tensor([1, 2, 3]);
  const { value, grads } = rc.vjp((t: rc.Tensor) => rc.square(t), x, rc.tensor([1, 0, 2]));
  assertClose(value, [1, 4, 9]);
  assertClose(grads, [2, 0, 12]);
  assert.throws(() => rc.vjp((t: rc.Tensor) => rc.square(t), x, rc.tensor([1, 0])), rc.ShapeError);
});

test('customGrad uses the hand-written backward (a straight-through estimator)', () => {
  const roundSte = rc.customGrad('roundSte', (x: rc.Tensor) => {
    const v = rc.tensor(Array.from(x.data()).map(Math.round), x.shape);
    return { value: v, gradFunc: ([dy]) => [rc.mul(dy!, 1)] };
  });
  const x = rc.tensor([0.4, 1.6]);
  const { value, grads } = rc.valueAndGrad((t: rc.Tensor) => rc.sum(rc.mul(roundSte(t) as rc.Tensor, rc.tensor([2, 3]))))(x);
  assertClose(value, [0 * 2 + 2 * 3]);
  assertClose(grads, [2, 3]);
});

test('customGrad with two outputs receives zeros for an unused output', () => {
  const split2 = rc.customGrad('split2', (x: rc.Tensor) => ({
    value: [rc.mul(x, 2), rc.mul(x, 3)],
    gradFunc: ([d0, d1]) => [rc.add(rc.mul(d0!, 2), rc.mul(d1!, 3))],
  }));
  const g = rc.grad((t: rc.Tensor) => rc.sum((split2(t) as rc.Tensor[])[1]!))(rc.tensor([1, 1]));
  assertClose(g, [3, 3]);
});

test('gradcheck detects a wrong gradient rule', () => {
  const wrong = rc.customGrad('wrongSquare', (x: rc.Tensor) => ({
    value: rc.square(x),
    gradFunc: ([dy]) => [rc.mul(dy!, x)], // should be 2x
  }));
  const report = rc.gradcheck((x) => wrong(x) as rc.Tensor, [rc.tensor([0.5, -1.5, 2])]);
  assert.equal(report.ok, false);
  assert.ok(report.maxAbsError > 0.1);
});

test('gradcheck passes through a composite of many ops', () => {
  const x = rc.randn([3, 4], { rng: new rc.Rng(1) });
  const w = rc.randn([4, 4], { rng: new rc.Rng(2) });
  assertGradcheck((a, b) => rc.logsumexp(rc.mul(rc.tanh(rc.matmul(a, b)), rc.sigmoid(a)), -1), [x, w]);
});

test('tidy inside a differentiated function does not break backward', () => {
  const x = rc.tensor([1, 2, 3]);
  const g = rc.grad((t: rc.Tensor) => {
    const h = rc.tidy(() => rc.exp(rc.mul(t, 0.5)));
    return rc.sum(h);
  })(x);
  assertClose(g, [1, 2, 3].map((v) => 0.5 * Math.exp(0.5 * v)), 1e-6, 1e-6);
});

test('valueAndGrad frees every intermediate it created', () => {
  const x = rc.randn([8, 8]);
  const before = rc.memory().numTensors;
  const { value, grads } = rc.valueAndGrad((t: rc.Tensor) => rc.mean(rc.softmax(rc.matmul(t, t))))(x);
  assert.equal(rc.memory().numTensors, before + 2);
  value.dispose();
  grads.dispose();
  assert.equal(rc.memory().numTensors, before);
});

test('an exception inside valueAndGrad frees its tensors and rethrows', () => {
  const x = rc.randn([4]);
  const before = rc.memory().numTensors;
  assert.throws(() => rc.valueAndGrad((t: rc.Tensor) => {
    rc.exp(t);
    throw new Error('boom');
  })(x), /boom/);
  assert.equal(rc.memory().numTensors, before);
});
