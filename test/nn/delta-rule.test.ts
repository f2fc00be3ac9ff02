import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rand, randn, scalar } from '../../src/ops/creation.js';
import { add, mul } from '../../src/ops/elementwise.js';
import { l2Normalize } from '../../src/ops/norm.js';
import { sum } from '../../src/ops/reduce.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { deltaRule } from '../../src/nn/delta/delta-rule.js';
import { DeltaNet } from '../../src/nn/delta/deltanet.js';
import { narrow, squeeze } from '../../src/ops/movement.js';
import { assertClose, assertGradcheck } from '../helpers.js';

function inputs(T: number, seed: number): Tensor[] {
  const rng = new Rng(seed);
  const f = 'float64' as const;
  return [randn([2, 2, T, 3], { rng, dtype: f }), l2Normalize(randn([2, 2, T, 3], { rng, dtype: f })), randn([2, 2, T, 4], { rng, dtype: f }),
    rand([2, 2, T], { rng, dtype: f }), randn([2, 2, 4, 3], { rng, dtype: f }), randn([2, 2, T, 4], { rng, dtype: f }), randn([2, 2, 4, 3], { rng, dtype: f })];
}

test('delta rule by hand for one token: S1 = S0 + β(v - S0 k)kᵀ, o = S1 q', () => {
  const [q, k, v, b, s0] = inputs(1, 1) as [Tensor, Tensor, Tensor, Tensor, Tensor];
  const r = deltaRule(q, k, v, b, { impl: 'recurrent', state: s0 });
  const [qd, kd, vd, bd, sd] = [q, k, v, b, s0].map((t) => t.data());
  const want: number[] = [], wantS: number[] = [];
  for (let bh = 0; bh < 4; bh++) {
    const S = Array.from({ length: 12 }, (_, i) => sd[bh * 12 + i]!);
    const kk = [0, 1, 2].map((j) => kd[bh * 3 + j]!), qq = [0, 1, 2].map((j) => qd[bh * 3 + j]!);
    for (let a = 0; a < 4; a++) {
      const err = vd[bh * 4 + a]! - (S[a * 3]! * kk[0]! + S[a * 3 + 1]! * kk[1]! + S[a * 3 + 2]! * kk[2]!);
      for (let j = 0; j < 3; j++) S[a * 3 + j]! += bd[bh]! * err * kk[j]!;
    }
    for (let a = 0; a < 4; a++) want.push(S[a * 3]! * qq[0]! + S[a * 3 + 1]! * qq[1]! + S[a * 3 + 2]! * qq[2]!);
    wantS.push(...S);
  }
  assertClose(r.o, want, 1e-12, 1e-12);
  assertClose(r.state, wantS, 1e-12, 1e-12);
  assertClose(deltaRule(q, k, v, b, { state: s0 }).o, want, 1e-12, 1e-12, 'chunk');
});

test('chunkwise (UT transform) = recurrence on outputs, final state and every gradient, any chunk size', () => {
  for (const T of [1, 5, 13]) {
    const [q, k, v, b, s0, dO, dS] = inputs(T, T);
    const run = (impl: 'recurrent' | 'chunk', chunk: number) => {
      const r = vjp((p: Tensor[]) => {
        const out = deltaRule(p[0]!, p[1]!, p[2]!, p[3]!, { impl, chunk, state: p[4]! });
        return add(sum(mul(out.o, dO!)), sum(mul(out.state, dS!)));
      }, [q!, k!, v!, b!, s0!], scalar(1, { dtype: 'float64' }));
      return { value: r.value.item(), grads: (r.grads as Tensor[]).map((g) => Array.from(g.data())) };
    };
    const spec = run('recurrent', 1);
    for (const C of [1, 3, 4, 16]) {
      const got = run('chunk', C);
      assert.ok(Math.abs(got.value - spec.value) < 1e-10 * (1 + Math.abs(spec.value)), `T=${T} C=${C}: ${got.value} vs ${spec.value}`);
      got.grads.forEach((g, i) => assertClose(g, spec.grads[i]!, 1e-9, 1e-9, `T=${T} C=${C} grad ${i}`));
    }
  }
});

test('gradcheck of the chunkwise form; bad input', () => {
  const [q, k, v, b] = inputs(4, 9);
  const w = randn([2, 2, 4, 4], { rng: new Rng(3), dtype: 'float64' });
  assertGradcheck((a, c, d, e) => sum(mul(deltaRule(a!, c!, d!, e!, { chunk: 3 }).o, w)), [q!, k!, v!, b!]);
  assert.throws(() => deltaRule(q!, k!, v!, randn([2, 2, 5], { dtype: 'float64' })), ShapeError);
  assert.throws(() => deltaRule(q!, k!, v!, b!, { impl: 'fast' as 'chunk' }), ArgumentError);
  assert.throws(() => deltaRule(q!, k!, v!, b!, { chunk: 0 }), ArgumentError);
});


test('DeltaNet layer: chunkwise = recurrent on outputs and every gradient (2 layers, 2 heads, ragged); streaming = batch; fla names', () => {
  const mk = (impl: 'chunk' | 'recurrent', dtype: 'float32' | 'float64' = 'float64'): DeltaNet =>
    new DeltaNet({ inputSize: 3, hiddenSize: 8, numLayers: 2, heads: 2, impl, chunk: 4, allowNegEigval: true, rng: new Rng(1), dtype });
  const rng = new Rng(2);
  const x = randn([3, 9, 3], { rng, dtype: 'float64' }), dy = randn([3, 9, 8], { rng, dtype: 'float64' });
  const res = (['recurrent', 'chunk'] as const).map((impl) => {
    const m = mk(impl);
    const params = { ...m.parameterRecord(), __x: x };
    const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, null, { lengths: [9, 5, 1] }).output, params, dy);
    return { y: Array.from(r.value.data()), g: Object.values(r.grads as Record<string, Tensor>).map((t) => Array.from(t.data())) };
  });
  assertClose(res[1]!.y, res[0]!.y, 1e-10, 1e-10, 'y');
  res[1]!.g.forEach((g, i) => assertClose(g, res[0]!.g[i]!, 1e-9, 1e-9, `grad ${i}`));
  const m = mk('chunk', 'float32');
  const xs = randn([2, 6, 3], { rng: new Rng(3) });
  const full = m.forward(xs).output;
  let st = null;
  for (let t = 0; t < 6; t++) {
    const r = m.step(squeeze(narrow(xs, 1, t, 1), 1), st);
    st = r.state;
    assertClose(r.output, Array.from(squeeze(narrow(full, 1, t, 1), 1).data()), 2e-5, 2e-5, `t=${t}`);
  }
  const keys = Object.keys(m.stateDict());
  for (const k of ['layers.0.attn_norm.weight', 'layers.0.attn.q_proj.weight', 'layers.0.attn.b_proj.weight', 'layers.1.attn.o_norm.weight', 'layers.1.attn.o_proj.weight']) assert.ok(keys.includes(k), k);
  assert.throws(() => new DeltaNet({ inputSize: 3, hiddenSize: 6, heads: 4 }), ArgumentError);
});
