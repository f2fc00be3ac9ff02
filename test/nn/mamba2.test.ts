import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randn, scalar } from '../../src/ops/creation.js';
import { add, mul } from '../../src/ops/elementwise.js';
import { narrow, squeeze } from '../../src/ops/movement.js';
import { sum } from '../../src/ops/reduce.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { Mamba2, Mamba2Mixer } from '../../src/nn/mamba2/index.js';
import type { GLAImpl } from '../../src/nn/gla/index.js';
import { assertClose, assertGradcheck } from '../helpers.js';

const f64 = 'float64' as const;
const sp = (v: number): number => Math.log1p(Math.exp(v));
const silu = (v: number): number => v / (1 + Math.exp(-v));

/** A small mixer whose D and norm weight are not all ones, so the hand check sees them. */
function mixer(nGroups: number, seed = 1): Mamba2Mixer {
  const m = new Mamba2Mixer({ dModel: 4, dState: 3, dConv: 3, expand: 2, headDim: 2, nGroups, rng: new Rng(seed), dtype: f64 });
  const rng = new Rng(seed + 50);
  m.loadStateDict({ ...m.stateDict(), D: randn([4], { rng, dtype: f64 }), 'norm.weight': randn([8], { rng, dtype: f64 }) });
  return m;
}

test('mixer, one token by hand: in_proj split [z, x, B, C, dt], conv + SiLU from the window, SSD step, gated RMSNorm, out_proj (ngroups 1 and 2)', () => {
  for (const G of [1, 2]) {
    const m = mixer(G);
    const [dm, di, N, H, P, K, cd] = [4, 8, 3, 4, 2, 3, 8 + 2 * G * 3];
    const rng = new Rng(10 + G);
    const x = randn([1, 1, dm], { rng, dtype: f64 });
    const conv = randn([1, cd, K - 1], { rng, dtype: f64 }), ssm = randn([1, H, N, P], { rng, dtype: f64 });
    const sd = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.data())]));
    const xd = Array.from(x.data()), win = Array.from(conv.data()), h0 = Array.from(ssm.data());
    const lin = (w: number[], v: number[], rows: number): number[] => Array.from({ length: rows }, (_, r) => v.reduce((s, e, c) => s + w[r * v.length + c]! * e, 0));
    const zx = lin(sd['in_proj.weight']!, xd, 2 * di + 2 * G * N + H);
    const z = zx.slice(0, di), xBC = zx.slice(di, di + cd), dtr = zx.slice(di + cd);
    const cw = sd['conv1d.weight']!, cb = sd['conv1d.bias']!;
    const cv = xBC.map((u, c) => silu(cb[c]! + cw[c * K]! * win[c * 2]! + cw[c * K + 1]! * win[c * 2 + 1]! + cw[c * K + 2]! * u));
    const xs = cv.slice(0, di), Bv = cv.slice(di, di + G * N), Cv = cv.slice(di + G * N);
    const hNew: number[] = [], y: number[] = [];
    for (let h = 0; h < H; h++) {
      const grp = Math.floor(h / (H / G));
      const dt = sp(dtr[h]! + sd.dt_bias![h]!), A = -Math.exp(sd.A_log![h]!);
      for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) hNew.push(Math.exp(dt * A) * h0[(h * N + n) * P + p]! + dt * Bv[grp * N + n]! * xs[h * P + p]!);
      for (let p = 0; p < P; p++) {
        let s = sd.D![h]! * xs[h * P + p]!;
        for (let n = 0; n < N; n++) s += Cv[grp * N + n]! * hNew[(h * N + n) * P + p]!;
        y.push(s);
      }
    }
    const gated = y.map((e, i) => e * silu(z[i]!));
    const gs = di / G, normed: number[] = [];
    for (let gi = 0; gi < G; gi++) {
      const part = gated.slice(gi * gs, (gi + 1) * gs);
      const r = 1 / Math.sqrt(part.reduce((s, e) => s + e * e, 0) / gs + 1e-5);
      part.forEach((e, i) => normed.push(e * r * sd['norm.weight']![gi * gs + i]!));
    }
    const want = lin(sd['out_proj.weight']!, normed, dm);
    const wantWin = Array.from({ length: cd }, (_, c) => [win[c * 2 + 1]!, xBC[c]!]).flat();
    for (const impl of ['recurrent', 'chunk'] as const) {
      const r = m.forward(x, null, { conv, ssm }, impl, 16);
      assertClose(r.y, want, 1e-12, 1e-12, `G=${G} ${impl} y`);
      assertClose(r.state.ssm, hNew, 1e-12, 1e-12, `G=${G} ${impl} ssm`);
      assertClose(r.state.conv, wantWin, 1e-12, 1e-12, `G=${G} ${impl} conv window`);
    }
  }
});

