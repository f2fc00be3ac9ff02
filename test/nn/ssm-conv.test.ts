import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rand, randn } from '../../src/ops/creation.js';
import { mul } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { Rng } from '../../src/tensor/rng.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { causalConv } from '../../src/nn/ssm/causal-conv.js';
import { fft } from '../../src/nn/ssm/fft.js';
import { diagonalKernel } from '../../src/nn/ssm/vandermonde.js';
import { assertClose, assertGradcheck } from '../helpers.js';

test('fft: forward then inverse is the identity; a delta has a flat spectrum', () => {
  const re = Float64Array.from([1, 2, 3, 4, 0, -1, 0.5, 2]), im = new Float64Array(8);
  const r2 = re.slice(), i2 = im.slice();
  fft(r2, i2);
  fft(r2, i2, true);
  assertClose(r2, re, 1e-12, 1e-12);
  const dr = Float64Array.from([1, 0, 0, 0]), di = new Float64Array(4);
  fft(dr, di);
  assertClose(dr, [1, 1, 1, 1], 1e-15, 0);
});

test('causalConv equals the direct sum, any length', () => {
  for (const T of [1, 2, 5, 16, 33]) {
    const rng = new Rng(T);
    const u = randn([2, 3, T], { rng, dtype: 'float64' }), K = randn([3, T], { rng, dtype: 'float64' });
    const ud = u.data(), kd = K.data();
    const want: number[] = [];
    for (let b = 0; b < 2; b++) for (let h = 0; h < 3; h++) for (let t = 0; t < T; t++) {
      let s = 0;
      for (let k = 0; k <= t; k++) s += kd[h * T + k]! * ud[(b * 3 + h) * T + t - k]!;
      want.push(s);
    }
    assertClose(causalConv(u, K), want, 1e-10, 1e-10, `T=${T}`);
  }
});

test('causalConv gradcheck (float64) for u and K', () => {
  const rng = new Rng(3);
  const u = randn([2, 2, 7], { rng, dtype: 'float64' }), K = randn([2, 7], { rng, dtype: 'float64' }), w = randn([2, 2, 7], { rng, dtype: 'float64' });
  assertGradcheck((a, b) => sum(mul(causalConv(a!, b!), w)), [u, K]);
});

test('causalConv bad input', () => {
  assert.throws(() => causalConv(randn([2, 3, 4]), randn([3, 5])), ShapeError);
  assert.throws(() => causalConv(randn([2, 3, 4]), randn([3, 4], { dtype: 'float64' })), ArgumentError);
});

test('diagonalKernel equals Re(Σ w e^{kz}) and passes gradcheck (float64)', () => {
  const rng = new Rng(4);
  const [wr, wi] = [randn([2, 3], { rng, dtype: 'float64' }), randn([2, 3], { rng, dtype: 'float64' })];
  const [zr, zi] = [mul(rand([2, 3], { rng, dtype: 'float64' }), -0.5), randn([2, 3], { rng, dtype: 'float64' })];
  const T = 6;
  const K = diagonalKernel(wr, wi, zr, zi, T).data();
  const [a, b, c, d] = [wr, wi, zr, zi].map((t) => t.data());
  for (let h = 0; h < 2; h++) for (let k = 0; k < T; k++) {
    let s = 0;
    for (let n = 0; n < 3; n++) {
      const i = h * 3 + n, m = Math.exp(k * c[i]!), ang = k * d[i]!;
      s += a[i]! * m * Math.cos(ang) - b[i]! * m * Math.sin(ang);
    }
    assert.ok(Math.abs(K[h * T + k]! - s) < 1e-12, `K[${h},${k}]`);
  }
  const w = randn([2, T], { rng, dtype: 'float64' });
  assertGradcheck((p, q, r, s) => sum(mul(diagonalKernel(p!, q!, r!, s!, T), w)), [wr, wi, zr, zi]);
});
