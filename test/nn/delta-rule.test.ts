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
import { deltaProduct, deltaRule } from '../../src/nn/delta/delta-rule.js';
import { DeltaNet, DeltaProduct, GatedDeltaNet } from '../../src/nn/delta/deltanet.js';
import type { DeltaProductOptions } from '../../src/nn/delta/deltanet.js';
import { narrow, reshape, squeeze } from '../../src/ops/movement.js';
import { exp, neg } from '../../src/ops/elementwise.js';
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

test('gated delta rule: chunkwise = recurrence on outputs, state and every gradient (g included); one token by hand', () => {
  for (const T of [1, 6, 11]) {
    const [q, k, v, b, s0, dO, dS] = inputs(T, 40 + T);
    // log decays in [-3, 0]: strong enough that exp(γ_i - γ_j) above the diagonal would overflow unmasked
    const g = neg(mul(rand([2, 2, T], { rng: new Rng(T), dtype: 'float64' }), 3));
    const run = (impl: 'recurrent' | 'chunk', chunk: number) => {
      const r = vjp((p: Tensor[]) => {
        const out = deltaRule(p[0]!, p[1]!, p[2]!, p[3]!, { impl, chunk, state: p[4]!, g: p[5]! });
        return add(sum(mul(out.o, dO!)), sum(mul(out.state, dS!)));
      }, [q!, k!, v!, b!, s0!, g], scalar(1, { dtype: 'float64' }));
      return { value: r.value.item(), grads: (r.grads as Tensor[]).map((t) => Array.from(t.data())) };
    };
    const spec = run('recurrent', 1);
    for (const C of [1, 4, 16]) {
      const got = run('chunk', C);
      assert.ok(Math.abs(got.value - spec.value) < 1e-10 * (1 + Math.abs(spec.value)), `T=${T} C=${C}`);
      got.grads.forEach((gr, i) => assertClose(gr, spec.grads[i]!, 1e-9, 1e-9, `T=${T} C=${C} grad ${i}`));
    }
  }
  // one token: S1 = α S0 + β (v - α S0 k) kᵀ
  const [q, k, v, b, s0] = inputs(1, 5) as [Tensor, Tensor, Tensor, Tensor, Tensor];
  const g = neg(rand([2, 2, 1], { rng: new Rng(6), dtype: 'float64' }));
  const got = deltaRule(q, k, v, b, { impl: 'recurrent', state: s0, g }).state;
  const plain = deltaRule(q, k, v, b, { impl: 'recurrent', state: mul(s0, reshape(exp(g), [2, 2, 1, 1])) }).state;
  assertClose(got, Array.from(plain.data()), 1e-12, 1e-12);
  assert.throws(() => deltaRule(q, k, v, b, { g: randn([2, 2, 2], { dtype: 'float64' }) }), ShapeError);
});

