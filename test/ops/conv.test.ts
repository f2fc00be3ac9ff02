import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { conv1d } from '../../src/ops/conv.js';
import type { Conv1dOptions } from '../../src/ops/conv.js';
import { cast } from '../../src/ops/movement.js';
import { tensor } from '../../src/ops/creation.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { assertShape, expectError, f64, rt } from './common.js';

/**
 * PyTorch's F.conv1d by definition, with explicit zero padding:
 * y[b, o, t] = bias[o] + sum_{c, k} w[o, c, k] * xpad[b, g*cpg + c, t*stride + k*dilation].
 */
function refConv1d(x: Tensor, w: Tensor, bias: Tensor | null, opts: Conv1dOptions): { data: number[]; shape: number[] } {
  const [B, Cin, L] = x.shape as [number, number, number];
  const [Cout, cpg, K] = w.shape as [number, number, number];
  const groups = opts.groups ?? 1;
  const stride = opts.stride ?? 1;
  const dil = opts.dilation ?? 1;
  const pad = opts.padding ?? 0;
  const left = pad === 'causal' ? (K - 1) * dil : pad;
  const right = pad === 'causal' ? 0 : pad;
  const xd = x.data();
  const wd = w.data();
  const bd = bias?.data();
  // Explicitly padded input.
  const Lp = L + left + right;
  const xp = new Float64Array(B * Cin * Lp);
  for (let b = 0; b < B; b++) for (let c = 0; c < Cin; c++) for (let t = 0; t < L; t++) xp[(b * Cin + c) * Lp + left + t] = xd[(b * Cin + c) * L + t]!;
  const Lout = Math.floor((Lp - dil * (K - 1) - 1) / stride) + 1;
  const opg = Cout / groups;
  const data: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < Cout; o++) {
      const g = Math.floor(o / opg);
      for (let t = 0; t < Lout; t++) {
        let acc = bd ? bd[o]! : 0;
        for (let c = 0; c < cpg; c++) {
          for (let k = 0; k < K; k++) acc += wd[(o * cpg + c) * K + k]! * xp[(b * Cin + g * cpg + c) * Lp + t * stride + k * dil]!;
        }
        data.push(acc);
      }
    }
  }
  return { data, shape: [B, Cout, Lout] };
}

interface Case {
  name: string;
  x: number[];
  w: number[];
  bias: boolean;
  opts: Conv1dOptions;
}

const CASES: Case[] = [
  { name: 'plain with bias', x: [2, 3, 7], w: [4, 3, 3], bias: true, opts: {} },
  { name: 'padding 1, no bias', x: [1, 2, 5], w: [3, 2, 3], bias: false, opts: { padding: 1 } },
  { name: 'stride 2', x: [2, 2, 8], w: [2, 2, 3], bias: true, opts: { stride: 2 } },
  { name: 'dilation 2, padding 2', x: [1, 2, 7], w: [2, 2, 3], bias: true, opts: { dilation: 2, padding: 2 } },
  { name: 'stride 2, dilation 2, padding 1', x: [1, 2, 9], w: [3, 2, 2], bias: false, opts: { stride: 2, dilation: 2, padding: 1 } },
  { name: 'groups 2', x: [2, 4, 6], w: [6, 2, 3], bias: true, opts: { groups: 2 } },
  { name: 'depthwise', x: [2, 3, 6], w: [3, 1, 3], bias: true, opts: { groups: 3, padding: 1 } },
  { name: 'depthwise multiplier 2', x: [1, 2, 5], w: [4, 1, 2], bias: false, opts: { groups: 2 } },
  { name: 'causal', x: [2, 2, 6], w: [3, 2, 3], bias: true, opts: { padding: 'causal' } },
  { name: 'causal depthwise dilated', x: [1, 3, 7], w: [3, 1, 3], bias: true, opts: { padding: 'causal', groups: 3, dilation: 2 } },
  { name: 'causal stride 2', x: [1, 2, 7], w: [2, 2, 3], bias: false, opts: { padding: 'causal', stride: 2 } },
  { name: 'kernel 1', x: [2, 3, 4], w: [2, 3, 1], bias: true, opts: {} },
];

