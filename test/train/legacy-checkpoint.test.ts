// Checkpoints written before models owned their options (the model called `cell`; heads,
// householder, negEigval and shortConv at the top level of the configs) still load, evaluate to
// the metrics they were written with, resume, and report their options under today's names.
// The fixtures were trained with `recurrent train --task parity --model ... --hidden 16
// --steps 20` at commit 3cecd7b; the .eval.json beside each is its `recurrent eval --json` then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTask } from '../../src/tasks/registry.js';
import { Trainer } from '../../src/train/trainer.js';
import { decodeCheckpoint, readCheckpointMeta } from '../../src/train/checkpoint.js';
import { dispose } from '../../src/tensor/scope.js';
import { upgradeModelOptions } from '../../src/models/sequence-model.js';
import { ArgumentError } from '../../src/errors.js';

const dir = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));
const CASES: [string, Record<string, unknown>][] = [
  ['deltaproduct', { heads: 2, householder: 3, allowNegEigval: true, shortConv: false }],
  ['lstm', { heads: 2 }],
  ['gla', { heads: 2, shortConv: true }],
  ['paragru', {}],
];

for (const [name, options] of CASES) {
  test(`legacy ${name} checkpoint: options moved to today's names, same metrics, resumes`, () => {
    const bytes = readFileSync(`${dir}legacy-${name}.safetensors`);
    const want = JSON.parse(readFileSync(`${dir}legacy-${name}.eval.json`, 'utf8'));
    const meta = readCheckpointMeta(bytes);
    assert.equal(meta.modelConfig.name, name);
    assert.deepEqual(meta.modelConfig.options, options);
    assert.ok(!('cell' in meta.modelConfig) && !('heads' in meta.modelConfig) && !('negEigval' in meta.modelConfig));
    assert.equal(meta.config.model.name, name);
    assert.deepEqual(meta.config.model.options ?? {}, Object.fromEntries(Object.entries(options).filter(([k]) => k !== 'heads' || name !== 'paragru')));

    const task = createTask('parity');
    const run = Trainer.fromCheckpoint(bytes, task);
    assert.equal(run.step, want.step);
    for (const which of ['train', 'test'] as const) {
      const got = run.evaluate(which);
      assert.equal(got.accuracy, want[which].accuracy, `${which} accuracy`);
      assert.ok(Math.abs(got.loss - want[which].loss) < 1e-5, `${which} loss ${got.loss} vs ${want[which].loss}`);
    }
    // it continues training from the checkpoint
    const { tensors } = decodeCheckpoint(bytes);
    const more = new Trainer({ ...meta.config, steps: want.step + 2 }, task, { meta, tensors });
    dispose(Object.values(tensors));
    const r = more.run();
    assert.equal(r.steps, want.step + 2);
    run.model.dispose(); run.optimizer.dispose(); more.model.dispose(); more.optimizer.dispose();
  });
}

test('upgradeModelOptions: today\'s shape passes unchanged; an impossible legacy knob is an error', () => {
  const today = { name: 'gla', hiddenSize: 8, options: { heads: 2 } };
  assert.deepEqual(upgradeModelOptions(today), today);
  assert.deepEqual(upgradeModelOptions({ cell: 'gru', hiddenSize: 8 }), { name: 'gru', hiddenSize: 8 });
  assert.deepEqual(upgradeModelOptions({ cell: 'mamba', heads: 1 }), { name: 'mamba' });
  assert.deepEqual(upgradeModelOptions({ cell: 'deltanet', negEigval: false, shortConv: true }), { name: 'deltanet', options: { shortConv: true } });
  assert.throws(() => upgradeModelOptions({ cell: 'mamba', heads: 4 }), (e: unknown) => e instanceof ArgumentError && /model mamba has no option 'heads'/.test(e.message));
});
