import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rand, randn, scalar } from '../../src/ops/creation.js';
import { add, mul } from '../../src/ops/elementwise.js';
import { narrow, squeeze } from '../../src/ops/movement.js';
import { sum } from '../../src/ops/reduce.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { GLA, gatedLinearAttention } from '../../src/nn/gla/index.js';
import type { GLAImpl } from '../../src/nn/gla/index.js';
import { assertClose, assertGradcheck } from '../helpers.js';

const f64 = 'float64' as const;
const [B, H, dk, dv] = [2, 2, 3, 4];

/** q, k, v, g (scalar [B,H,T] or vector [B,H,T,dk] log-gates in (−1.5, 0)), S0, and cotangents dO, dS. */
function inputs(T: number, seed: number, vector: boolean): Tensor[] {
  const rng = new Rng(seed);
  const g = mul(rand(vector ? [B, H, T, dk] : [B, H, T], { rng, dtype: f64 }), -1.5);
  return [randn([B, H, T, dk], { rng, dtype: f64 }), randn([B, H, T, dk], { rng, dtype: f64 }), randn([B, H, T, dv], { rng, dtype: f64 }),
    g, randn([B, H, dk, dv], { rng, dtype: f64 }), randn([B, H, T, dv], { rng, dtype: f64 }), randn([B, H, dk, dv], { rng, dtype: f64 })];
}

test('one token by hand: S1 = exp(g) ⊙ S0 + k vᵀ, o = S1ᵀ q (scalar and per-channel gates; both forms)', () => {
  for (const vector of [false, true]) {
    const [q, k, v, g, s0] = inputs(1, vector ? 2 : 1, vector) as [Tensor, Tensor, Tensor, Tensor, Tensor];
    const [qd, kd, vd, gd, sd] = [q, k, v, g, s0].map((t) => t.data());
    const wantO: number[] = [], wantS: number[] = [];
    for (let bh = 0; bh < B * H; bh++) {
      const S: number[] = [];
      for (let i = 0; i < dk; i++) {
        const a = Math.exp(vector ? gd[bh * dk + i]! : gd[bh]!);
        for (let j = 0; j < dv; j++) S.push(a * sd[(bh * dk + i) * dv + j]! + kd[bh * dk + i]! * vd[bh * dv + j]!);
      }
      for (let j = 0; j < dv; j++) {
        let o = 0;
        for (let i = 0; i < dk; i++) o += S[i * dv + j]! * qd[bh * dk + i]!;
        wantO.push(o);
      }
      wantS.push(...S);
    }
    for (const impl of ['recurrent', 'chunk'] as const) {
      const r = gatedLinearAttention(q, k, v, g, { impl, state: s0 });
      assertClose(r.o, wantO, 1e-12, 1e-12, `${impl} vector=${vector} o`);
      assertClose(r.state, wantS, 1e-12, 1e-12, `${impl} vector=${vector} S`);
    }
  }
});

test('chunkwise = recurrence on outputs, final state and every gradient (q, k, v, g, S0), both gate kinds, any chunk size', () => {
  for (const vector of [false, true]) {
    for (const T of [1, 5, 13]) {
      const [q, k, v, g, s0, dO, dS] = inputs(T, T + (vector ? 100 : 0), vector);
      const run = (impl: GLAImpl, chunk: number) => {
        const r = vjp((p: Tensor[]) => {
          const out = gatedLinearAttention(p[0]!, p[1]!, p[2]!, p[3]!, { impl, chunk, state: p[4]! });
          return add(sum(mul(out.o, dO!)), sum(mul(out.state, dS!)));
        }, [q!, k!, v!, g!, s0!], scalar(1, { dtype: f64 }));
        return { value: r.value.item(), grads: (r.grads as Tensor[]).map((t) => Array.from(t.data())) };
      };
      const spec = run('recurrent', 1);
      for (const C of [1, 3, 4, 16]) {
        const got = run('chunk', C);
        const tag = `vector=${vector} T=${T} C=${C}`;
        assert.ok(Math.abs(got.value - spec.value) < 1e-10 * (1 + Math.abs(spec.value)), `${tag}: ${got.value} vs ${spec.value}`);
        got.grads.forEach((gr, i) => assertClose(gr, spec.grads[i]!, 1e-9, 1e-9, `${tag} grad ${i}`));
      }
    }
  }
});

