// Every family's forms are exported as functions with one signature; the dispatcher picks one by
// `impl`. Here each exported form is called directly: it equals the dispatcher with its impl (and
// the spec, `recurrent`, within tolerance), and rejects a bad shape with a typed error of its own
// name. (The families' own tests pin the forms together on every gradient.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randn, rand } from '../../src/ops/creation.js';
import { logSigmoid, mul, sigmoid, softplus } from '../../src/ops/elementwise.js';
import { l2Normalize } from '../../src/ops/norm.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { deltaRule, deltaRuleChunk, deltaRuleFused, deltaRuleRecurrent } from '../../src/nn/delta/index.js';
import { gatedLinearAttention, glaChunk, glaFused, glaRecurrent } from '../../src/nn/gla/index.js';
import { mlstm, mlstmChunk, mlstmParallel, mlstmRecurrent } from '../../src/nn/mlstm/index.js';
import { selectiveScan, selectiveScanAssociative, selectiveScanFused, selectiveScanRecurrent } from '../../src/nn/mamba/index.js';
import { complexRecurrence, complexRecurrenceAssociative, complexRecurrenceFused, complexRecurrenceRecurrent } from '../../src/nn/ssm/index.js';
import {
  linearRecurrence, linearRecurrenceAssociative, linearRecurrenceChunked, linearRecurrenceFused, linearRecurrenceRecurrent,
} from '../../src/scan/index.js';
import { assertClose } from '../helpers.js';

const f64 = { dtype: 'float64' } as const;
const rng = new Rng(7);
const [B, H, T, d] = [2, 2, 5, 3];
const close = (a: Tensor, b: Tensor, what: string): void => assertClose(a, Array.from(b.data()), 1e-10, 1e-10, what);

test('delta rule: each form = deltaRule with its impl; bad shapes name the form', () => {
  const q = randn([B, H, T, d], { rng, ...f64 }), k = l2Normalize(randn([B, H, T, d], { rng, ...f64 }), -1);
  const v = randn([B, H, T, d], { rng, ...f64 }), beta = sigmoid(randn([B, H, T], { rng, ...f64 })), g = logSigmoid(randn([B, H, T], { rng, ...f64 }));
  const spec = deltaRuleRecurrent(q, k, v, beta, { g, chunk: 2 });
  for (const [impl, form] of [['recurrent', deltaRuleRecurrent], ['chunk', deltaRuleChunk], ['fused', deltaRuleFused]] as const) {
    const r = form(q, k, v, beta, { g, chunk: 2 });
    close(r.o, deltaRule(q, k, v, beta, { impl, g, chunk: 2 }).o, `${impl} = dispatcher`);
    close(r.o, spec.o, `${impl} = recurrent`);
    close(r.state, spec.state, `${impl} state`);
    assert.throws(() => form(q, k, v, randn([B, H, T + 1], f64)), (e: unknown) => e instanceof ShapeError && e.message.includes(form.name));
  }
  assert.throws(() => deltaRuleChunk(q, k, v, beta, { chunk: 0 }), ArgumentError);
  assert.throws(() => deltaRule(q, k, v, beta, { impl: 'naive' as 'chunk' }), (e: unknown) => e instanceof ArgumentError && /impl must be recurrent, chunk or fused, got 'naive'/.test(e.message));
});

test('gated linear attention: each form = gatedLinearAttention with its impl (vector gate)', () => {
  const q = randn([B, H, T, d], { rng, ...f64 }), k = randn([B, H, T, d], { rng, ...f64 }), v = randn([B, H, T, 4], { rng, ...f64 });
  const g = logSigmoid(randn([B, H, T, d], { rng, ...f64 }));
  const spec = glaRecurrent(q, k, v, g);
  for (const [impl, form] of [['recurrent', glaRecurrent], ['chunk', glaChunk], ['fused', glaFused]] as const) {
    const r = form(q, k, v, g, { chunk: 2 });
    close(r.o, gatedLinearAttention(q, k, v, g, { impl, chunk: 2 }).o, `${impl} = dispatcher`);
    close(r.o, spec.o, `${impl} = recurrent`);
    close(r.state, spec.state, `${impl} state`);
    assert.throws(() => form(q, k, v, randn([B, H, T, d + 1], f64)), (e: unknown) => e instanceof ShapeError && e.message.includes(form.name));
  }
});

