import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor } from '../../src/ops/creation.js';
import { ArgumentError } from '../../src/errors.js';
import { SGD, constantLr, cosineLr, linearWarmup, stepLr } from '../../src/optim/index.js';

const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) <= 1e-15 + 1e-12 * Math.abs(b), `${msg}: ${a} vs ${b}`);

describe('schedules', () => {
  test('constantLr', () => {
    const s = constantLr(0.3);
    assert.equal(s(0), 0.3);
    assert.equal(s(12345), 0.3);
  });

  test('linearWarmup ramps to lr in warmupSteps steps, then holds', () => {
    const s = linearWarmup(0.1, 4);
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1].forEach((v, k) => close(s(k), v, `step ${k}`));
    assert.equal(linearWarmup(0.1, 0)(0), 0.1);
  });

  test('linearWarmup hands over to `then`, counting from 0 after warmup', () => {
    const s = linearWarmup(1, 2, stepLr(1, 3, 0.5));
    [0.5, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25].forEach((v, k) => close(s(k), v, `step ${k}`));
  });

  test('cosineLr: lr at 0, midpoint average, minLr at and after totalSteps', () => {
    const s = cosineLr(0.1, 100, { minLr: 0.01 });
    close(s(0), 0.1);
    close(s(50), 0.055);
    close(s(25), 0.01 + 0.09 * (1 + Math.cos(Math.PI / 4)) / 2);
    close(s(100), 0.01);
    close(s(1000), 0.01);
    close(cosineLr(2, 10)(10), 0);
  });

  test('cosineLr with warmup: linear ramp, then a cosine over the remaining steps', () => {
    const s = cosineLr(1, 110, { warmupSteps: 10 });
    close(s(0), 0.1);
    close(s(9), 1);
    close(s(10), 1);
    close(s(60), 0.5);
    close(s(110), 0);
  });

  test('stepLr matches PyTorch StepLR', () => {
    const s = stepLr(0.1, 30, 0.1);
    close(s(0), 0.1);
    close(s(29), 0.1);
    close(s(30), 0.1 * 0.1);
    close(s(89), 0.1 * 0.1 ** 2);
    close(s(90), 0.1 * 0.1 ** 3);
  });

  test('bad arguments throw ArgumentError naming the schedule and argument', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => constantLr(-1), /constantLr: 'lr'/],
      [() => constantLr(NaN), /constantLr: 'lr'/],
      [() => linearWarmup(0.1, 2.5), /linearWarmup: 'warmupSteps' must be an integer/],
      [() => linearWarmup(0.1, -1), /linearWarmup: 'warmupSteps'/],
      [() => linearWarmup(0.1, 2, 0.5 as never), /linearWarmup: 'then' must be a schedule/],
      [() => cosineLr(0.1, 0), /cosineLr: 'totalSteps'/],
      [() => cosineLr(0.1, 10, { minLr: 0.2 }), /cosineLr: 'minLr' must be a finite number in \[0, 0.1\]/],
      [() => cosineLr(0.1, 10, { warmupSteps: 10 }), /cosineLr: 'warmupSteps' \(10\) must be smaller than 'totalSteps' \(10\)/],
      [() => stepLr(0.1, 0, 0.5), /stepLr: 'stepSize'/],
      [() => stepLr(0.1, 10, 0), /stepLr: 'gamma'/],
      [() => stepLr(0.1, 10, Infinity), /stepLr: 'gamma'/],
      [() => stepLr(0.1, 10, 0.5)(-1), /stepLr: step must be an integer/],
      [() => cosineLr(0.1, 10)(1.5), /cosineLr: step must be an integer/],
    ];
    for (const [f, re] of cases) assert.throws(f, (e: unknown) => e instanceof ArgumentError && re.test(e.message), re.source);
  });

  test('an optimizer evaluates its schedule at the 0-based step count', () => {
    const p = tensor([0], [1], { dtype: 'float64' });
    const opt = new SGD([p], { lr: stepLr(1, 2, 0.5) });
    const lrs: number[] = [];
    for (let k = 0; k < 5; k++) {
      lrs.push(opt.lr);
      const before = p.item();
      opt.step([tensor([1], [1], { dtype: 'float64' })]);
      close(before - p.item(), lrs[k]!, `step ${k} used lr`);
    }
    assert.deepEqual(lrs, [1, 1, 0.5, 0.5, 0.25]);
    assert.equal(opt.lr, 0.25);
    opt.setLr(0.01);
    assert.equal(opt.lr, 0.01);
  });

  test('a schedule returning a bad value fails the step without touching parameters', () => {
    const p = tensor([1], [1]);
    const opt = new SGD([p], { lr: (s) => (s === 1 ? NaN : 0.1) });
    opt.step([tensor([1], [1])]);
    assert.throws(() => opt.step([tensor([1], [1])]), (e: unknown) => e instanceof ArgumentError && /SGD.step: the lr schedule returned NaN at step 1/.test(e.message));
    assert.equal(opt.stepCount, 1);
    assert.equal(p.item(), Math.fround(0.9));
    assert.throws(() => new SGD([p], { lr: (() => -1) as never }).step([tensor([1], [1])]), /returned -1 at step 0/);
  });
});