test('mixer: chunked SSD = recurrence on outputs, final states and every gradient (input, conv window, SSM state, parameters), odd lengths, any chunk size', () => {
  const m = mixer(2, 3);
  for (const T of [1, 5, 13]) {
    const rng = new Rng(T);
    const x = randn([T, 2, 4], { rng, dtype: f64 }), dy = randn([T, 2, 4], { rng, dtype: f64 });
    const conv = randn([2, 20, 2], { rng, dtype: f64 }), ssm = randn([2, 4, 3, 2], { rng, dtype: f64 });
    const dS = randn([2, 4, 3, 2], { rng, dtype: f64 });
    const run = (impl: GLAImpl, chunk: number) => {
      const params = { ...m.parameterRecord(), __x: x, __conv: conv, __ssm: ssm };
      const r = vjp((p: Record<string, Tensor>) => {
        const o = m.forward(p.__x!, null, { conv: p.__conv!, ssm: p.__ssm! }, impl, chunk);
        return add(sum(mul(o.y, dy)), sum(mul(o.state.ssm, dS)));
      }, params, scalar(1, { dtype: f64 }));
      return { value: r.value.item(), g: Object.entries(r.grads as Record<string, Tensor>).map(([k, t]) => [k, Array.from(t.data())] as const) };
    };
    const spec = run('recurrent', 1);
    for (const C of [1, 3, 4, 16]) {
      const got = run('chunk', C);
      assert.ok(Math.abs(got.value - spec.value) < 1e-10 * (1 + Math.abs(spec.value)), `T=${T} C=${C}: ${got.value} vs ${spec.value}`);
      got.g.forEach(([k, g], i) => assertClose(g, spec.g[i]![1], 1e-9, 1e-9, `T=${T} C=${C} grad ${k}`));
    }
  }
});

const mk = (impl: GLAImpl, dtype: 'float32' | 'float64' = f64, nGroups = 2): Mamba2 =>
  new Mamba2({ inputSize: 3, hiddenSize: 8, numLayers: 2, stateSize: 3, headDim: 4, nGroups, impl, chunk: 4, rng: new Rng(1), dtype });

test('Mamba2 stack: chunk = recurrent on outputs and every parameter gradient (2 layers, 4 heads, 2 groups, ragged lengths)', () => {
  const rng = new Rng(2);
  const x = randn([3, 9, 3], { rng, dtype: f64 }), dy = randn([3, 9, 8], { rng, dtype: f64 });
  const res = (['recurrent', 'chunk'] as const).map((impl) => {
    const m = mk(impl);
    const params = { ...m.parameterRecord(), __x: x };
    const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, null, { lengths: [9, 5, 1] }).output, params, dy);
    return { y: Array.from(r.value.data()), g: Object.entries(r.grads as Record<string, Tensor>).map(([k, t]) => [k, Array.from(t.data())] as const) };
  });
  assertClose(res[1]!.y, res[0]!.y, 1e-10, 1e-10, 'y');
  assert.equal(res[1]!.g.length, res[0]!.g.length);
  res[1]!.g.forEach(([k, g], i) => {
    assert.ok(g.some((e) => e !== 0), `grad ${k} is not all zero`);
    assertClose(g, res[0]!.g[i]![1], 1e-9, 1e-9, `grad ${k}`);
  });
  const m = mk('chunk');
  const alone = m.forward(narrow(narrow(x, 0, 1, 1), 1, 0, 5)).output;
  const both = m.forward(x, null, { lengths: [9, 5, 1] }).output;
  assertClose(narrow(narrow(both, 0, 1, 1), 1, 0, 5), Array.from(alone.data()), 1e-12, 1e-12, 'ragged = alone');
});