test('mLSTM: each form = mlstm with its impl', () => {
  const q = randn([B, H, T, d], { rng, ...f64 }), k = randn([B, H, T, d], { rng, ...f64 }), v = randn([B, H, T, d], { rng, ...f64 });
  const i = randn([B, H, T], { rng, ...f64 }), f = randn([B, H, T], { rng, ...f64 });
  const spec = mlstmRecurrent(q, k, v, i, f);
  for (const [impl, form] of [['recurrent', mlstmRecurrent], ['parallel', mlstmParallel], ['chunk', mlstmChunk]] as const) {
    const r = form(q, k, v, i, f, { chunk: 2 });
    close(r.h, mlstm(q, k, v, i, f, { impl, chunk: 2 }).h, `${impl} = dispatcher`);
    close(r.h, spec.h, `${impl} = recurrent`);
    close(r.state.C, spec.state.C, `${impl} C`);
    assert.throws(() => form(q, k, v, i, randn([B, H, T - 1], f64)), (e: unknown) => e instanceof ShapeError && e.message.includes(form.name));
  }
});

test('selective scan: each form = selectiveScan with its impl', () => {
  const [D, N] = [3, 4];
  const u = randn([T, B, D], { rng, ...f64 }), delta = softplus(randn([T, B, D], { rng, ...f64 }));
  const A = mul(rand([D, N], { rng, ...f64 }), -1), Bm = randn([T, B, N], { rng, ...f64 }), Cm = randn([T, B, N], { rng, ...f64 });
  const spec = selectiveScanRecurrent(u, delta, A, Bm, Cm);
  for (const [impl, form] of [['recurrent', selectiveScanRecurrent], ['scan', selectiveScanAssociative], ['fused', selectiveScanFused]] as const) {
    const r = form(u, delta, A, Bm, Cm);
    close(r.y, selectiveScan(u, delta, A, Bm, Cm, { impl }).y, `${impl} = dispatcher`);
    close(r.y, spec.y, `${impl} = recurrent`);
    assert.throws(() => form(u, delta, A, Bm, randn([T, B, N + 1], f64)), (e: unknown) => e instanceof ShapeError && e.message.includes(form.name));
  }
});

test('complex and linear recurrences: each form = the dispatcher with its impl, with an initial state', () => {
  const a = { re: mul(rand([3], { rng, ...f64 }), 0.9), im: mul(rand([3], { rng, ...f64 }), 0.3) };
  const b = { re: randn([T, 3], { rng, ...f64 }), im: randn([T, 3], { rng, ...f64 }) };
  const x0 = { re: randn([3], { rng, ...f64 }), im: randn([3], { rng, ...f64 }) };
  const cspec = complexRecurrenceRecurrent(a, b, { x0 });
  for (const [impl, form] of [['recurrent', complexRecurrenceRecurrent], ['scan', complexRecurrenceAssociative], ['fused', complexRecurrenceFused]] as const) {
    const r = form(a, b, { x0 });
    close(r.re, complexRecurrence(a, b, { impl, x0 }).re, `complex ${impl} = dispatcher`);
    close(r.im, cspec.im, `complex ${impl} = recurrent`);
  }
  assert.throws(() => complexRecurrence(a, b, { impl: 'loop' as 'scan' }), ArgumentError);

  const la = rand([T, 2, 3], { rng, ...f64 }), lb = randn([T, 2, 3], { rng, ...f64 }), h0 = randn([2, 3], { rng, ...f64 });
  for (const reverse of [false, true]) {
    const spec = linearRecurrenceRecurrent(la, lb, { h0, reverse });
    for (const [impl, form] of [['recurrent', linearRecurrenceRecurrent], ['fused', linearRecurrenceFused], ['associative', linearRecurrenceAssociative], ['chunked', linearRecurrenceChunked]] as const) {
      const r = form(la, lb, { h0, reverse, chunk: 2 });
      close(r, linearRecurrence(la, lb, { impl, h0, reverse, chunk: 2 }), `linear ${impl} = dispatcher`);
      close(r, spec, `linear ${impl} = recurrent (reverse ${reverse})`);
      assert.throws(() => form(la, randn([T, 2, 4], f64)), (e: unknown) => e instanceof ShapeError && e.message.includes(form.name));
    }
  }
});
