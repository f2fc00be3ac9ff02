import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { loadSafetensors, readSafetensorsMetadata } from '../../src/io/tensors.js';
import { DeltaNet, DeltaProduct, GatedDeltaNet } from '../../src/nn/delta/index.js';
import { GLA } from '../../src/nn/gla/index.js';
import { Mamba2 } from '../../src/nn/mamba2/index.js';
import { MLSTM } from '../../src/nn/mlstm/index.js';
import type { ResidualStack } from '../../src/nn/residual-stack.js';
import type { Module } from '../../src/nn/module.js';

// Golden files of tools/golden/linear_rnn_fixtures.py: one pre-norm residual block per layer, its
// mixer written in float64 PyTorch as the token-by-token recurrence of the reference (fla,
// mamba_ssm, xLSTM Large). Every impl of our stack must reproduce the output and the gradients of
// sum(out · cot) with respect to the input and every parameter (errors are ~1e-15 in float64; the
// bounds are 1e-10 on outputs and 1e-9 on gradients, measured as |ours - ref| / (1 + |ref|)).

type Stack = ResidualStack<Module>;
type Make = (opts: Record<string, unknown>) => Stack;

const LAYERS: Record<string, { make: Make; impls: readonly string[] }> = {
  DeltaNet: { make: (o) => new DeltaNet(o as never) as unknown as Stack, impls: ['chunk', 'recurrent', 'fused'] },
  GatedDeltaNet: { make: (o) => new GatedDeltaNet(o as never) as unknown as Stack, impls: ['chunk', 'recurrent', 'fused'] },
  DeltaProduct: { make: (o) => new DeltaProduct(o as never) as unknown as Stack, impls: ['chunk', 'recurrent', 'fused'] },
  GLA: { make: (o) => new GLA(o as never) as unknown as Stack, impls: ['chunk', 'recurrent', 'fused'] },
  Mamba2: { make: (o) => new Mamba2(o as never) as unknown as Stack, impls: ['chunk', 'recurrent', 'fused'] },
  MLSTM: { make: (o) => new MLSTM(o as never) as unknown as Stack, impls: ['chunk', 'recurrent', 'parallel'] },
};

const FIXTURES = ['deltanet', 'gated_deltanet', 'gated_deltaproduct', 'gla', 'mamba2_g1', 'mamba2_g2', 'mlstm'] as const;

/** Largest |a - e| / (1 + |e|) (a mixed absolute/relative error). */
function maxErr(actual: Tensor, expected: Tensor, what: string): number {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.data(), e = expected.data();
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    const d = Math.abs(a[i]! - e[i]!) / (1 + Math.abs(e[i]!));
    if (Number.isNaN(d)) return Infinity;
    if (d > worst) worst = d;
  }
  return worst;
}

for (const name of FIXTURES) {
  test(`golden ${name}: output, input gradient and every parameter gradient equal the PyTorch reference recurrence (chunk 4, recurrent)`, (t) => {
    const bytes = readFileSync(new URL(`../fixtures/linear-rnn/${name}.safetensors`, import.meta.url));
    const f = loadSafetensors(bytes);
    const meta = readSafetensorsMetadata(bytes);
    const layer = LAYERS[meta.layer!];
    assert.ok(layer, `unknown layer ${meta.layer}`);
    const d = +meta.d_model!;
    const params: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(f)) if (k.startsWith('param.')) params[k.slice(6)] = v;
    const options = JSON.parse(meta.options!) as Record<string, unknown>;
    const errs: string[] = [];
    const failures: string[] = [];
    for (const impl of layer.impls) {
      const m = layer.make({ ...options, inputSize: d, hiddenSize: d, numLayers: 1, dtype: 'float64', rng: new Rng(0), impl, chunk: 4 });
      // The fixture names exactly our parameters: none missing, none extra, same shapes.
      const sd = m.stateDict();
      assert.deepEqual(Object.keys(sd).sort(), Object.keys(params).sort(), `${name}: parameter names`);
      for (const [k, v] of Object.entries(sd)) assert.deepEqual(v.shape, params[k]!.shape, `${name}: shape of ${k}`);
      m.loadStateDict(params);
      const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!).output, { ...m.parameterRecord(), __x: f.x! }, f.cot!);
      const g = r.grads as Record<string, Tensor>;
      const worstOut = maxErr(r.value, f.out!, `${impl} out`);
      let worstGrad = maxErr(g.__x!, f['grad.x']!, `${impl} grad x`);
      let worstName = 'x';
      for (const k of Object.keys(params)) {
        assert.ok(g[k], `${name} ${impl}: no gradient for ${k}`);
        const e = maxErr(g[k], f[`grad.param.${k}`]!, `${impl} grad ${k}`);
        if (e > worstGrad) { worstGrad = e; worstName = k; }
      }
      errs.push(`${impl}: out ${worstOut.toExponential(1)}, grads ${worstGrad.toExponential(1)} (${worstName})`);
      if (worstOut > 1e-10) failures.push(`${impl}: output differs from the reference by ${worstOut}`);
      if (worstGrad > 1e-9) failures.push(`${impl}: gradient of ${worstName} differs from the reference by ${worstGrad}`);
    }
    t.diagnostic(`${name} max |err|/(1+|ref|): ${errs.join('; ')}`);
    assert.deepEqual(failures, [], `${name}: ${failures.join('; ')}`);
  });
}
