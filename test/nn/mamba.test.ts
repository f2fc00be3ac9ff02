import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { rand, randn } from '../../src/ops/creation.js';
import { mul } from '../../src/ops/elementwise.js';
import { narrow, squeeze } from '../../src/ops/movement.js';
import { sum } from '../../src/ops/reduce.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { Mamba, selectiveScan } from '../../src/nn/mamba/index.js';
import type { SelectiveImpl } from '../../src/nn/mamba/index.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { loadSafetensors, readSafetensorsMetadata } from '../../src/io/tensors.js';

describe('selective scan', () => {
  test('equals the reference loop of mamba_ssm (by hand, float64)', () => {
    const rng = new Rng(1);
    const [T, B, D, N] = [5, 2, 3, 4];
    const u = randn([T, B, D], { rng, dtype: 'float64' }), dl = rand([T, B, D], { rng, dtype: 'float64' });
    const A = mul(rand([D, N], { rng, dtype: 'float64' }), -2), Bm = randn([T, B, N], { rng, dtype: 'float64' }), Cm = randn([T, B, N], { rng, dtype: 'float64' });
    const [ud, dd, ad, bd, cd] = [u, dl, A, Bm, Cm].map((t) => t.data());
    const want: number[] = [];
    const x = new Float64Array(B * D * N);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) {
      let y = 0;
      for (let n = 0; n < N; n++) {
        const i = (b * D + d) * N + n, dt = dd[(t * B + b) * D + d]!;
        x[i] = Math.exp(dt * ad[d * N + n]!) * x[i]! + dt * bd[(t * B + b) * N + n]! * ud[(t * B + b) * D + d]!;
        y += x[i]! * cd[(t * B + b) * N + n]!;
      }
      want.push(y);
    }
    for (const impl of ['fused', 'scan', 'recurrent'] as const) assertClose(selectiveScan(u, dl, A, Bm, Cm, { impl }).y, want, 1e-12, 1e-12, impl);
  });

  test('bad shapes', () => {
    assert.throws(() => selectiveScan(randn([4, 2, 3]), randn([4, 2, 3]), randn([3, 5]), randn([4, 2, 4]), randn([4, 2, 4])), ShapeError);
  });
});

describe('Mamba', () => {
  const make = (impl: SelectiveImpl, dtype: 'float32' | 'float64' = 'float64'): Mamba =>
    new Mamba({ inputSize: 3, hiddenSize: 8, numLayers: 2, stateSize: 4, impl, rng: new Rng(2), dtype });

  test('fused = scan = sequential on outputs and every gradient (float64, 2 layers, ragged lengths)', () => {
    const rng = new Rng(3);
    const x = randn([3, 9, 3], { rng, dtype: 'float64' }), dy = randn([3, 9, 8], { rng, dtype: 'float64' });
    const res = (['recurrent', 'fused', 'scan'] as const).map((impl) => {
      const m = make(impl);
      const params = { ...m.parameterRecord(), __x: x };
      const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, null, { lengths: [9, 4, 1] }).output, params, dy);
      return { y: Array.from(r.value.data()), g: Object.values(r.grads as Record<string, Tensor>).map((t) => Array.from(t.data())) };
    });
    for (const k of [1, 2]) {
      assertClose(res[k]!.y, res[0]!.y, 1e-10, 1e-10, `form ${k} y`);
      res[k]!.g.forEach((g, i) => assertClose(g, res[0]!.g[i]!, 1e-9, 1e-9, `form ${k} grad ${i}`));
    }
  });

  test('streaming step and carried state equal the batch', () => {
    const m = make('fused', 'float32');
    const x = randn([2, 7, 3], { rng: new Rng(4) });
    const full = m.forward(x).output;
    let st = null;
    for (let t = 0; t < 7; t++) {
      const r = m.step(squeeze(narrow(x, 1, t, 1), 1), st);
      st = r.state;
      assertClose(r.output, Array.from(squeeze(narrow(full, 1, t, 1), 1).data()), 2e-5, 2e-5, `t=${t}`);
    }
    const a = m.forward(narrow(x, 1, 0, 3));
    const b = m.forward(narrow(x, 1, 3, 4), a.state);
    assertClose(b.output, Array.from(narrow(full, 1, 3, 4).data()), 2e-5, 2e-5);
  });

  test('mamba_ssm parameter names and shapes', () => {
    const sd = make('fused').stateDict();
    const want: Record<string, number[]> = {
      'layers.0.norm.weight': [8], 'layers.0.mixer.in_proj.weight': [32, 8], 'layers.0.mixer.conv1d.weight': [16, 1, 4],
      'layers.0.mixer.conv1d.bias': [16], 'layers.0.mixer.x_proj.weight': [9, 16], 'layers.0.mixer.dt_proj.weight': [16, 1],
      'layers.0.mixer.dt_proj.bias': [16], 'layers.0.mixer.A_log': [16, 4], 'layers.0.mixer.D': [16], 'layers.1.mixer.out_proj.weight': [8, 16],
    };
    for (const [k, shape] of Object.entries(want)) assert.deepEqual(sd[k]?.shape, shape, k);
  });

  test('gradcheck w.r.t. the input (float64); bad input', () => {
    const m = new Mamba({ inputSize: 2, hiddenSize: 4, stateSize: 2, rng: new Rng(5), dtype: 'float64' });
    const w = randn([1, 5, 4], { rng: new Rng(6), dtype: 'float64' });
    assertGradcheck((x) => sum(mul(m.forward(x!).output, w)), [randn([1, 5, 2], { rng: new Rng(7), dtype: 'float64' })]);
    assert.throws(() => new Mamba({ inputSize: 2, hiddenSize: 4, impl: 'cuda' as 'fused' }), ArgumentError);
    assert.throws(() => m.forward(randn([1, 5, 3], { dtype: 'float64' })), ShapeError);
  });
});

test('golden: one block equals the reference math of mamba_ssm written in PyTorch (outputs, input and every parameter gradient)', () => {
  const bytes = readFileSync(new URL('../fixtures/mamba/mamba_block.safetensors', import.meta.url));
  const f = loadSafetensors(bytes);
  const meta = readSafetensorsMetadata(bytes);
  const m = new Mamba({ inputSize: +meta.d_model!, hiddenSize: +meta.d_model!, stateSize: +meta.d_state!, convSize: +meta.d_conv!,
    expand: +meta.expand!, rng: new Rng(0), dtype: 'float64' });
  const params: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(f)) if (k.startsWith('param.')) params[k.slice(6)] = v;
  m.loadStateDict(params);
  for (const impl of ['fused', 'recurrent'] as const) {
    const mm = impl === 'fused' ? m : new Mamba({ inputSize: +meta.d_model!, hiddenSize: +meta.d_model!, stateSize: +meta.d_state!,
      convSize: +meta.d_conv!, expand: +meta.expand!, impl, rng: new Rng(0), dtype: 'float64' });
    if (mm !== m) mm.loadStateDict(params);
    const r = vjp((p: Record<string, Tensor>) => mm.forward(p.__x!).output, { ...mm.parameterRecord(), __x: f.x! }, f.cot!);
    const g = r.grads as Record<string, Tensor>;
    assertClose(r.value, Array.from(f.out!.data()), 1e-10, 1e-10, `${impl} out`);
    assertClose(g.__x!, Array.from(f['grad.x']!.data()), 1e-10, 1e-10, `${impl} grad x`);
    for (const k of Object.keys(params)) assertClose(g[k]!, Array.from(f[`grad.param.${k}`]!.data()), 1e-9, 1e-9, `${impl} grad ${k}`);
  }
});
