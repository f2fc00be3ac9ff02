import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';

test('tidy disposes what it created except the result', () => {
  const before = rc.memory();
  const kept = rc.tidy(() => {
    const a = rc.ones([4, 4]);
    const b = rc.mul(a, 3);
    return { out: rc.sum(b), list: [rc.add(b, 1)] };
  });
  assert.equal(rc.memory().numTensors, before.numTensors + 2);
  assert.equal(rc.memory().numBytes, before.numBytes + 4 + 64);
  rc.dispose(kept);
  assert.deepEqual(rc.memory(), before);
});

test('nested tidy hands survivors to the outer scope', () => {
  const before = rc.memory().numTensors;
  const r = rc.tidy(() => {
    const inner = rc.tidy(() => rc.add(rc.ones([2]), 1));
    assert.equal(inner.isDisposed, false);
    return rc.mul(inner, 2);
  });
  assert.equal(rc.memory().numTensors, before + 1);
  r.dispose();
});

test('keep exempts a tensor from tidy; dispose is idempotent; use after dispose throws', () => {
  const k = rc.tidy(() => rc.keep(rc.zeros([3])));
  assert.equal(k.isDisposed, false);
  k.dispose();
  k.dispose();
  assert.throws(() => k.data(), rc.DisposedError);
  assert.throws(() => rc.exp(k), rc.ArgumentError);
});

test('using frees a tensor at the end of the block', () => {
  const before = rc.memory().numTensors;
  {
    using t = rc.ones([5]);
    assert.equal(rc.memory().numTensors, before + 1);
    assert.equal(t.size, 5);
  }
  assert.equal(rc.memory().numTensors, before);
});

test('tidy rejects async functions and cleans up after a throw', () => {
  const before = rc.memory().numTensors;
  assert.throws(() => rc.tidy(() => {
    rc.ones([2]);
    throw new Error('x');
  }), /x/);
  assert.equal(rc.memory().numTensors, before);
  assert.throws(() => rc.tidy(async () => 1), TypeError);
});

test('ops and composites outside any scope leave exactly their result alive', () => {
  const x = rc.randn([4, 6]);
  const w = rc.ones([6]);
  const target = rc.tensor([1, 2, 3, 0], [4], { dtype: 'int32' });
  const cases: [string, () => rc.Tensor][] = [
    ['layerNorm', () => rc.layerNorm(x, w, w)],
    ['rmsNorm', () => rc.rmsNorm(x, w)],
    ['crossEntropy', () => rc.crossEntropy(x, target, { labelSmoothing: 0.1 })],
    ['mse', () => rc.mse(x, x)],
    ['bceWithLogits', () => rc.bceWithLogits(x, rc.sigmoid(x))],
    ['l2Normalize', () => rc.l2Normalize(x)],
    ['logsumexp', () => rc.logsumexp(x, 1)],
    ['variance', () => rc.variance(x, 0)],
    ['mean', () => rc.mean(x)],
    ['alphaDropout', () => rc.alphaDropout(x, 0.3, { rng: new rc.Rng(1) })],
    ['dropout', () => rc.dropout(x, 0.3, { rng: new rc.Rng(1) })],
    ['matmul 1-D', () => rc.matmul(rc.keep(w), x.rank === 2 ? rc.transpose(x) : x)],
  ];
  for (const [name, f] of cases) {
    const before = rc.memory().numTensors;
    const y = f();
    // bceWithLogits and matmul 1-D make one extra input tensor in the test itself.
    const extra = name === 'bceWithLogits' || name === 'matmul 1-D' ? 1 : 0;
    assert.equal(rc.memory().numTensors, before + 1 + extra, `${name} leaked`);
    y.dispose();
  }
});
