import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rand, randn, scalar, tensor } from '../../src/ops/creation.js';
import { add, mul, sub } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { narrow, squeeze } from '../../src/ops/movement.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { MLSTM, MLSTMLayer, mlstm } from '../../src/nn/mlstm/index.js';
import type { MLSTMImpl } from '../../src/nn/mlstm/index.js';
import { assertClose, assertGradcheck, relRms } from '../helpers.js';

const f64 = 'float64' as const;
const B = 2, H = 2, DK = 3, DV = 4;

/** q, k, v, iPre, fPre and an initial state (C, n, m); gates span ±20 to stress the stabiliser. */
function inputs(T: number, seed: number): { x: Tensor[]; s: Tensor[]; cot: Tensor[] } {
  const rng = new Rng(seed);
  const wide = (shape: number[]): Tensor => sub(mul(rand(shape, { rng, dtype: f64 }), 40), 20); // U(-20, 20)
  const x = [randn([B, H, T, DK], { rng, dtype: f64 }), randn([B, H, T, DK], { rng, dtype: f64 }), randn([B, H, T, DV], { rng, dtype: f64 }),
    wide([B, H, T]), add(mul(randn([B, H, T], { rng, dtype: f64 }), 4), 2)];
  const s = [randn([B, H, DK, DV], { rng, dtype: f64 }), randn([B, H, DK], { rng, dtype: f64 }), randn([B, H], { rng, dtype: f64 })];
  const cot = [randn([B, H, T, DV], { rng, dtype: f64 }), randn([B, H, DK, DV], { rng, dtype: f64 }), randn([B, H, DK], { rng, dtype: f64 }), randn([B, H], { rng, dtype: f64 })];
  return { x, s, cot };
}

/** The recurrence on plain numbers, one (batch, head) at a time: the equations as written. */
function byHand(x: Tensor[], s: Tensor[] | null, eps = 1e-6): { h: number[]; C: number[]; n: number[]; m: number[] } {
  const [q, k, v, ig, fg] = x.map((t) => t.data());
  const T = x[0]!.shape[2]!;
  const out = { h: [] as number[], C: [] as number[], n: [] as number[], m: [] as number[] };
  const hs = new Array<number>(B * H * T * DV);
  for (let bh = 0; bh < B * H; bh++) {
    const C = s ? Array.from(s[0]!.data().slice(bh * DK * DV, (bh + 1) * DK * DV)) : new Array<number>(DK * DV).fill(0);
    const n = s ? Array.from(s[1]!.data().slice(bh * DK, (bh + 1) * DK)) : new Array<number>(DK).fill(0);
    let m = s ? s[2]!.data()[bh]! : 0;
    for (let t = 0; t < T; t++) {
      const r = bh * T + t;
      const lf = -Math.log1p(Math.exp(-fg![r]!));
      const mNew = Math.max(lf + m, ig![r]!);
      const fp = Math.exp(lf + m - mNew), ip = Math.exp(ig![r]! - mNew);
      const kk = [0, 1, 2].map((a) => k![r * DK + a]! / Math.sqrt(DK));
      for (let a = 0; a < DK; a++) {
        for (let c = 0; c < DV; c++) C[a * DV + c] = fp * C[a * DV + c]! + ip * kk[a]! * v![r * DV + c]!;
        n[a] = fp * n[a]! + ip * kk[a]!;
      }
      m = mNew;
      let den = 0;
      for (let a = 0; a < DK; a++) den += n[a]! * q![r * DK + a]!;
      const norm = Math.max(Math.abs(den), Math.exp(-m)) + eps;
      for (let c = 0; c < DV; c++) {
        let num = 0;
        for (let a = 0; a < DK; a++) num += C[a * DV + c]! * q![r * DK + a]!;
        hs[r * DV + c] = num / norm;
      }
    }
    out.C.push(...C); out.n.push(...n); out.m.push(m);
  }
  out.h = hs;
  return out;
}