test('DeltaProduct: n_h Householder steps per token by hand; chunkwise = recurrence on outputs, state and every gradient', () => {
  const rng = new Rng(11);
  const f = 'float64' as const;
  const T = 5, nh = 3;
  const q = randn([1, 2, T, 3], { rng, dtype: f }), k = l2Normalize(randn([1, 2, T, nh, 3], { rng, dtype: f }));
  const v = randn([1, 2, T, nh, 2], { rng, dtype: f }), b = mul(rand([1, 2, T, nh], { rng, dtype: f }), 2);
  const g = neg(rand([1, 2, T], { rng, dtype: f })), s0 = randn([1, 2, 2, 3], { rng, dtype: f });
  const r = deltaProduct(q, k, v, b, { impl: 'recurrent', g, state: s0 });
  // by hand: per head, S ← e^g S, then n_h rank-one updates, then o = S q
  const [qd, kd, vd, bd, gd, sd] = [q, k, v, b, g, s0].map((t) => t.data());
  const want: number[] = [];
  const states: number[][] = [];
  for (let h = 0; h < 2; h++) {
    const S = Array.from({ length: 6 }, (_, i) => sd[h * 6 + i]!);
    const oh: number[][] = [];
    for (let t = 0; t < T; t++) {
      const a = Math.exp(gd[h * T + t]!);
      for (let i = 0; i < 6; i++) S[i]! *= a;
      for (let j = 0; j < nh; j++) {
        const kk = [0, 1, 2].map((c) => kd[((h * T + t) * nh + j) * 3 + c]!);
        const bt = bd[(h * T + t) * nh + j]!;
        for (let row = 0; row < 2; row++) {
          const err = vd[((h * T + t) * nh + j) * 2 + row]! - (S[row * 3]! * kk[0]! + S[row * 3 + 1]! * kk[1]! + S[row * 3 + 2]! * kk[2]!);
          for (let c = 0; c < 3; c++) S[row * 3 + c]! += bt * err * kk[c]!;
        }
      }
      const qq = [0, 1, 2].map((c) => qd[(h * T + t) * 3 + c]!);
      oh.push([0, 1].map((row) => S[row * 3]! * qq[0]! + S[row * 3 + 1]! * qq[1]! + S[row * 3 + 2]! * qq[2]!));
    }
    want.push(...oh.flat());
    states.push([...S]);
  }
  assertClose(r.o, want, 1e-12, 1e-12, 'o');
  assertClose(r.state, states.flat(), 1e-12, 1e-12, 'state');
  const dO = randn([1, 2, T, 2], { rng, dtype: f });
  const run = (impl: 'recurrent' | 'chunk', chunk: number) => {
    const res = vjp((p: Tensor[]) => {
      const out = deltaProduct(p[0]!, p[1]!, p[2]!, p[3]!, { impl, chunk, g: p[4]!, state: p[5]! });
      return add(sum(mul(out.o, dO)), sum(out.state));
    }, [q, k, v, b, g, s0], scalar(1, { dtype: f }));
    return (res.grads as Tensor[]).map((t) => Array.from(t.data()));
  };
  const spec = run('recurrent', 1);
  for (const C of [2, 5, 16]) run('chunk', C).forEach((gr, i) => assertClose(gr, spec[i]!, 1e-9, 1e-9, `C=${C} grad ${i}`));
  assert.throws(() => deltaProduct(q, k, v, squeeze(narrow(b, 3, 0, 1), 3)), ShapeError);
});


const VARIANTS = {
  deltanet: (o: DeltaProductOptions) => new DeltaNet(o),
  'gated-deltanet': (o: DeltaProductOptions) => new GatedDeltaNet(o),
  deltaproduct: (o: DeltaProductOptions) => new DeltaProduct({ ...o, householder: 2, forgetGate: true }),
} as const;