test('strong decay: masked in-chunk exponents never overflow (finite values and gradients)', () => {
  const [q, k, v] = inputs(16, 7, true);
  const g = mul(rand([B, H, 16, dk], { rng: new Rng(8), dtype: f64 }), -200); // γ spans thousands: exp(+γ) would be inf
  for (const vector of [true, false]) {
    const gg = vector ? g : squeeze(narrow(g, 3, 0, 1), 3);
    const r = vjp((p: Tensor[]) => sum(gatedLinearAttention(p[0]!, p[1]!, p[2]!, p[3]!, { chunk: 16 }).o), [q!, k!, v!, gg], scalar(1, { dtype: f64 }));
    const spec = vjp((p: Tensor[]) => sum(gatedLinearAttention(p[0]!, p[1]!, p[2]!, p[3]!, { impl: 'recurrent' }).o), [q!, k!, v!, gg], scalar(1, { dtype: f64 }));
    assert.ok(Number.isFinite(r.value.item()));
    (r.grads as Tensor[]).forEach((t, i) => {
      assert.ok(Array.from(t.data()).every(Number.isFinite), `vector=${vector} grad ${i} finite`);
      assertClose(t, Array.from((spec.grads as Tensor[])[i]!.data()), 1e-9, 1e-9, `vector=${vector} grad ${i}`);
    });
  }
});

test('gradcheck of the chunkwise form (both gates); bad input throws typed errors', () => {
  for (const vector of [false, true]) {
    const [q, k, v, g, s0] = inputs(4, 9, vector);
    const w = randn([B, H, 4, dv], { rng: new Rng(3), dtype: f64 });
    assertGradcheck((a, b, c, d, e) => sum(mul(gatedLinearAttention(a!, b!, c!, d!, { chunk: 3, state: e! }).o, w)), [q!, k!, v!, g!, s0!]);
  }
  const [q, k, v, g] = inputs(4, 9, false);
  assert.throws(() => gatedLinearAttention(q!, k!, v!, randn([B, H, 5], { dtype: f64 })), ShapeError);
  assert.throws(() => gatedLinearAttention(q!, k!, v!, randn([B, H, 4, dk + 1], { dtype: f64 })), ShapeError);
  assert.throws(() => gatedLinearAttention(q!, narrow(k!, 3, 0, 2), v!, g!), ShapeError);
  assert.throws(() => gatedLinearAttention(q!, k!, v!, g!, { state: randn([B, H, dv, dk], { dtype: f64 }) }), ShapeError);
  assert.throws(() => gatedLinearAttention(q!, k!, v!, g!, { impl: 'fast' as 'chunk' }), ArgumentError);
  assert.throws(() => gatedLinearAttention(q!, k!, v!, g!, { chunk: 0 }), ArgumentError);
  assert.throws(() => gatedLinearAttention(squeeze(narrow(q!, 0, 0, 1), 0), k!, v!, g!), ShapeError);
});

const mk = (impl: GLAImpl, dtype: 'float32' | 'float64' = f64, extra: { inputSize?: number; shortConv?: boolean } = {}): GLA =>
  new GLA({ inputSize: extra.inputSize ?? 3, hiddenSize: 8, numLayers: 2, heads: 2, impl, chunk: 4, rng: new Rng(1), dtype, shortConv: !!extra.shortConv });

for (const shortConv of [false, true]) {
const conv = shortConv ? ' with short convs' : '';
test(`GLA layer${conv}: chunkwise = fused = recurrent on outputs and every parameter gradient (2 layers, 2 heads, ragged lengths)`, () => {
  const rng = new Rng(2);
  const x = randn([3, 9, 3], { rng, dtype: f64 }), dy = randn([3, 9, 8], { rng, dtype: f64 });
  const res = (['recurrent', 'chunk', 'fused'] as const).map((impl) => {
    const m = mk(impl, f64, { shortConv });
    const params = { ...m.parameterRecord(), __x: x };
    const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, null, { lengths: [9, 5, 1] }).output, params, dy);
    return { y: Array.from(r.value.data()), g: Object.entries(r.grads as Record<string, Tensor>).map(([k, t]) => [k, Array.from(t.data())] as const) };
  });
  for (const other of [res[1]!, res[2]!]) {
    assertClose(other.y, res[0]!.y, 1e-10, 1e-10, 'y');
    assert.equal(other.g.length, res[0]!.g.length);
    other.g.forEach(([k, g], i) => {
      assert.ok(g.some((e) => e !== 0), `grad ${k} is not all zero`);
      assertClose(g, res[0]!.g[i]![1], 1e-9, 1e-9, `grad ${k}`);
    });
  }
  if (shortConv) assert.ok(res[0]!.g.some(([k]) => k === 'layers.0.attn.q_conv1d.weight'), 'conv weights are parameters');
  // padding does not leak: a ragged sequence equals the same sequence run alone
  const m = mk('chunk', f64, { shortConv });
  const alone = m.forward(narrow(narrow(x, 0, 1, 1), 1, 0, 5)).output;
  const both = m.forward(x, null, { lengths: [9, 5, 1] });
  assertClose(narrow(narrow(both.output, 0, 1, 1), 1, 0, 5), Array.from(alone.data()), 1e-12, 1e-12, 'ragged = alone');
});

