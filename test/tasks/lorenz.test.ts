import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { lorenz, lorenzField, LORENZ_MEAN, LORENZ_STD, rk4Step } from '../../src/tasks/lorenz.js';
import { assertClose } from '../helpers.js';

test('vector field and one RK4 step by hand', () => {
  // At (1, 1, 1): ẋ = 10·0 = 0, ẏ = 1·27 − 1 = 26, ż = 1 − 8/3 = −5/3.
  assertClose(lorenzField([1, 1, 1]), [0, 26, -5 / 3], 1e-12);
  // One step of h = 0.01 from (1, 1, 1), stage by stage:
  //   k1 = f(1, 1, 1)                          = (0, 26, −1.6666667)
  //   k2 = f(1, 1.13, 0.99166667)              = (1.3, 25.878333, −1.5144444)
  //   k3 = f(1.0065, 1.1293917, 0.99242778)    = (1.2289167, 26.053730, −1.5097414)
  //   k4 = f(1.0122892, 1.2605373, 0.98490259) = (2.4824813, 26.086553, −1.3503786)
  //   s + h/6·(k1 + 2k2 + 2k3 + k4)           = (1.0125672, 1.2599178, 0.98489097)
  assertClose(lorenzField([1, 1.13, 1 - 0.005 * 5 / 3]), [1.3, 25.878333, -1.5144444], 1e-6);
  assertClose(lorenzField([1.0065, 1.1293917, 0.99242778]), [1.2289167, 26.05373, -1.5097414], 1e-5);
  assertClose(lorenzField([1.0122892, 1.2605373, 0.98490259]), [2.4824813, 26.086553, -1.3503786], 1e-5);
  assertClose(rk4Step([1, 1, 1]), [1.0125672, 1.2599178, 0.98489097], 1e-7);
});

test('RK4 is fourth order: one step of 0.01 matches 100 steps of 1e-4 closely', () => {
  let fine: readonly number[] = [-3, 4, 25];
  for (let i = 0; i < 100; i++) fine = rk4Step(fine, 1e-4);
  const coarse = rk4Step([-3, 4, 25]);
  assertClose(coarse, fine, 1e-5, 0);
  const err = Math.hypot(...coarse.map((v, i) => v - fine[i]!));
  // Halving the step must cut the error by about 2⁵ = 32 (local error O(h⁵)).
  const half = rk4Step(rk4Step([-3, 4, 25], 0.005), 0.005);
  const errHalf = Math.hypot(...half.map((v, i) => v - fine[i]!));
  assert.ok(err / errHalf > 10, `error ratio ${err / errHalf}`);
  assert.throws(() => rk4Step([1, 2]), ArgumentError);
});

test('examples: shapes, target = next clean state, noise at the requested level, z-scored', () => {
  const T = 400;
  const clean = lorenz({ noise: 0 }).example(new Rng(5), T);
  const inp = clean.input as number[][];
  const tgt = clean.target as number[][];
  assert.equal(inp.length, T);
  assert.equal(tgt.length, T);
  assert.ok(inp.every((v) => v.length === 3) && tgt.every((v) => v.length === 3));
  // Without noise the target at t is the input at t+1, and one RK4 step maps one to the other.
  for (let t = 0; t + 1 < T; t++) assertClose(tgt[t]!, inp[t + 1]!, 1e-12);
  const unz = (v: number[]): number[] => v.map((x, i) => x * LORENZ_STD[i]! + LORENZ_MEAN[i]!);
  assertClose(unz(tgt[10]!), rk4Step(unz(inp[10]!)), 1e-9);
  // Same seed and length with noise: the clean targets are identical; inputs differ by ~N(0, 0.05²).
  const noisy = lorenz().example(new Rng(5), T);
  assert.deepEqual(noisy.target, clean.target);
  const d = (noisy.input as number[][]).flatMap((v, t) => v.map((x, i) => x - inp[t]![i]!));
  const sd = Math.sqrt(d.reduce((a, b) => a + b * b, 0) / d.length);
  assert.ok(sd > 0.045 && sd < 0.055, `noise sd ${sd}`);
  // A long clean run is roughly standardised by the fixed constants.
  const long = lorenz({ noise: 0 }).example(new Rng(6), 20000).target as number[][];
  for (let i = 0; i < 3; i++) {
    const m = long.reduce((a, v) => a + v[i]!, 0) / long.length;
    const s = Math.sqrt(long.reduce((a, v) => a + (v[i]! - m) ** 2, 0) / long.length);
    assert.ok(Math.abs(m) < 0.2 && Math.abs(s - 1) < 0.15, `coordinate ${i}: mean ${m}, sd ${s}`);
  }
});

test('determinism and bad input', () => {
  const t = lorenz();
  assert.deepEqual(t.example(new Rng(1), 50), t.example(new Rng(1), 50));
  assert.notDeepEqual(t.example(new Rng(1), 50).target, t.example(new Rng(2), 50).target);
  assert.throws(() => t.example(new Rng(1), 0), ArgumentError);
  assert.throws(() => lorenz({ noise: -0.1 }), ArgumentError);
  assert.throws(() => lorenz({ noise: NaN }), ArgumentError);
  assert.equal(t.inputDim, 3);
  assert.equal(t.outputDim, 3);
});
