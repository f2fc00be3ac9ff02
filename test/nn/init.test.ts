import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';

const { init } = rc.nn;

function stats(t: rc.Tensor): { mean: number; std: number; min: number; max: number } {
  const d = Array.from(t.data());
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return { mean, std, min: Math.min(...d), max: Math.max(...d) };
}

test('fans follow PyTorch for linear and conv weights', () => {
  assert.deepEqual(init.fans([8, 4]), { fanIn: 4, fanOut: 8 });
  assert.deepEqual(init.fans([8, 4, 3]), { fanIn: 12, fanOut: 24 });
  assert.throws(() => init.fans([3]), rc.ShapeError);
});

test('initialisers have the documented bounds and variances', () => {
  const rng = new rc.Rng(0);
  const shape = [400, 300];
  const xu = stats(init.xavierUniform(shape, { rng }));
  const a = Math.sqrt(6 / 700);
  assert.ok(xu.max <= a && xu.min >= -a && xu.max > 0.99 * a);
  assert.ok(Math.abs(xu.std - Math.sqrt(2 / 700)) < 0.02 * Math.sqrt(2 / 700));
  const xn = stats(init.xavierNormal(shape, { rng }));
  assert.ok(Math.abs(xn.std - Math.sqrt(2 / 700)) < 0.02 * Math.sqrt(2 / 700));
  const ku = stats(init.kaimingUniform(shape, { rng }));
  assert.ok(Math.abs(ku.std - Math.sqrt(2 / 300)) < 0.02 * Math.sqrt(2 / 300));
  const kn = stats(init.kaimingNormal(shape, { rng, mode: 'fanOut' }));
  assert.ok(Math.abs(kn.std - Math.sqrt(2 / 400)) < 0.02 * Math.sqrt(2 / 400));
  const ln = stats(init.lecunNormal(shape, { rng }));
  assert.ok(Math.abs(ln.std - Math.sqrt(1 / 300)) < 0.02 * Math.sqrt(1 / 300));
  const u = stats(init.uniform([1000], -2, 3, { rng }));
  assert.ok(u.min >= -2 && u.max < 3);
  const n = stats(init.normal([20000], 1, 0.5, { rng }));
  assert.ok(Math.abs(n.mean - 1) < 0.02 && Math.abs(n.std - 0.5) < 0.02);
});

test('orthogonal gives orthonormal rows or columns, scaled by gain', () => {
  for (const [r, c] of [[6, 4], [4, 6], [5, 5]] as const) {
    const q = init.orthogonal([r, c], { rng: new rc.Rng(r * 10 + c), gain: 2, dtype: 'float64' });
    const qt = rc.transpose(q);
    const gram = r >= c ? rc.matmul(qt, q) : rc.matmul(q, qt);
    const n = Math.min(r, c);
    const g = gram.data();
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(g[i * n + j]! - (i === j ? 4 : 0)) < 1e-12);
  }
  assert.throws(() => init.orthogonal([3]), rc.ShapeError);
});

test('bad arguments raise typed errors', () => {
  assert.throws(() => init.uniform([2], 1, 0), rc.ArgumentError);
  assert.throws(() => init.normal([2], 0, -1), rc.ArgumentError);
});
