import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadReferenceLayers } from '../../src/io/reference-keys.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/tensors.js';
import { GatedDeltaNet } from '../../src/nn/delta/deltanet.js';
import { Mamba2 } from '../../src/nn/mamba2/mamba2.js';
import { MLSTM } from '../../src/nn/mlstm/mlstm.js';
import { randn } from '../../src/ops/creation.js';
import { Rng } from '../../src/tensor/rng.js';
import { ArgumentError, StateDictError } from '../../src/errors.js';
import type { Module } from '../../src/nn/module.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers.js';

type Stack = Module & { forward(x: Tensor): { output: Tensor } };

// A reference-format checkpoint built from a trained-looking stack: its block keys under the
// reference model's prefix, plus the keys a whole reference model has beyond the stack.
function referenceCheckpoint(src: Module, prefix: string, blocks: string, extra: string[]): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(src.stateDict())) out[k.replace(/^layers\./, `${prefix}${blocks}.`)] = t;
  for (const k of extra) out[k] = randn([4, 4], { rng: new Rng(9) });
  // through safetensors bytes, as a file would arrive
  return loadSafetensors(saveSafetensors(out));
}

const cases: [string, (seed: number) => Stack, string, string, string[]][] = [
  ['fla GatedDeltaNet (model.layers.{i}.attn.*)', (s) => new GatedDeltaNet({ inputSize: 8, hiddenSize: 8, numLayers: 2, heads: 2, rng: new Rng(s) }),
    'model.', 'layers', ['model.embeddings.weight', 'model.layers.0.mlp_norm.weight', 'model.layers.0.mlp.gate_proj.weight', 'model.norm.weight', 'lm_head.weight']],
  ['mamba_ssm Mamba2 (backbone.layers.{i}.mixer.*)', (s) => new Mamba2({ inputSize: 16, hiddenSize: 16, numLayers: 2, rng: new Rng(s) }),
    'backbone.', 'layers', ['backbone.embedding.weight', 'backbone.norm_f.weight']],
  ['xLSTM Large (backbone.blocks.{i}.mlstm_layer.*)', (s) => new MLSTM({ inputSize: 8, hiddenSize: 8, numLayers: 2, heads: 2, rng: new Rng(s) }),
    'backbone.', 'blocks', ['backbone.embeddings.weight', 'backbone.out_norm.weight', 'lm_head.weight']],
];

for (const [name, make, prefix, blocks, extra] of cases) {
  test(`loadReferenceLayers: a ${name} checkpoint loads into a fresh stack, which then computes the same outputs`, () => {
    const trained = make(1), fresh = make(2);
    const x = randn([2, 5, trained instanceof Mamba2 ? 16 : 8], { rng: new Rng(3) });
    const want = Array.from(trained.forward(x).output.data());
    const ckpt = referenceCheckpoint(trained, prefix, blocks, extra);
    const before = Array.from(fresh.forward(x).output.data());
    assert.notDeepEqual(before, want);
    const r = loadReferenceLayers(fresh, ckpt);
    assert.deepEqual(r.ignored.sort(), [...extra].sort());
    assert.equal(Object.keys(r.loaded).length, Object.keys(fresh.stateDict()).length);
    assertClose(fresh.forward(x).output, want, 0, 0);
  });
}

test('loadReferenceLayers: a missing or mis-shaped tensor is a StateDictError and nothing is loaded', () => {
  const src = new GatedDeltaNet({ inputSize: 8, hiddenSize: 8, heads: 2, rng: new Rng(1) });
  const dst = new GatedDeltaNet({ inputSize: 8, hiddenSize: 8, heads: 2, rng: new Rng(2) });
  const keep = Object.fromEntries(Object.entries(dst.stateDict()).map(([k, t]) => [k, Array.from(t.data())]));
  const ckpt = referenceCheckpoint(src, 'model.', 'layers', []);
  const partial = { ...ckpt };
  delete partial['model.layers.0.attn.A_log'];
  assert.throws(() => loadReferenceLayers(dst, partial), (e: unknown) => e instanceof StateDictError && e.missing.includes('layers.0.attn.A_log'));
  const wrong = { ...ckpt, 'model.layers.0.attn.q_proj.weight': randn([3, 8]) };
  assert.throws(() => loadReferenceLayers(dst, wrong), StateDictError);
  for (const [k, v] of Object.entries(dst.stateDict())) assert.deepEqual(Array.from(v.data()), keep[k], `${k} untouched`);
  assert.throws(() => loadReferenceLayers(dst, null as unknown as Record<string, Tensor>), ArgumentError);
});