test('mLSTM by hand for one and two tokens, with and without an initial state, in every form', () => {
  for (const T of [1, 2]) {
    const { x, s } = inputs(T, 10 + T);
    for (const st of [null, s]) {
      const want = byHand(x, st);
      for (const impl of ['recurrent', 'parallel', 'chunk'] as const) {
        const r = mlstm(x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, { impl, chunk: 1, state: st ? { C: st[0]!, n: st[1]!, m: st[2]! } : null });
        const tag = `T=${T} ${impl} state=${!!st}`;
        assertClose(r.h, want.h, 1e-12, 1e-10, `${tag} h`);
        assertClose(r.state.C, want.C, 1e-12, 1e-10, `${tag} C`);
        assertClose(r.state.n, want.n, 1e-12, 1e-10, `${tag} n`);
        assertClose(r.state.m, want.m, 1e-12, 1e-12, `${tag} m`);
      }
    }
  }
});

test('parallel = chunk = recurrent on h, final (C, n, m) and every gradient; odd lengths, any chunk, gates to ±20', () => {
  for (const T of [1, 5, 13]) {
    const { x, s, cot } = inputs(T, 100 + T);
    for (const withState of [false, true]) {
      const run = (impl: MLSTMImpl, chunk: number) => {
        const params = withState ? [...x, ...s] : [...x];
        const r = vjp((p: Tensor[]) => {
          const o = mlstm(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, { impl, chunk, state: withState ? { C: p[5]!, n: p[6]!, m: p[7]! } : null });
          return add(add(sum(mul(o.h, cot[0]!)), sum(mul(o.state.C, cot[1]!))), add(sum(mul(o.state.n, cot[2]!)), sum(mul(o.state.m, cot[3]!))));
        }, params, scalar(1, { dtype: f64 }));
        const g = r.grads as Tensor[];
        g.forEach((t) => assert.ok(Array.from(t.data()).every(Number.isFinite), `non-finite gradient (${impl}, C=${chunk})`));
        return { value: r.value.item(), grads: g.map((t) => Array.from(t.data())) };
      };
      const spec = run('recurrent', 1);
      assert.ok(Number.isFinite(spec.value));
      const forms: [MLSTMImpl, number][] = [['parallel', 1], ...[1, 3, 4, 16].map((c) => ['chunk', c] as [MLSTMImpl, number])];
      for (const [impl, C] of forms) {
        const got = run(impl, C);
        const tag = `T=${T} ${impl} C=${C} state=${withState}`;
        assert.ok(Math.abs(got.value - spec.value) < 1e-10 * (1 + Math.abs(spec.value)), `${tag}: ${got.value} vs ${spec.value}`);
        got.grads.forEach((g, i) => assertClose(g, spec.grads[i]!, 1e-9, 1e-8, `${tag} grad ${i}`));
      }
    }
  }
});

test('float32: the forms agree over 70 tokens with gates to ±20, all values finite', () => {
  const rng = new Rng(1), T = 70;
  const q = randn([2, 2, T, 8], { rng }), k = randn([2, 2, T, 8], { rng }), v = randn([2, 2, T, 8], { rng });
  const i = sub(mul(rand([2, 2, T], { rng }), 40), 20), f = add(mul(randn([2, 2, T], { rng }), 4), 2);
  const r = mlstm(q, k, v, i, f, { impl: 'recurrent' });
  for (const [impl, c] of [['parallel', 1], ['chunk', 16], ['chunk', 5]] as const) {
    const g = mlstm(q, k, v, i, f, { impl, chunk: c });
    assert.ok(Array.from(g.h.data()).every(Number.isFinite), `${impl} ${c} finite`);
    assert.ok(relRms(g.h.data(), r.h.data()) < 1e-4, `${impl} ${c} h`);
    assert.ok(relRms(g.state.C.data(), r.state.C.data()) < 1e-5, `${impl} ${c} C`);
    assert.ok(relRms(g.state.m.data(), r.state.m.data()) < 1e-6, `${impl} ${c} m`);
  }
});

