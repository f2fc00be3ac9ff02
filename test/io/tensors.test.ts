import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as rc from '../../src/index.js';
import { loadSafetensorsFile, loadSafetensorsFileSync, saveSafetensorsFile } from '../../src/io/node.js';

test('saveSafetensors / loadSafetensors round-trip tensors of every dtype', () => {
  const rec = {
    w: rc.randn([3, 2], { rng: new rc.Rng(1) }),
    d: rc.tensor([1e-300, -2.5], [2], { dtype: 'float64' }),
    ids: rc.tensor([1, -7, 2147483647], [3], { dtype: 'int32' }),
    s: rc.scalar(4),
  };
  const bytes = rc.saveSafetensors(rec, { note: 'hi' });
  const back = rc.loadSafetensors(bytes);
  assert.deepEqual(Object.keys(back).sort(), ['d', 'ids', 's', 'w']);
  for (const [k, t] of Object.entries(rec)) {
    assert.equal(back[k]!.dtype, t.dtype);
    assert.deepEqual(back[k]!.shape, t.shape);
    assert.deepEqual(back[k]!.data(), t.data());
  }
  assert.deepEqual(rc.readSafetensorsMetadata(bytes), { note: 'hi' });
});

test('saveSafetensors rejects non-tensors; loadSafetensors rejects garbage with FormatError', () => {
  assert.throws(() => rc.saveSafetensors({ a: [1, 2] as unknown as rc.Tensor }), rc.ArgumentError);
  assert.throws(() => rc.loadSafetensors(new Uint8Array([1, 2, 3])), rc.FormatError);
});

test('file adapters write atomically, keep the old file on failure, and name the file in errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recurrent-io-'));
  const path = join(dir, 'model.safetensors');
  await saveSafetensorsFile(path, { a: rc.ones([2]) });
  const first = readFileSync(path);
  await saveSafetensorsFile(path, { a: rc.zeros([3]) });
  assert.deepEqual((await loadSafetensorsFile(path)).a!.shape, [3]);
  // A failing save (bad record) must leave the existing file untouched and no temp files behind.
  await assert.rejects(saveSafetensorsFile(path, { bad: 5 as unknown as rc.Tensor }), rc.ArgumentError);
  assert.deepEqual(loadSafetensorsFileSync(path).a!.shape, [3]);
  assert.deepEqual(readdirSync(dir), ['model.safetensors']);
  const broken = join(dir, 'broken.safetensors');
  writeFileSync(broken, first.subarray(0, first.length - 3));
  assert.throws(() => loadSafetensorsFileSync(broken), (e: unknown) => e instanceof rc.FormatError && e.message.includes('broken.safetensors'));
});

test('a PyTorch-style state dict loads into a module through safetensors', () => {
  const m = new rc.nn.Linear(2, 3, { rng: new rc.Rng(0) });
  const fromTorch = {
    weight: rc.tensor([[1, 2], [3, 4], [5, 6]]),
    bias: rc.tensor([0.5, 0, -0.5]),
  };
  m.loadStateDict(rc.loadSafetensors(rc.saveSafetensors(fromTorch)));
  assert.deepEqual(m.forward(rc.tensor([[1, 1]])).toArray(), [[3.5, 7, 10.5]]);
});
