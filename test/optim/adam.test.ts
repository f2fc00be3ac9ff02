import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor } from '../../src/ops/creation.js';
import { ArgumentError } from '../../src/errors.js';
import { Adam, AdamW, cosineLr } from '../../src/optim/index.js';
import type { Optimizer } from '../../src/optim/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { checkAgainstRef, refAdam, runOpt } from './ref.js';

/** Minimises 0.5 * sum(a_i (x_i - c_i)^2) and returns the final x. */
function quadratic(make: (ps: Tensor[]) => Optimizer, steps: number): number[] {
  const a = [1, 4, 10];
  const c = [3, -2, 0.5];
  const x = tensor([0, 0, 0], [3], { dtype: 'float64' });
  const opt = make([x]);
  for (let k = 0; k < steps; k++) {
    const xv = x.data();
    opt.step([tensor(a.map((ai, i) => ai * (xv[i]! - c[i]!)), [3], { dtype: 'float64' })]);
  }
  return Array.from(x.data()).map((v, i) => v - c[i]!);
}

const PYTORCH_P0 = [0.5, -1.25, 2.0, 0.0, 3.5];
/** 10 float32 steps of grad_k[i] = sin(1.3k + 0.7i) * (1 + i), as run through torch 1.13. */
function runLikeTorch(make: (ps: Tensor[]) => Optimizer): number[] {
  const p = tensor(PYTORCH_P0, [5]);
  const opt = make([p]);
  for (let k = 0; k < 10; k++) opt.step([tensor(PYTORCH_P0.map((_, i) => Math.sin(1.3 * k + 0.7 * i) * (1 + i)), [5])]);
  return Array.from(p.data());
}

describe('Adam', () => {
  test('defaults match the reference over several steps (float64)', () => {
    checkAgainstRef((ps) => new Adam(ps), (p, g, r) => refAdam(p, g, { lr: 1e-3 }, r), 8, 'float64', 1e-13, 'adam');
  });

  test('custom betas/eps and L2 weight decay match the reference', () => {
    const o = { lr: 0.02, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1 };
    checkAgainstRef((ps) => new Adam(ps, { lr: 0.02, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.1 }), (p, g, r) => refAdam(p, g, o, r), 8, 'float64', 1e-13, 'adam wd');
  });

  test('amsgrad matches the reference and differs from plain Adam', () => {
    const o = { lr: 0.05, amsgrad: true, weightDecay: 0.01 };
    const h = checkAgainstRef((ps) => new Adam(ps, o), (p, g, r) => refAdam(p, g, o, r), 10, 'float64', 1e-13, 'amsgrad');
    const plain = runOpt((ps) => new Adam(ps, { lr: 0.05, weightDecay: 0.01 }), 10, 'float64').hist;
    assert.notDeepEqual(h[0]![9], plain[0]![9]);
    assert.deepEqual(Object.keys(new Adam([tensor([1], [1])], { amsgrad: true }).stateDict().slots), ['0.exp_avg', '0.exp_avg_sq', '0.max_exp_avg_sq']);
  });

  test('float32 parameters match a float32-rounding reference', () => {
    const o = { lr: 0.01, amsgrad: true };
    checkAgainstRef((ps) => new Adam(ps, o), (p, g, r) => refAdam(p, g, o, r), 10, 'float32', 2e-6, 'adam f32');
  });

  test('matches values recorded from PyTorch 1.13', () => {
    // torch.optim.Adam(lr=0.01, weight_decay=0.1, amsgrad=True)
    const torch = [0.4640409052371979, -1.2743180990219116, 1.9698649644851685, -0.01021293643862009, 3.4969630241394043];
    const got = runLikeTorch((ps) => new Adam(ps, { lr: 0.01, weightDecay: 0.1, amsgrad: true }));
    got.forEach((x, i) => assert.ok(Math.abs(x - torch[i]!) < 1e-6, `element ${i}: ${x} vs ${torch[i]}`));
  });

  test('rejects bad betas, eps and weight decay', () => {
    const p = [tensor([1], [1])];
    const bad: [object, RegExp][] = [
      [{ betas: [-0.1, 0.999] }, /Adam: option 'betas\[0\]' must be a finite number in \[0, 1\)/],
      [{ betas: [0.9, 1] }, /option 'betas\[1\]'/],
      [{ betas: [0.9] }, /option 'betas' must be a pair/],
      [{ eps: -1e-8 }, /option 'eps'/],
      [{ weightDecay: NaN }, /option 'weightDecay'/],
      [{ lr: -0.1 }, /option 'lr'/],
      [{ amsgrad: 'yes' }, /option 'amsgrad' must be a boolean/],
      [{ momentum: 0.9 }, /unknown option \[momentum\]/],
    ];
    for (const [opts, re] of bad) assert.throws(() => new Adam(p, opts as never), (e: unknown) => e instanceof ArgumentError && re.test(e.message), JSON.stringify(opts));
    assert.throws(() => new AdamW(p, { betas: [1.5, 0.9] }), /AdamW: option 'betas\[0\]'/);
  });

  test('converges on a quadratic with a cosine schedule', () => {
    const err = quadratic((ps) => new Adam(ps, { lr: cosineLr(0.1, 2000) }), 2000);
    err.forEach((e, i) => assert.ok(Math.abs(e) < 1e-3, `x[${i}] off by ${e}`));
  });
});