test('mLSTM forms agree on h and state (value check per output), and gradcheck of the chunkwise form', () => {
  const { x, s } = inputs(7, 5);
  const st = { C: s[0]!, n: s[1]!, m: s[2]! };
  const a = mlstm(x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, { impl: 'recurrent', state: st });
  const b = mlstm(x[0]!, x[1]!, x[2]!, x[3]!, x[4]!, { impl: 'chunk', chunk: 3, state: st });
  assertClose(b.h, Array.from(a.h.data()), 1e-11, 1e-10, 'h');
  assertClose(b.state.m, Array.from(a.state.m.data()), 1e-12, 1e-12, 'm');
  // Moderate gates for finite differences (the max is only piecewise smooth).
  const rng = new Rng(8);
  const g = [randn([1, 2, 4, 3], { rng, dtype: f64 }), randn([1, 2, 4, 3], { rng, dtype: f64 }), randn([1, 2, 4, 2], { rng, dtype: f64 }),
    randn([1, 2, 4], { rng, dtype: f64 }), randn([1, 2, 4], { rng, dtype: f64 }),
    randn([1, 2, 3, 2], { rng, dtype: f64 }), randn([1, 2, 3], { rng, dtype: f64 }), randn([1, 2], { rng, dtype: f64 })];
  assertGradcheck((q, k, v, i, f, C, n, m) => {
    const r = mlstm(q!, k!, v!, i!, f!, { chunk: 3, state: { C: C!, n: n!, m: m! } });
    return add(add(sum(mul(r.h, r.h)), sum(r.state.C)), add(sum(r.state.n), sum(r.state.m)));
  }, g);
});

test('mlstm: bad input throws typed errors', () => {
  const { x, s } = inputs(3, 2);
  const [q, k, v, i, f] = x as [Tensor, Tensor, Tensor, Tensor, Tensor];
  assert.throws(() => mlstm(q, k, v, randn([B, H, 4], { dtype: f64 }), f), ShapeError);
  assert.throws(() => mlstm(q, randn([B, H, 3, 2], { dtype: f64 }), v, i, f), ShapeError);
  assert.throws(() => mlstm(squeeze(narrow(q, 0, 0, 1), 0), k, v, i, f), ShapeError);
  assert.throws(() => mlstm(q, k, v, i, f, { impl: 'fast' as 'chunk' }), ArgumentError);
  assert.throws(() => mlstm(q, k, v, i, f, { chunk: 0 }), ArgumentError);
  assert.throws(() => mlstm(q, k, v, i, f, { chunk: 2.5 }), ArgumentError);
  assert.throws(() => mlstm(q, k, v, i, f, { eps: -1 }), ArgumentError);
  assert.throws(() => mlstm(q, k, v, i, f, { state: { C: s[0]!, n: s[1]! } as never }), ArgumentError);
  assert.throws(() => mlstm(q, k, v, i, f, { state: { C: s[0]!, n: s[1]!, m: randn([B, 1], { dtype: f64 }) } }), ShapeError);
  assert.throws(() => mlstm(q, k, v, i, f, { state: { C: randn([B, H, DV, DK], { dtype: f64 }), n: s[1]!, m: s[2]! } }), ShapeError);
  assert.throws(() => mlstm(q, k, v, i, randn([B, H, 3]), {}), DTypeError);
  assert.throws(() => new MLSTMLayer(8, { heads: 3 }), ArgumentError);
  assert.throws(() => new MLSTMLayer(8, { gateSoftCap: 0 }), ArgumentError);
  assert.throws(() => new MLSTM({ inputSize: 3, hiddenSize: 8, heads: 2, impl: 'fast' as 'chunk' }), ArgumentError);
  assert.throws(() => new MLSTM({ inputSize: 3, hiddenSize: 8, chunk: 0 }), ArgumentError);
  assert.throws(() => new MLSTMLayer(8).forward(randn([3, 2, 7])), ShapeError);
  assert.throws(() => new MLSTM({ inputSize: 3, hiddenSize: 8 }).forward(randn([2, 5, 4])), ShapeError);
});

