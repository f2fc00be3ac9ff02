import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor } from '../../src/ops/creation.js';
import { ArgumentError } from '../../src/errors.js';
import { RAdam, cosineLr } from '../../src/optim/index.js';
import { checkAgainstRef, gradSeq, radamRho, refRAdam } from './ref.js';

describe('RAdam', () => {
  test('rho_t crosses 5 between steps 5 and 6 for the default beta2', () => {
    for (let t = 1; t <= 5; t++) assert.ok(radamRho(t, 0.999) <= 5, `step ${t}`);
    for (let t = 6; t <= 20; t++) assert.ok(radamRho(t, 0.999) > 5, `step ${t}`);
  });

  test('early steps (rho_t <= 5) take the un-adapted bias-corrected momentum step', () => {
    const lr = 0.1;
    const g = gradSeq(5, 4);
    const p = tensor([1, -1, 0.5, 2], [4], { dtype: 'float64' });
    const opt = new RAdam([p], { lr });
    const expected = [1, -1, 0.5, 2];
    const m = [0, 0, 0, 0];
    for (let k = 0; k < 5; k++) {
      opt.step([tensor(g[k]!, [4], { dtype: 'float64' })]);
      for (let i = 0; i < 4; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[k]![i]!;
        expected[i] = expected[i]! - lr * (m[i]! / (1 - 0.9 ** (k + 1)));
      }
      Array.from(p.data()).forEach((x, i) => assert.ok(Math.abs(x - expected[i]!) < 1e-14, `step ${k + 1} element ${i}: ${x} vs ${expected[i]}`));
    }
  });

  test('matches the reference across the rectification switch (12 steps, weight decay)', () => {
    const o = { lr: 0.02, weightDecay: 0.05 };
    checkAgainstRef((ps) => new RAdam(ps, o), (p, g, r) => refRAdam(p, g, o, r), 12, 'float64', 1e-13, 'radam');
  });

  test('custom betas/eps match the reference', () => {
    const o = { lr: 0.01, beta1: 0.5, beta2: 0.9, eps: 1e-4 };
    checkAgainstRef((ps) => new RAdam(ps, { lr: 0.01, betas: [0.5, 0.9], eps: 1e-4 }), (p, g, r) => refRAdam(p, g, o, r), 12, 'float64', 1e-13, 'radam betas');
  });

  test('float32 parameters match a float32-rounding reference', () => {
    const o = { lr: 0.01 };
    checkAgainstRef((ps) => new RAdam(ps, o), (p, g, r) => refRAdam(p, g, o, r), 12, 'float32', 2e-6, 'radam f32');
  });

  test('with beta2 = 0.5 rho_inf = 3, so it never rectifies', () => {
    assert.ok(radamRho(100, 0.5) <= 5);
    const o = { lr: 0.01, beta1: 0.9, beta2: 0.5 };
    checkAgainstRef((ps) => new RAdam(ps, { lr: 0.01, betas: [0.9, 0.5] }), (p, g, r) => refRAdam(p, g, o, r), 10, 'float64', 1e-13, 'radam beta2=0.5');
  });

  test('matches values recorded from PyTorch 1.13', () => {
    // torch.optim.RAdam(lr=0.01, weight_decay=0.1), float32, 10 steps (5 early, 5 rectified)
    const p0 = [0.5, -1.25, 2.0, 0.0, 3.5];
    const p = tensor(p0, [5]);
    const opt = new RAdam([p], { lr: 0.01, weightDecay: 0.1 });
    for (let k = 0; k < 10; k++) opt.step([tensor(p0.map((_, i) => Math.sin(1.3 * k + 0.7 * i) * (1 + i)), [5])]);
    const torch = [0.4863924980163574, -1.279847502708435, 1.9394333362579346, -0.030408455058932304, 3.5081467628479004];
    Array.from(p.data()).forEach((x, i) => assert.ok(Math.abs(x - torch[i]!) < 1e-6, `element ${i}: ${x} vs ${torch[i]}`));
  });

  test('rejects bad options', () => {
    const p = [tensor([1], [1])];
    assert.throws(() => new RAdam(p, { betas: [0.9, 1.2] }), (e: unknown) => e instanceof ArgumentError && /RAdam: option 'betas\[1\]'/.test(e.message));
    assert.throws(() => new RAdam(p, { amsgrad: true } as never), /RAdam: unknown option \[amsgrad\]/);
    assert.throws(() => new RAdam(p, { eps: Infinity }), /RAdam: option 'eps'/);
  });

  test('converges on a quadratic', () => {
    const a = [1, 4, 10];
    const c = [3, -2, 0.5];
    const x = tensor([0, 0, 0], [3], { dtype: 'float64' });
    const opt = new RAdam([x], { lr: cosineLr(0.1, 2000) });
    for (let k = 0; k < 2000; k++) {
      const xv = x.data();
      opt.step([tensor(a.map((ai, i) => ai * (xv[i]! - c[i]!)), [3], { dtype: 'float64' })]);
    }
    Array.from(x.data()).forEach((v, i) => assert.ok(Math.abs(v - c[i]!) < 1e-3, `x[${i}] = ${v}`));
  });
});