for (const [name, make] of Object.entries(VARIANTS)) {
  test(`${name} layer: chunkwise = recurrent on outputs and every gradient (2 layers, 2 heads, ragged); streaming and split runs = batch`, () => {
    const mk = (impl: 'chunk' | 'recurrent', dtype: 'float32' | 'float64' = 'float64') =>
      make({ inputSize: 3, hiddenSize: 8, numLayers: 2, heads: 2, impl, chunk: 4, allowNegEigval: true, rng: new Rng(1), dtype });
    const rng = new Rng(2);
    const x = randn([3, 9, 3], { rng, dtype: 'float64' }), dy = randn([3, 9, 8], { rng, dtype: 'float64' });
    const res = (['recurrent', 'chunk'] as const).map((impl) => {
      const m = mk(impl);
      const params = { ...m.parameterRecord(), __x: x };
      const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, null, { lengths: [9, 5, 1] }).output, params, dy);
      return { y: Array.from(r.value.data()), g: Object.entries(r.grads as Record<string, Tensor>).map(([k, t]) => [k, Array.from(t.data())] as const) };
    });
    assertClose(res[1]!.y, res[0]!.y, 1e-10, 1e-10, 'y');
    res[1]!.g.forEach(([k, g], i) => assertClose(g, res[0]!.g[i]![1], 1e-9, 1e-9, `grad ${k}`));
    assert.ok(res[0]!.g.every(([, g]) => g.some((v) => v !== 0)), 'every parameter gets a gradient');
    const m = mk('chunk', 'float32');
    const xs = randn([2, 6, 3], { rng: new Rng(3) });
    const full = m.forward(xs);
    let st = null;
    for (let t = 0; t < 6; t++) {
      const r = m.step(squeeze(narrow(xs, 1, t, 1), 1), st);
      st = r.state;
      assertClose(r.output, Array.from(squeeze(narrow(full.output, 1, t, 1), 1).data()), 2e-5, 2e-5, `t=${t}`);
    }
    // lengths: the carried state (windows included) of a padded run continues like the unpadded one
    const a = m.forward(narrow(xs, 1, 0, 4), null, { lengths: [4, 2] });
    const b2 = m.forward(narrow(narrow(xs, 1, 0, 2), 0, 1, 1));
    for (const k of Object.keys(b2.state)) assertClose(narrow(a.state[k]!, 1, 1, 1), Array.from(b2.state[k]!.data()), 2e-5, 2e-5, `state ${k}`);
    const second = m.forward(narrow(xs, 1, 4, 2), m.forward(narrow(xs, 1, 0, 4)).state).output;
    assertClose(second, Array.from(narrow(full.output, 1, 4, 2).data()), 2e-5, 2e-5, 'carried state');
  });
}

test('fla parameter names and shapes of DeltaNet, GatedDeltaNet and DeltaProduct; bad options', () => {
  const o = { inputSize: 8, hiddenSize: 8, heads: 2, rng: new Rng(1) };
  const shapes = (m: { stateDict(): Record<string, Tensor> }) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k.replace('layers.0.attn.', ''), t.shape.join('x')]));
  const dn = shapes(new DeltaNet(o));
  assert.equal(dn['q_proj.weight'], '8x8'); assert.equal(dn['b_proj.weight'], '2x8'); assert.equal(dn['q_conv1d.weight'], '8x1x4');
  assert.equal(dn['o_norm.weight'], '4'); assert.equal(dn['o_proj.weight'], '8x8'); assert.equal(dn['a_proj.weight'], undefined); assert.equal(dn['g_proj.weight'], undefined);
  const gd = shapes(new GatedDeltaNet({ ...o, expandV: 2 }));
  assert.equal(gd['a_proj.weight'], '2x8'); assert.equal(gd.A_log, '2'); assert.equal(gd.dt_bias, '2'); assert.equal(gd['g_proj.weight'], '16x8');
  assert.equal(gd['v_proj.weight'], '16x8'); assert.equal(gd['o_norm.weight'], '8'); assert.equal(gd['o_proj.weight'], '8x16');
  const dp = shapes(new DeltaProduct({ ...o, householder: 3, shortConv: false }));
  assert.equal(dp['k_proj.weight'], '24x8'); assert.equal(dp['v_proj.weight'], '24x8'); assert.equal(dp['b_proj.weight'], '6x8'); assert.equal(dp['q_proj.weight'], '8x8');
  assert.equal(dp['k_conv1d.weight'], undefined); assert.equal(dp.A_log, undefined);
  assert.throws(() => new DeltaNet({ inputSize: 3, hiddenSize: 6, heads: 4 }), ArgumentError);
  assert.throws(() => new DeltaProduct({ inputSize: 3, hiddenSize: 8, householder: 0 }), ArgumentError);
  assert.throws(() => new GatedDeltaNet({ inputSize: 3, hiddenSize: 8, expandV: 0.3 }), ArgumentError);
  assert.throws(() => new DeltaNet({ inputSize: 3, hiddenSize: 8 }).forward(randn([1, 2, 4])), ShapeError);
});