/** A small float64 stack; igateBias 0 so the input gate carries signal in the comparisons. */
const mk = (impl: MLSTMImpl, extra: { ffn?: boolean; dtype?: 'float32' | 'float64'; igateBias?: number } = {}): MLSTM =>
  new MLSTM({ inputSize: 3, hiddenSize: 8, numLayers: 2, heads: 2, impl, chunk: 4, rng: new Rng(1), dtype: extra.dtype ?? f64,
    igateBias: extra.igateBias ?? 0, ...(extra.ffn ? { ffn: true } : {}) });

test('MLSTM layer: recurrent = parallel = chunk on outputs, final state and every gradient (2 layers, 2 heads, ragged lengths)', () => {
  const rng = new Rng(2);
  const x = randn([3, 9, 3], { rng, dtype: f64 }), dy = randn([3, 9, 8], { rng, dtype: f64 });
  for (const ffn of [false, true]) {
    const res = (['recurrent', 'parallel', 'chunk'] as const).map((impl) => {
      const m = mk(impl, { ffn });
      const params = { ...m.parameterRecord(), __x: x };
      let C: number[] = [];
      const r = vjp((p: Record<string, Tensor>) => {
        const o = m.forward(p.__x!, null, { lengths: [9, 5, 1] });
        C = [...o.state.C!.data(), ...o.state.n!.data(), ...o.state.m!.data()];
        return o.output;
      }, params, dy);
      const names = Object.keys(r.grads as Record<string, Tensor>);
      return { y: Array.from(r.value.data()), C, names, g: Object.values(r.grads as Record<string, Tensor>).map((t) => Array.from(t.data())) };
    });
    for (const k of [1, 2]) {
      const tag = `${['', 'parallel', 'chunk'][k]} ffn=${ffn}`;
      assertClose(res[k]!.y, res[0]!.y, 1e-10, 1e-9, `${tag} y`);
      assertClose(res[k]!.C, res[0]!.C, 1e-10, 1e-9, `${tag} C, n, m`);
      res[k]!.g.forEach((g, i) => assertClose(g, res[0]!.g[i]!, 1e-9, 1e-7, `${tag} grad ${res[0]!.names[i]}`));
    }
    assert.ok(res[0]!.names.includes('layers.1.mlstm_layer.igate_preact.bias'));
  }
});

test('MLSTM: the state freezes at each sequence end (= running that sequence alone); streaming step and carried state equal the batch', () => {
  const rng = new Rng(4);
  const m = mk('chunk', { ffn: true, igateBias: -10 });
  const x = randn([3, 7, 3], { rng, dtype: f64 });
  const full = m.forward(x, null, { lengths: [7, 4, 2] });
  const one = m.forward(narrow(narrow(x, 0, 1, 1), 1, 0, 4));
  for (const key of ['h', 'C', 'n', 'm'] as const) {
    const got = narrow(full.state[key]!, 1, 1, 1);
    assertClose(got, Array.from(one.state[key]!.data()), 1e-12, 1e-10, `frozen ${key}`);
  }
  // Outputs past the end are exactly +0.
  assert.ok(Array.from(narrow(narrow(full.output, 0, 2, 1), 1, 2, 5).data()).every((v) => Object.is(v, 0)));
  const whole = m.forward(x);
  let st = null;
  for (let t = 0; t < 7; t++) {
    const r = m.step(squeeze(narrow(x, 1, t, 1), 1), st);
    st = r.state;
    assertClose(r.output, Array.from(squeeze(narrow(whole.output, 1, t, 1), 1).data()), 1e-11, 1e-9, `step t=${t}`);
  }
  for (const key of ['C', 'n', 'm'] as const) assertClose(st![key]!, Array.from(whole.state[key]!.data()), 1e-11, 1e-9, `streamed ${key}`);
  const a = m.forward(narrow(x, 1, 0, 3));
  const b = m.forward(narrow(x, 1, 3, 4), a.state);
  assertClose(b.output, Array.from(narrow(whole.output, 1, 3, 4).data()), 1e-11, 1e-9, 'carried');
  assertClose(b.state.m!, Array.from(whole.state.m!.data()), 1e-12, 1e-10, 'carried m');
  // float32 streaming agrees too.
  const m32 = mk('chunk', { dtype: 'float32', igateBias: -10 });
  const x32 = randn([2, 6, 3], { rng: new Rng(3) });
  const w32 = m32.forward(x32).output;
  let s32 = null;
  for (let t = 0; t < 6; t++) {
    const r = m32.step(squeeze(narrow(x32, 1, t, 1), 1), s32);
    s32 = r.state;
    assertClose(r.output, Array.from(squeeze(narrow(w32, 1, t, 1), 1).data()), 2e-5, 2e-5, `f32 t=${t}`);
  }
});