test('Mamba2: streaming step and carried state (conv window + SSM state) equal the batch, also after ragged ends', () => {
  const m = mk('chunk', 'float32');
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
  const c = m.forward(xs, null, { lengths: [7, 3] });
  const d = m.forward(narrow(xs, 1, 3, 4), c.state);
  const single = m.forward(narrow(xs, 0, 1, 1)).output;
  assertClose(narrow(d.output, 0, 1, 1), Array.from(narrow(single, 1, 3, 4).data()), 2e-5, 2e-5, 'ragged carried');
});

test('Mamba2: mamba_ssm parameter names and shapes; init ranges; state shapes', () => {
  const m = new Mamba2({ inputSize: 8, hiddenSize: 8, numLayers: 2, rng: new Rng(4) }); // defaults: d_state 16, headdim 16, expand 2, d_conv 4
  const sd = m.stateDict();
  // d_inner 16, nheads 1, conv_dim 16 + 2·16 = 48, in_proj 2·16 + 2·16 + 1 = 65
  const want: Record<string, number[]> = {
    'layers.0.norm.weight': [8], 'layers.0.mixer.in_proj.weight': [65, 8], 'layers.0.mixer.conv1d.weight': [48, 1, 4],
    'layers.0.mixer.conv1d.bias': [48], 'layers.0.mixer.dt_bias': [1], 'layers.0.mixer.A_log': [1], 'layers.0.mixer.D': [1],
    'layers.0.mixer.norm.weight': [16], 'layers.1.mixer.out_proj.weight': [8, 16],
  };
  for (const [k, shape] of Object.entries(want)) assert.deepEqual(sd[k]?.shape, shape, k);
  assert.equal(Object.keys(sd).length, 18, Object.keys(sd).join(', '));
  const g = mk('chunk');
  const p = g.stateDict();
  assert.deepEqual(p['layers.0.mixer.in_proj.weight']!.shape, [2 * 16 + 2 * 2 * 3 + 4, 8]);
  for (const a of p['layers.0.mixer.A_log']!.data()) assert.ok(a >= 0 && a <= Math.log(16), `A_log ${a}`);
  for (const b of p['layers.0.mixer.dt_bias']!.data()) {
    const dt = sp(b);
    assert.ok(dt >= 1e-3 * (1 - 1e-9) && dt <= 0.1 * (1 + 1e-9), `softplus(dt_bias) = ${dt}`);
  }
  const st = g.forward(randn([2, 5, 3], { dtype: f64 })).state;
  assert.deepEqual(st.conv!.shape, [2, 2, 28, 3]);
  assert.deepEqual(st.ssm!.shape, [2, 2, 4, 3, 4]);
});

test('Mamba2: gradcheck w.r.t. the input (float64); bad options and input throw typed errors', () => {
  const m = new Mamba2({ inputSize: 2, hiddenSize: 4, stateSize: 2, headDim: 4, chunk: 2, rng: new Rng(5), dtype: f64 });
  const w = randn([1, 5, 4], { rng: new Rng(6), dtype: f64 });
  assertGradcheck((x) => sum(mul(m.forward(x!).output, w)), [randn([1, 5, 2], { rng: new Rng(7), dtype: f64 })]);
  assert.throws(() => new Mamba2({ inputSize: 2, hiddenSize: 4, headDim: 4, impl: 'fast' as 'chunk' }), ArgumentError);
  assert.throws(() => new Mamba2({ inputSize: 2, hiddenSize: 4, headDim: 3 }), ArgumentError);
  assert.throws(() => new Mamba2({ inputSize: 2, hiddenSize: 4, headDim: 4, nGroups: 3 }), ArgumentError);
  assert.throws(() => new Mamba2({ inputSize: 2, hiddenSize: 4, headDim: 4, chunk: 1.5 }), ArgumentError);
  assert.throws(() => m.forward(randn([1, 5, 3], { dtype: f64 })), ShapeError);
  assert.throws(() => m.forward(randn([1, 5, 2], { dtype: f64 }), null, { lengths: [6] }), ArgumentError);
  const mx = mixer(1);
  assert.throws(() => mx.forward(randn([2, 1, 4], { dtype: f64 }), null, { conv: randn([1, 13, 2], { dtype: f64 }), ssm: randn([1, 4, 3, 2], { dtype: f64 }) }), ShapeError);
  assert.throws(() => mx.forward(randn([2, 1, 4], { dtype: f64 }), null, { conv: randn([1, 14, 2], { dtype: f64 }), ssm: randn([1, 4, 2, 3], { dtype: f64 }) }), ShapeError);
});
