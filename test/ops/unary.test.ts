import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { tensor } from '../../src/ops/creation.js';
import {
  abs, cos, elu, erf, exp, gelu, leakyRelu, log, log1p, logSigmoid, neg, reciprocal, relu, rsqrt, selu, sigmoid, sign, silu,
  sin, softplus, sqrt, square, tanh,
} from '../../src/ops/elementwise.js';
import { cast } from '../../src/ops/movement.js';
import { sum } from '../../src/ops/reduce.js';
import { grad } from '../../src/autodiff/grad.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError } from '../../src/errors.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { assertShape, assertValues, expectError, f64, i32, rt, rtAway } from './common.js';

// PyTorch's SELU constants (torch.nn.SELU docs).
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

const sig = (v: number) => 1 / (1 + Math.exp(-v));

interface Case {
  name: string;
  f: (x: Tensor) => Tensor;
  ref: (v: number) => number;
  /** Inputs for the value test. */
  xs: number[];
  /** Builds the gradcheck input (float64, kept in the domain and off kinks). */
  gx: () => Tensor;
  /** int32 input is accepted. */
  intOk?: boolean;
}

const CASES: Case[] = [
  { name: 'neg', f: neg, ref: (v) => -v, xs: [-2, 0, 1.5, 3], gx: () => rt([3, 5], 1), intOk: true },
  { name: 'abs', f: abs, ref: Math.abs, xs: [-2, -0.5, 0, 1.5], gx: () => rtAway([3, 5], 2, [0]), intOk: true },
  { name: 'sign', f: sign, ref: (v) => (v > 0 ? 1 : v < 0 ? -1 : 0), xs: [-2, -1e-30, 0, 3], gx: () => rtAway([3, 5], 3, [0]), intOk: true },
  { name: 'exp', f: exp, ref: Math.exp, xs: [-3, 0, 0.5, 10], gx: () => rt([3, 5], 4, -2, 2) },
  { name: 'log', f: log, ref: Math.log, xs: [1e-3, 0.5, 1, 20], gx: () => rt([3, 5], 5, 0.2, 3) },
  { name: 'log1p', f: log1p, ref: Math.log1p, xs: [-0.5, 1e-10, 0, 3], gx: () => rt([3, 5], 6, -0.8, 3) },
  { name: 'sqrt', f: sqrt, ref: Math.sqrt, xs: [0, 0.25, 2, 100], gx: () => rt([3, 5], 7, 0.2, 3) },
  { name: 'rsqrt', f: rsqrt, ref: (v) => 1 / Math.sqrt(v), xs: [0.25, 1, 2, 100], gx: () => rt([3, 5], 8, 0.2, 3) },
  { name: 'square', f: square, ref: (v) => v * v, xs: [-3, -0.5, 0, 2], gx: () => rt([3, 5], 9) },
  { name: 'reciprocal', f: reciprocal, ref: (v) => 1 / v, xs: [-4, -0.5, 0.25, 3], gx: () => rtAway([3, 5], 10, [0], 0.3) },
  { name: 'sigmoid', f: sigmoid, ref: sig, xs: [-800, -2, 0, 1, 800], gx: () => rt([3, 5], 11, -4, 4) },
  {
    name: 'logSigmoid', f: logSigmoid, ref: (v) => (v < -30 ? v : Math.log(sig(v))),
    xs: [-800, -40, -2, 0, 1, 50], gx: () => rt([3, 5], 12, -4, 4),
  },
  { name: 'cos', f: cos, ref: Math.cos, xs: [-4, -1, 0, 0.5, 3.14159], gx: () => rt([3, 5], 23, -4, 4) },
  { name: 'sin', f: sin, ref: Math.sin, xs: [-4, -1, 0, 0.5, 3.14159], gx: () => rt([3, 5], 24, -4, 4) },
  { name: 'tanh', f: tanh, ref: Math.tanh, xs: [-30, -1, 0, 0.5, 2], gx: () => rt([3, 5], 13, -2, 2) },
  { name: 'relu', f: relu, ref: (v) => Math.max(v, 0), xs: [-2, -0.1, 0, 0.1, 3], gx: () => rtAway([3, 5], 14, [0]) },
  { name: 'leakyRelu', f: (x) => leakyRelu(x), ref: (v) => (v > 0 ? v : 0.01 * v), xs: [-2, 0, 3], gx: () => rtAway([3, 5], 15, [0]) },
  {
    name: 'leakyRelu(0.2)', f: (x) => leakyRelu(x, 0.2), ref: (v) => (v > 0 ? v : 0.2 * v),
    xs: [-2, -0.5, 0, 3], gx: () => rtAway([3, 5], 16, [0]),
  },
  { name: 'elu', f: (x) => elu(x), ref: (v) => (v > 0 ? v : Math.exp(v) - 1), xs: [-3, -0.5, 0, 2], gx: () => rtAway([3, 5], 17, [0]) },
  {
    name: 'elu(0.5)', f: (x) => elu(x, 0.5), ref: (v) => (v > 0 ? v : 0.5 * (Math.exp(v) - 1)),
    xs: [-3, -0.5, 0, 2], gx: () => rtAway([3, 5], 18, [0]),
  },
  {
    name: 'selu', f: selu, ref: (v) => SELU_SCALE * (v > 0 ? v : SELU_ALPHA * (Math.exp(v) - 1)),
    xs: [-3, -0.5, 0, 2], gx: () => rtAway([3, 5], 19, [0]),
  },
  {
    name: 'softplus', f: softplus, ref: (v) => (v > 30 ? v : Math.log(1 + Math.exp(v))),
    xs: [-800, -3, 0, 2, 800], gx: () => rt([3, 5], 20, -4, 4),
  },
  { name: 'silu', f: silu, ref: (v) => v * sig(v), xs: [-800, -3, 0, 1, 5], gx: () => rt([3, 5], 21, -4, 4) },
  // Exact GELU values x * Phi(x) (scipy.stats.norm.cdf).
  {
    name: 'gelu', f: gelu, ref: (v) => ({ [-3]: -0.004049694094890284, [-1]: -0.15865525393145707, 0: 0, 1: 0.8413447460685429, 2: 1.9544997361036416 })[v]!,
    xs: [-3, -1, 0, 1, 2], gx: () => rt([3, 5], 22, -3, 3),
  },
  // erf reference values (Abramowitz & Stegun / mpmath).
  {
    name: 'erf', f: erf,
    ref: (v) => ({ [-1]: -0.8427007929497149, 0: 0, 0.5: 0.5204998778130465, 1: 0.8427007929497149, 2: 0.9953222650189527, 3.5: 0.9999992569016276 })[v]!,
    xs: [-1, 0, 0.5, 1, 2, 3.5], gx: () => rt([3, 5], 23, -2.5, 2.5),
  },
];