describe('conv1d', () => {
  CASES.forEach((c, i) => {
    test(`${c.name}: values`, () => {
      const x = rt(c.x, 10 + i);
      const w = rt(c.w, 40 + i);
      const b = c.bias ? rt([c.w[0]!], 70 + i) : null;
      const y = conv1d(x, w, b, c.opts);
      const r = refConv1d(x, w, b, c.opts);
      assertShape(y, r.shape);
      assertClose(y, r.data, 1e-15, 1e-13);
    });

    test(`${c.name}: gradcheck`, () => {
      const x = rt(c.x, 100 + i);
      const w = rt(c.w, 130 + i);
      if (c.bias) assertGradcheck((a, ww, bb) => conv1d(a, ww!, bb!, c.opts), [x, w, rt([c.w[0]!], 160 + i)]);
      else assertGradcheck((a, ww) => conv1d(a, ww!, null, c.opts), [x, w]);
    });
  });

  test('a hand-computed example', () => {
    const x = f64([1, 2, 3, 4], [1, 1, 4]);
    const w = f64([1, 0, -1], [1, 1, 3]);
    assert.deepEqual(conv1d(x, w).toArray(), [[[-2, -2]]]);
    assert.deepEqual(conv1d(x, w, f64([10])).toArray(), [[[8, 8]]]);
    // Causal: y[t] = x[t-2] - x[t] with zeros before the start.
    assert.deepEqual(conv1d(x, w, null, { padding: 'causal' }).toArray(), [[[-1, -2, -2, -2]]]);
  });

  test('causal output has the input length and never looks ahead', () => {
    const x = rt([1, 2, 8], 200);
    const w = rt([3, 2, 3], 201);
    const y = conv1d(x, w, null, { padding: 'causal', dilation: 2 });
    assertShape(y, [1, 3, 8]);
    // Change the input from time 5 on: outputs before 5 are unchanged, later ones change.
    const d = x.data();
    for (const c of [0, 1]) for (let t = 5; t < 8; t++) d[c * 8 + t]! += 1;
    const y2 = conv1d(tensor(d, [1, 2, 8], { dtype: 'float64' }), w, null, { padding: 'causal', dilation: 2 });
    const a = y.data();
    const b = y2.data();
    for (let o = 0; o < 3; o++) {
      for (let t = 0; t < 8; t++) {
        if (t < 5) assert.equal(b[o * 8 + t], a[o * 8 + t], `o ${o} t ${t}`);
        else assert.notEqual(b[o * 8 + t], a[o * 8 + t], `o ${o} t ${t}`);
      }
    }
  });

  test('float32 matches float64', () => {
    const x = cast(rt([2, 4, 9], 202), 'float32');
    const w = cast(rt([4, 2, 3], 203), 'float32');
    const b = cast(rt([4], 204), 'float32');
    const opts: Conv1dOptions = { groups: 2, padding: 'causal' };
    const y = conv1d(x, w, b, opts);
    assert.equal(y.dtype, 'float32');
    assertClose(y, conv1d(cast(x, 'float64'), cast(w, 'float64'), cast(b, 'float64'), opts).data(), 1e-6, 1e-6);
  });

  test('bad input', () => {
    const x = rt([1, 4, 6], 205);
    const w = rt([2, 4, 3], 206);
    expectError(() => conv1d(rt([4, 6], 1), w), ShapeError, 'conv1d', /\[batch, channels, length\]/);
    expectError(() => conv1d(x, rt([2, 4], 1)), ShapeError, 'conv1d');
    expectError(() => conv1d(x, rt([2, 3, 3], 1)), ShapeError, 'conv1d', /input channels/);
    expectError(() => conv1d(x, rt([3, 2, 3], 1), null, { groups: 2 }), ShapeError, 'conv1d', /divisible/);
    expectError(() => conv1d(x, rt([2, 1, 3], 1), null, { groups: 3 }), ShapeError, 'conv1d', /divisible/);
    expectError(() => conv1d(x, w, rt([3], 1)), ShapeError, 'conv1d', /bias/);
    expectError(() => conv1d(x, rt([2, 4, 7], 1)), ShapeError, 'conv1d', /too short/);
    expectError(() => conv1d(x, w, null, { stride: 0 }), ArgumentError, 'conv1d', /stride/);
    expectError(() => conv1d(x, w, null, { dilation: 1.5 }), ArgumentError, 'conv1d', /dilation/);
    expectError(() => conv1d(x, w, null, { groups: 0 }), ArgumentError, 'conv1d', /groups/);
    expectError(() => conv1d(x, w, null, { padding: -1 }), ArgumentError, 'conv1d', /padding/);
    expectError(() => conv1d(x, w, null, { padding: 'same' as never }), ArgumentError, 'conv1d', /padding/);
    expectError(() => conv1d(cast(x, 'int32'), cast(w, 'int32')), DTypeError, 'conv1d');
    expectError(() => conv1d(x, cast(w, 'float32')), DTypeError, 'conv1d');
    expectError(() => conv1d(x, [1] as never), ArgumentError, 'conv1d');
    expectError(() => conv1d(x, w, [1, 2] as never), ArgumentError, 'conv1d', /bias/);
  });
});