describe('AdamW', () => {
  test('decoupled weight decay matches the reference', () => {
    const o = { lr: 0.01, weightDecay: 0.2, decoupled: true };
    checkAgainstRef((ps) => new AdamW(ps, { lr: 0.01, weightDecay: 0.2 }), (p, g, r) => refAdam(p, g, o, r), 8, 'float64', 1e-13, 'adamw');
  });

  test('default weight decay is 1e-2 (and Adam default is 0)', () => {
    assert.equal(new AdamW([tensor([1], [1])]).stateDict().hyper.weightDecay, 0.01);
    assert.equal(new Adam([tensor([1], [1])]).stateDict().hyper.weightDecay, 0);
    const o = { lr: 1e-3, weightDecay: 0.01, decoupled: true };
    checkAgainstRef((ps) => new AdamW(ps), (p, g, r) => refAdam(p, g, o, r), 5, 'float64', 1e-13, 'adamw defaults');
  });

  test('amsgrad with decoupled decay matches the reference', () => {
    const o = { lr: 0.03, weightDecay: 0.05, amsgrad: true };
    checkAgainstRef((ps) => new AdamW(ps, o), (p, g, r) => refAdam(p, g, { ...o, decoupled: true }, r), 10, 'float64', 1e-13, 'adamw amsgrad');
  });

  test('decoupled decay differs from Adam with L2 decay', () => {
    const w = runOpt((ps) => new AdamW(ps, { lr: 0.01, weightDecay: 0.5 }), 5, 'float64').hist;
    const l2 = runOpt((ps) => new Adam(ps, { lr: 0.01, weightDecay: 0.5 }), 5, 'float64').hist;
    const none = runOpt((ps) => new Adam(ps, { lr: 0.01 }), 5, 'float64').hist;
    const diff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
    assert.ok(diff(w[0]![4]!, l2[0]![4]!) > 1e-4, 'AdamW and Adam+L2 should differ');
    assert.ok(diff(w[0]![4]!, none[0]![4]!) > 1e-5, 'AdamW decay should have an effect');
    // With a zero gradient AdamW shrinks p by exactly (1 - lr * wd) per step; Adam+L2 does not.
    const p = tensor([2], [1], { dtype: 'float64' });
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.5 });
    opt.step([tensor([0], [1], { dtype: 'float64' })]);
    assert.equal(p.item(), 2 * (1 - 0.1 * 0.5));
  });

  test('matches values recorded from PyTorch 1.13', () => {
    // torch.optim.AdamW(lr=0.01, betas=(0.8, 0.99))
    const torch = [0.4819885790348053, -1.2747094631195068, 1.9793449640274048, -0.008065396919846535, 3.500762462615967];
    const got = runLikeTorch((ps) => new AdamW(ps, { lr: 0.01, betas: [0.8, 0.99] }));
    got.forEach((x, i) => assert.ok(Math.abs(x - torch[i]!) < 2e-6, `element ${i}: ${x} vs ${torch[i]}`));
  });

  test('converges on a quadratic with a cosine schedule (no decay, so the optimum is unshifted)', () => {
    const err = quadratic((ps) => new AdamW(ps, { lr: cosineLr(0.1, 2000), weightDecay: 0 }), 2000);
    err.forEach((e, i) => assert.ok(Math.abs(e) < 1e-3, `x[${i}] off by ${e}`));
  });
});
