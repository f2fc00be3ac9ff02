import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { createTask } from '../../src/tasks/registry.js';
import { regimeValue, sinusoids, SINUSOID_AR, SINUSOID_PERIODS } from '../../src/tasks/sinusoids.js';
import { assertClose } from '../helpers.js';

const series = (xs: number[][]): number[] => xs.map((v) => v[0]!);

test('regimeValue by hand', () => {
  // 1·sin(π/2·1 + 0) + 0.5·sin(π·1 + π/2) = 1 − 0.5
  assertClose([regimeValue({ amp: [1, 0.5], omega: [Math.PI / 2, Math.PI], phase: [0, Math.PI / 2] }, 1)], [0.5], 1e-12);
  assert.equal(regimeValue({ amp: [], omega: [], phase: [] }, 3), 0);
});

test('one regime, one component, no noise: a pure sinusoid with a period in 10-100, and target = next input', () => {
  const task = sinusoids({ regimes: 1, components: 1, noise: 0 });
  assert.deepEqual([task.kind, task.perStep, task.inputDim, task.outputDim], ['regress', true, 1, 1]);
  for (const seed of [1, 2, 3]) {
    const ex = task.example(new Rng(seed), 200);
    const x = series(ex.input as number[][]), y = series(ex.target as number[][]);
    assert.equal(x.length, 200);
    assert.equal(y.length, 200);
    for (let t = 0; t + 1 < x.length; t++) assertClose([y[t]!], [x[t + 1]!], 1e-12);
    // A sinusoid obeys x[t+1] + x[t−1] = 2cos(ω)·x[t]: read cos ω where x[t] is large, check it everywhere.
    const t0 = x.findIndex((v, t) => t > 0 && Math.abs(v) > 0.3);
    const c = (x[t0 + 1]! + x[t0 - 1]!) / (2 * x[t0]!);
    for (let t = 1; t + 1 < x.length; t++) assertClose([x[t + 1]! + x[t - 1]!], [2 * c * x[t]!], 1e-9);
    const period = (2 * Math.PI) / Math.acos(c);
    assert.ok(period >= SINUSOID_PERIODS[0] && period <= SINUSOID_PERIODS[1], `period ${period}`);
    const peak = Math.max(...x.map(Math.abs));
    assert.ok(peak >= 0.45 && peak <= 1.5, `amplitude ${peak}`);
  }
});

test('stay 0 with two regimes switches every step: even and odd steps each follow one sinusoid', () => {
  const x = series(sinusoids({ regimes: 2, components: 1, stay: 0, noise: 0 }).example(new Rng(4), 120).input as number[][]);
  // Steps two apart obey x[t+2] + x[t−2] = 2cos(2ω)·x[t] within one regime; the two regimes differ.
  const ratio = (t: number): number => (x[t + 2]! + x[t - 2]!) / (2 * x[t]!);
  const pick = (par: number): number => { let t = 2 + par; while (Math.abs(x[t]!) < 0.3) t += 2; return ratio(t); };
  const cEven = pick(0), cOdd = pick(1);
  for (let t = 2; t + 2 < x.length; t++) assertClose([x[t + 2]! + x[t - 2]!], [2 * (t % 2 ? cOdd : cEven) * x[t]!], 1e-9);
  assert.ok(Math.abs(cEven - cOdd) > 1e-6);
  // stay 1 never switches: one sinusoid at step 1.
  const y = series(sinusoids({ regimes: 2, components: 1, stay: 1, noise: 0 }).example(new Rng(4), 120).input as number[][]);
  const t0 = y.findIndex((v, t) => t > 0 && Math.abs(v) > 0.3);
  const c = (y[t0 + 1]! + y[t0 - 1]!) / (2 * y[t0]!);
  for (let t = 1; t + 1 < y.length; t++) assertClose([y[t + 1]! + y[t - 1]!], [2 * c * y[t]!], 1e-9);
});

test('noise: same clean targets, AR(1) input noise with the stated sd and lag-1 correlation', () => {
  const clean = sinusoids({ noise: 0 }).example(new Rng(7), 20000);
  const noisy = sinusoids({ noise: 0.3 }).example(new Rng(7), 20000);
  assert.deepEqual(noisy.target, clean.target);
  const e = series(noisy.input as number[][]).map((v, t) => v - (clean.input as number[][])[t]![0]!);
  const sd = Math.sqrt(e.reduce((a, b) => a + b * b, 0) / e.length);
  let lag = 0;
  for (let t = 1; t < e.length; t++) lag += e[t]! * e[t - 1]!;
  const rho = lag / (e.length - 1) / (sd * sd);
  assert.ok(Math.abs(sd - 0.3) < 0.015, `noise sd ${sd}`);
  assert.ok(Math.abs(rho - SINUSOID_AR) < 0.03, `lag-1 correlation ${rho}`);
});

test('deterministic given the seed; the registry builds it with its options', () => {
  const t = createTask('sinusoids');
  assert.deepEqual(t.example(new Rng(11), 96), t.example(new Rng(11), 96));
  assert.notDeepEqual(t.example(new Rng(11), 96), t.example(new Rng(12), 96));
  assert.deepEqual(createTask('sinusoids', { regimes: '1', components: 1, noise: 0 }).example(new Rng(2), 50),
    sinusoids({ regimes: 1, components: 1, noise: 0 }).example(new Rng(2), 50));
});

test('bad input is an ArgumentError', () => {
  assert.throws(() => sinusoids({ regimes: 0 }), (e: unknown) => e instanceof ArgumentError && /regimes must be an integer >= 1/.test(e.message));
  assert.throws(() => sinusoids({ components: 1.5 }), ArgumentError);
  assert.throws(() => sinusoids({ stay: 1.2 }), (e: unknown) => e instanceof ArgumentError && /stay must be in \[0, 1\]/.test(e.message));
  assert.throws(() => sinusoids({ noise: -0.1 }), ArgumentError);
  assert.throws(() => sinusoids({ noise: Number.NaN }), ArgumentError);
  assert.throws(() => sinusoids().example(new Rng(0), 0), (e: unknown) => e instanceof ArgumentError && /length must be an integer >= 1/.test(e.message));
  assert.throws(() => createTask('sinusoids', { stay: 2 }), (e: unknown) => e instanceof ArgumentError && /option 'stay'/.test(e.message));
});
