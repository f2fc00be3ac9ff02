import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor } from '../../src/ops/creation.js';
import { ArgumentError } from '../../src/errors.js';
import { SGD } from '../../src/optim/index.js';
import { checkAgainstRef, refSGD } from './ref.js';

describe('SGD', () => {
  test('plain SGD matches the reference (float64)', () => {
    checkAgainstRef((ps) => new SGD(ps, { lr: 0.1 }), (p, g, r) => refSGD(p, g, { lr: 0.1 }, r), 6, 'float64', 1e-13, 'sgd');
  });

  test('plain SGD with weight decay keeps no state', () => {
    const p = tensor([1, 2], [2], { dtype: 'float64' });
    const opt = new SGD([p], { lr: 0.5, weightDecay: 0.1 });
    opt.step([tensor([0.2, -0.4], [2], { dtype: 'float64' })]);
    // p - lr * (g + wd * p)
    assert.deepEqual(Array.from(p.data()), [1 - 0.5 * (0.2 + 0.1 * 1), 2 - 0.5 * (-0.4 + 0.1 * 2)]);
    assert.deepEqual(Object.keys(opt.stateDict().slots), []);
  });

  test('momentum with dampening matches the reference (buffer starts at the first gradient)', () => {
    const o = { lr: 0.05, momentum: 0.9, dampening: 0.3 };
    checkAgainstRef((ps) => new SGD(ps, o), (p, g, r) => refSGD(p, g, o, r), 8, 'float64', 1e-13, 'sgd momentum');
  });

  test('nesterov + weightDecay matches the reference', () => {
    const o = { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 };
    checkAgainstRef((ps) => new SGD(ps, o), (p, g, r) => refSGD(p, g, o, r), 8, 'float64', 1e-13, 'sgd nesterov');
  });

  test('float32 parameters: float32 state, matches a float32-rounding reference', () => {
    const o = { lr: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 0.02 };
    checkAgainstRef((ps) => new SGD(ps, o), (p, g, r) => refSGD(p, g, o, r), 8, 'float32', 2e-6, 'sgd f32');
    const p = tensor([1, 2], [2]);
    const opt = new SGD([p], { momentum: 0.5 });
    assert.equal(opt.stateDict().slots['0.momentum_buffer']!.dtype, 'float32');
    const q = tensor([1, 2], [2], { dtype: 'float64' });
    assert.equal(new SGD([q], { momentum: 0.5 }).stateDict().slots['0.momentum_buffer']!.dtype, 'float64');
  });

  test('matches values recorded from PyTorch 1.13', () => {
    // torch.optim.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), float32, 10 steps of
    // grad_k[i] = sin(1.3k + 0.7i) * (1 + i) from [0.5, -1.25, 2, 0, 3.5].
    const p0 = [0.5, -1.25, 2.0, 0.0, 3.5];
    const p = tensor(p0, [5]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 });
    for (let k = 0; k < 10; k++) opt.step([tensor(p0.map((_, i) => Math.sin(1.3 * k + 0.7 * i) * (1 + i)), [5])]);
    const torch = [0.14614237844944, -2.0591366291046143, 0.9078276753425598, -0.3022935390472412, 4.423404216766357];
    Array.from(p.data()).forEach((x, i) => assert.ok(Math.abs(x - torch[i]!) < 1e-6, `element ${i}: ${x} vs ${torch[i]}`));
  });

  test('updates parameters in place, keeping identity and storage', () => {
    const p = tensor([1, 2, 3], [3]);
    const buf = p.buffer;
    const view = p.backend.view(p.buffer);
    const opt = new SGD({ w: p }, { lr: 1 });
    opt.step({ w: tensor([1, 1, 1], [3]) });
    assert.equal(p.buffer, buf);
    assert.deepEqual(Array.from(view), [0, 1, 2]);
    assert.equal(opt.stepCount, 1);
  });

  test('rejects bad options with ArgumentError naming the option', () => {
    const p = [tensor([1], [1])];
    const bad: [object, RegExp][] = [
      [{ lr: -1 }, /SGD: option 'lr'/],
      [{ lr: NaN }, /SGD: option 'lr'/],
      [{ lr: Infinity }, /SGD: option 'lr'/],
      [{ momentum: -0.1 }, /option 'momentum'/],
      [{ weightDecay: -1 }, /option 'weightDecay'/],
      [{ nesterov: true }, /Nesterov momentum requires momentum > 0/],
      [{ nesterov: true, momentum: 0.9, dampening: 0.1 }, /dampening = 0/],
      [{ nesterov: 1 }, /option 'nesterov' must be a boolean/],
      [{ weight_decay: 0.1 }, /unknown option \[weight_decay\]/],
    ];
    for (const [opts, re] of bad) assert.throws(() => new SGD(p, opts as never), (e: unknown) => e instanceof ArgumentError && re.test(e.message), JSON.stringify(opts));
  });

  test('converges on an ill-conditioned quadratic', () => {
    const a = [1, 4, 10];
    const c = [3, -2, 0.5];
    const x = tensor([0, 0, 0], [3], { dtype: 'float64' });
    const opt = new SGD([x], { lr: 0.05, momentum: 0.9, nesterov: true });
    for (let k = 0; k < 300; k++) {
      const xv = x.data();
      opt.step([tensor(a.map((ai, i) => ai * (xv[i]! - c[i]!)), [3], { dtype: 'float64' })]);
    }
    Array.from(x.data()).forEach((v, i) => assert.ok(Math.abs(v - c[i]!) < 1e-6, `x[${i}] = ${v}`));
  });
});