describe('unary ops', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      test('values (float64)', () => {
        const y = c.f(f64(c.xs, [1, c.xs.length]));
        assertShape(y, [1, c.xs.length]);
        assert.equal(y.dtype, 'float64');
        assertClose(y, c.xs.map(c.ref), 1e-13, 1e-12);
      });

      test('gradcheck', () => {
        assertGradcheck(c.f, [c.gx()]);
      });

      test('float32 matches float64', () => {
        const x = c.gx();
        const y32 = c.f(cast(x, 'float32'));
        assert.equal(y32.dtype, 'float32');
        const y64 = c.f(cast(cast(x, 'float32'), 'float64'));
        assertClose(y32, y64.data(), 1e-6, 1e-6);
      });

      test('bad input', () => {
        if (c.intOk) {
          const y = c.f(i32([-3, 0, 2]));
          assert.equal(y.dtype, 'int32');
          assertValues(y, [-3, 0, 2].map((v) => c.ref(v) + 0));
        } else {
          const op = c.name.replace(/\(.*\)$/, '');
          expectError(() => c.f(i32([1, 2])), DTypeError, op, /int32/);
        }
        expectError(() => c.f([1, 2] as never), ArgumentError, c.name.replace(/\(.*\)$/, ''));
      });
    });
  }
});

describe('unary edge cases', () => {
  test('scalars, empty tensors and NaN', () => {
    assert.equal(exp(tensor(0)).item(), 1);
    assertShape(exp(tensor([], [0, 3])), [0, 3]);
    assert.ok(Number.isNaN(sqrt(f64([-1])).item()));
    assert.equal(log(f64([0])).item(), -Infinity);
    assert.equal(reciprocal(f64([0])).item(), Infinity);
  });

  test('stable forms do not overflow or lose small values', () => {
    assert.equal(softplus(f64([1000])).item(), 1000);
    assert.equal(logSigmoid(f64([-1000])).item(), -1000);
    assert.ok(Math.abs(log1p(f64([1e-12])).item() - 1e-12) < 1e-24);
    assert.equal(sigmoid(tensor([-1000])).item(), 0);
  });

  test('gelu derivative matches Phi(x) + x phi(x) at known points', () => {
    const phi = (v: number) => Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI);
    const Phi = [0.5, 0.8413447460685429, 0.0668072012688581];
    const xs = [0, 1, -1.5];
    const g = grad((x: Tensor) => sum(gelu(x)))(f64(xs));
    assertClose(g, xs.map((v, i) => Phi[i]! + v * phi(v)), 1e-14, 1e-13);
  });
});