test(`GLA${conv}: streaming step and carried state equal the batch`, () => {
  const m = mk('chunk', 'float32', { shortConv });
  const xs = randn([2, 7, 3], { rng: new Rng(3) });
  const full = m.forward(xs).output;
  let st = null;
  for (let t = 0; t < 7; t++) {
    const r = m.step(squeeze(narrow(xs, 1, t, 1), 1), st);
    st = r.state;
    assertClose(r.output, Array.from(squeeze(narrow(full, 1, t, 1), 1).data()), 2e-5, 2e-5, `t=${t}`);
  }
  const a = m.forward(narrow(xs, 1, 0, 3));
  const b = m.forward(narrow(xs, 1, 3, 4), a.state);
  assertClose(b.output, Array.from(narrow(full, 1, 3, 4).data()), 2e-5, 2e-5, 'carried');
  // a ragged batch's state continues each sequence from its own end
  const c = m.forward(xs, null, { lengths: [7, 3] });
  const d = m.forward(narrow(xs, 1, 3, 4), c.state);
  const single = m.forward(narrow(xs, 0, 1, 1)).output;
  assertClose(narrow(d.output, 0, 1, 1), Array.from(narrow(single, 1, 3, 4).data()), 2e-5, 2e-5, 'ragged carried');
});
}

test('GLA: fla parameter names and shapes (expand_k 0.5, expand_v 1, low-rank gk_proj)', () => {
  const m = mk('chunk');
  const sd = m.stateDict();
  const want: Record<string, number[]> = {
    'in_proj.weight': [8, 3], 'layers.0.attn_norm.weight': [8], 'layers.0.attn.q_proj.weight': [4, 8], 'layers.0.attn.k_proj.weight': [4, 8],
    'layers.0.attn.v_proj.weight': [8, 8], 'layers.0.attn.g_proj.weight': [8, 8], 'layers.0.attn.gk_proj.0.weight': [16, 8],
    'layers.0.attn.gk_proj.1.weight': [4, 16], 'layers.0.attn.gk_proj.1.bias': [4], 'layers.0.attn.g_norm_swish_gate.weight': [4],
    'layers.1.attn.o_proj.weight': [8, 8],
  };
  for (const [k, shape] of Object.entries(want)) assert.deepEqual(sd[k]?.shape, shape, k);
  const attn = Object.keys(sd).filter((k) => k.startsWith('layers.0.'));
  assert.deepEqual(attn.length, 10, attn.join(', '));
  const st = m.forward(randn([2, 3, 3], { dtype: f64 })).state;
  assert.deepEqual(st.S!.shape, [2, 2, 2, 2, 4]);
  assert.deepEqual(st.h.shape, [2, 2, 8]);
});

test('GLA: gradcheck w.r.t. the input (float64); bad options and input throw typed errors', () => {
  const m = new GLA({ inputSize: 2, hiddenSize: 4, heads: 2, chunk: 2, gateLowRankDim: 3, rng: new Rng(5), dtype: f64 });
  const w = randn([1, 5, 4], { rng: new Rng(6), dtype: f64 });
  assertGradcheck((x) => sum(mul(m.forward(x!).output, w)), [randn([1, 5, 2], { rng: new Rng(7), dtype: f64 })]);
  assert.throws(() => new GLA({ inputSize: 2, hiddenSize: 4, impl: 'fast' as 'chunk' }), ArgumentError);
  assert.throws(() => new GLA({ inputSize: 2, hiddenSize: 6, heads: 4 }), ArgumentError);
  assert.throws(() => new GLA({ inputSize: 2, hiddenSize: 5 }), ArgumentError); // 5 · 0.5 is not whole
  assert.throws(() => new GLA({ inputSize: 2, hiddenSize: 4, chunk: 0 }), ArgumentError);
  assert.throws(() => m.forward(randn([1, 5, 3], { dtype: f64 })), ShapeError);
  assert.throws(() => m.step(randn([1, 3], { dtype: f64 })), ShapeError);
});