test('MLSTM parameter names and shapes follow xLSTM Large; gate bias init', () => {
  const m = new MLSTM({ inputSize: 3, hiddenSize: 8, numLayers: 2, heads: 2, ffn: true, rng: new Rng(0) });
  const shapes = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape.join('x')]));
  const want: Record<string, string> = {
    'in_proj.weight': '8x3', 'in_proj.bias': '8',
    'layers.0.norm_mlstm.weight': '8',
    'layers.0.mlstm_layer.q.weight': '4x8', 'layers.0.mlstm_layer.k.weight': '4x8', 'layers.0.mlstm_layer.v.weight': '8x8',
    'layers.0.mlstm_layer.ogate_preact.weight': '8x8',
    'layers.0.mlstm_layer.igate_preact.weight': '2x8', 'layers.0.mlstm_layer.igate_preact.bias': '2',
    'layers.0.mlstm_layer.fgate_preact.weight': '2x8', 'layers.0.mlstm_layer.fgate_preact.bias': '2',
    'layers.0.mlstm_layer.multihead_norm.weight': '8', 'layers.0.mlstm_layer.out_proj.weight': '8x8',
    'layers.0.norm_ffn.weight': '8', 'layers.0.ffn.proj_up_gate.weight': '64x8', 'layers.0.ffn.proj_up.weight': '64x8', 'layers.0.ffn.proj_down.weight': '8x64',
  };
  for (const [k, s] of Object.entries(want)) assert.equal(shapes[k], s, k);
  for (const [k, s] of Object.entries(want)) if (k.startsWith('layers.0.')) assert.equal(shapes[k.replace('layers.0.', 'layers.1.')], s, k);
  assert.equal(Object.keys(shapes).length, 2 + 2 * 15);
  assert.ok(!('layers.0.mlstm_layer.q.bias' in shapes) && !('layers.0.mlstm_layer.out_proj.bias' in shapes));
  assertClose(m.stateDict()['layers.0.mlstm_layer.igate_preact.bias']!, [-10, -10], 0, 0);
  assertClose(m.stateDict()['layers.0.mlstm_layer.fgate_preact.bias']!, [3, 6], 1e-6, 0);
  assertClose(m.stateDict()['layers.0.mlstm_layer.multihead_norm.weight']!, new Array(8).fill(1), 0, 0);
  const plain = new MLSTM({ inputSize: 8, hiddenSize: 8, heads: 4 });
  assert.deepEqual(Object.keys(plain.stateDict()).filter((k) => k.includes('ffn')), []);
  assertClose(plain.stateDict()['layers.0.mlstm_layer.fgate_preact.bias']!, [3, 4, 5, 6], 1e-6, 0);
  const r = plain.forward(randn([2, 3, 8]));
  assert.deepEqual([r.state.C!.shape, r.state.n!.shape, r.state.m!.shape], [[1, 2, 4, 1, 2], [1, 2, 4, 1], [1, 2, 4]]);
});

test('MLSTM gradcheck with respect to the input (float64, ragged)', () => {
  const m = new MLSTM({ inputSize: 2, hiddenSize: 4, numLayers: 1, heads: 2, chunk: 2, igateBias: 0, rng: new Rng(6), dtype: f64 });
  const x = randn([2, 3, 2], { rng: new Rng(7), dtype: f64 });
  const w = tensor(Array.from({ length: 24 }, (_, i) => Math.sin(i + 1)), [2, 3, 4], { dtype: f64 });
  assertGradcheck((xx) => sum(mul(m.forward(xx!, null, { lengths: [3, 2] }).output, w)), [x]);
});
