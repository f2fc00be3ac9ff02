import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, FormatError } from '../../src/errors.js';
import { Trainer } from '../../src/train/trainer.js';
import type { TrainResult } from '../../src/train/trainer.js';
import { trainConfig } from '../../src/train/config.js';
import type { TrainConfig } from '../../src/train/config.js';
import { decodeCheckpoint, encodeCheckpoint, readCheckpointMeta } from '../../src/train/checkpoint.js';
import { SequenceModel, modelConfigFor } from '../../src/models/sequence-model.js';
import { listModels } from '../../src/models/registry.js';
import { cycleNav } from '../../src/tasks/cycle.js';
import { groupWords } from '../../src/tasks/groups.js';
import { lorenz } from '../../src/tasks/lorenz.js';
import { parity } from '../../src/tasks/parity.js';
import type { LengthRange, Task } from '../../src/tasks/types.js';
import { tensor } from '../../src/ops/creation.js';
import { narrow, squeeze } from '../../src/ops/movement.js';
import { noGrad } from '../../src/tensor/tape.js';
import { dispose, tidy } from '../../src/tensor/scope.js';
import { memory } from '../../src/tensor/memory.js';
import { saveSafetensors, loadSafetensors } from '../../src/io/tensors.js';
import { Rng } from '../../src/tensor/rng.js';
import type { LayerState } from '../../src/nn/sequence-layer.js';
import { assertClose } from '../helpers.js';

/** A registry task with shorter length ranges, so the tests stay fast. */
function short(task: Task, trainLengths: LengthRange, testLengths: LengthRange): Task {
  return { ...task, trainLengths, testLengths };
}

const CYCLE = short(cycleNav(), [1, 6], [6, 10]);
const S3 = short(groupWords({ group: 'S3' }), [2, 6], [6, 10]);
const LORENZ = short(lorenz(), [8, 16], [16, 24]);

/** A tiny run: 8-unit LSTM, a few steps, small evaluation sets. */
function tiny(task: string, over: Partial<TrainConfig> = {}): TrainConfig {
  return trainConfig({
    task, model: { hiddenSize: 8 }, steps: 10, batchSize: 8, lr: 1e-2, warmup: 2, logEvery: 2, evalEvery: 5,
    evalSize: 8, checkpointEvery: 0, ...over,
  });
}

/** Frees a trainer's model and optimizer. */
function free(t: Trainer): void {
  t.model.dispose();
  t.optimizer.dispose();
}

class Crash extends Error {}

describe('Trainer: determinism', () => {
  for (const [task, model] of [[CYCLE, { hiddenSize: 8 }], [S3, { name: 'gru', hiddenSize: 8 }], [LORENZ, { hiddenSize: 8 }]] as const) {
    test(`${task.name}: the same config twice gives the same losses and metrics`, () => {
      const cfg = tiny(task.name, { model: { ...model }, seed: 3 });
      const a = new Trainer(cfg, task);
      const ra = a.run();
      const b = new Trainer(cfg, task);
      const rb = b.run();
      assert.equal(a.history.steps.length, 5);
      assert.deepEqual(b.history, a.history);
      assert.deepEqual(rb, ra);
      assert.equal(ra.steps, 10);
      assert.ok(Number.isFinite(ra.train.loss) && Number.isFinite(ra.test.loss));
      // a different seed is a different run
      const c = new Trainer({ ...cfg, seed: 4 }, task);
      c.run();
      assert.notDeepEqual(c.history.steps.map((s) => s.loss), a.history.steps.map((s) => s.loss));
      [a, b, c].forEach(free);
    });
  }

  test('result shape: metrics per head kind, the length curve and the evaluation schedule', () => {
    const t = new Trainer(tiny(S3.name, { steps: 10, evalEvery: 4 }), S3);
    const r = t.run();
    assert.equal(r.task, 'group-s3');
    assert.equal(r.model, 'lstm');
    assert.equal(r.parameters, t.parameters);
    assert.equal(r.stoppedEarly, false);
    assert.ok(r.train.accuracy! >= 0 && r.train.accuracy! <= 1);
    assert.ok(r.test.seqAccuracy! >= 0 && r.test.seqAccuracy! <= 1);
    assert.equal(r.train.examples, 8);
    // evaluations at 4, 8 and at the end (10)
    assert.deepEqual(t.history.evals.map((e) => e.step), [4, 8, 10]);
    assert.deepEqual(t.history.steps.map((s) => s.step), [2, 4, 6, 8, 10]);
    assert.deepEqual(r.curve.map((p) => p.length), t.curveLengths());
    assert.deepEqual(t.curveLengths(), [2, 4, 6, 10]);
    assert.deepEqual(r.train, t.history.evals.at(-1)!.train);
    free(t);
  });
});

describe('Trainer: exact resume', () => {
  const cases: { name: string; task: Task; cfg: TrainConfig; k: number }[] = [
    {
      name: 'classify, 2-layer LSTM with dropout, cosine schedule and curriculum', task: CYCLE, k: 5,
      cfg: tiny(CYCLE.name, { model: { hiddenSize: 8, numLayers: 2, dropout: 0.3 }, steps: 12, logEvery: 3, evalEvery: 4, checkpointEvery: 5, curriculum: 0.5, seed: 1 }),
    },
    {
      name: 'tag, 2-layer GRU with dropout and weight decay', task: S3, k: 7,
      cfg: tiny(S3.name, { model: { name: 'gru', hiddenSize: 8, numLayers: 2, dropout: 0.25 }, steps: 11, logEvery: 4, evalEvery: 3, checkpointEvery: 7, weightDecay: 0.01, seed: 2 }),
    },
    {
      name: 'tag, hybrid DeltaProduct (n_h 3, negative eigenvalues) + LSTM with dropout', task: S3, k: 4,
      cfg: tiny(S3.name, { model: { name: 'deltaproduct+lstm', hiddenSize: 8, numLayers: 2, dropout: 0.2, options: { householder: 3, allowNegEigval: true } }, steps: 7, logEvery: 2, evalEvery: 3, checkpointEvery: 4, seed: 3 }),
    },
  ];
  for (const c of cases) {
    test(`${c.name}: interrupted at step ${c.k} and resumed from checkpoint bytes = uninterrupted`, () => {
      const full = new Trainer(c.cfg, c.task);
      const want: TrainResult = full.run();
      assert.equal(full.step, c.cfg.steps);

      // The same run, "killed" right after its checkpoint at step k.
      const killed = new Trainer(c.cfg, c.task);
      let hookBytes: Uint8Array | null = null;
      assert.throws(() => killed.run({
        onCheckpoint: (bytes, step) => {
          if (step === c.k) {
            hookBytes = bytes;
            throw new Crash('killed');
          }
        },
      }), Crash);
      assert.equal(killed.step, c.k);
      const bytes = killed.checkpoint();
      assert.ok(hookBytes);
      assert.deepEqual(bytes, hookBytes, 'checkpoint() has no side effects: same bytes twice');

      const meta = readCheckpointMeta(bytes);
      assert.equal(meta.step, c.k);
      assert.deepEqual(meta.config, c.cfg);

      const resumed = Trainer.fromCheckpoint(bytes, c.task);
      assert.equal(resumed.step, c.k);
      const got = resumed.run();
      assert.deepEqual(resumed.history.steps, full.history.steps);
      assert.deepEqual(resumed.history.evals, full.history.evals);
      assert.deepEqual(got, want);
      assert.deepEqual(resumed.checkpoint(), full.checkpoint(), 'final checkpoints are identical byte for byte');
      [full, killed, resumed].forEach(free);
    });
  }

  test('resume with the model RNG state lost would differ (dropout draws matter)', () => {
    // Guards the test above: with dropout, the model stream's state must be part of the checkpoint.
    const cfg = cases[0]!.cfg;
    const full = new Trainer(cfg, CYCLE);
    full.run();
    const killed = new Trainer(cfg, CYCLE);
    assert.throws(() => killed.run({ onCheckpoint: () => { throw new Crash(); } }), Crash);
    const { meta, tensors } = decodeCheckpoint(killed.checkpoint());
    const tampered = encodeCheckpoint(tensors, { ...meta, rng: { ...meta.rng, model: new Rng(999).getState() } });
    dispose(Object.values(tensors));
    const resumed = Trainer.fromCheckpoint(tampered, CYCLE);
    resumed.run();
    assert.notDeepEqual(resumed.history.steps.map((s) => s.loss), full.history.steps.map((s) => s.loss));
    [full, killed, resumed].forEach(free);
  });

  test('a checkpoint of one task does not load into a trainer of another', () => {
    const t = new Trainer(tiny(CYCLE.name, { steps: 2 }), CYCLE);
    t.trainStep();
    const bytes = t.checkpoint();
    assert.throws(() => Trainer.fromCheckpoint(bytes, short(parity(), [2, 4], [4, 8])), (e: unknown) => e instanceof FormatError && /model config/.test(e.message));
    free(t);
  });
});

describe('Trainer: learning', () => {
  test('per-step regression (Lorenz, 16-unit LSTM): the MSE falls well below its start in 30 steps', () => {
    const cfg = trainConfig({
      task: 'lorenz', model: { hiddenSize: 16 }, steps: 30, batchSize: 16, lr: 1e-2, warmup: 0, schedule: 'constant',
      curriculum: 0, logEvery: 5, evalSize: 16, checkpointEvery: 0, seed: 0,
    });
    const t = new Trainer(cfg, LORENZ);
    const before = t.evaluate('train');
    const r = t.run();
    const first = t.history.steps[0]!.loss;
    const last = t.history.steps.at(-1)!.loss;
    assert.ok(last < 0.3 * first, `last logged loss ${last} should be < 0.3 × the first ${first}`);
    assert.ok(r.train.mse! < 0.3 * before.mse!, `train mse ${r.train.mse} vs untrained ${before.mse}`);
    assert.ok(r.train.mse! < 0.15, `train mse ${r.train.mse}`);
    assert.ok(r.test.mse! < 0.15, `test mse ${r.test.mse}`);
    free(t);
  });

  test('the curriculum widens the training range linearly, then covers it all', () => {
    const t = new Trainer(tiny(CYCLE.name, { steps: 10, curriculum: 0.5 }), CYCLE);
    const ranges: (readonly [number, number])[] = [];
    for (let i = 0; i < 10; i++) {
      ranges.push(t.trainRange());
      t.step++;
    }
    assert.deepEqual(ranges.map((r) => r[1]), [2, 3, 4, 5, 6, 6, 6, 6, 6, 6]);
    assert.ok(ranges.every((r) => r[0] === 1));
    const off = new Trainer(tiny(CYCLE.name, { curriculum: 0 }), CYCLE);
    assert.deepEqual(off.trainRange(), [1, 6]);
    [t, off].forEach(free);
  });

  test('patience stops early after evaluations without improvement', () => {
    // an lr so small that float32 parameters do not move: every evaluation after the first is no better
    const t = new Trainer(tiny(CYCLE.name, { steps: 40, evalEvery: 2, patience: 1, lr: 1e-12, warmup: 0, schedule: 'constant' }), CYCLE);
    const r = t.run();
    assert.equal(r.stoppedEarly, true);
    assert.ok(r.steps < 40, `stopped at ${r.steps}`);
    free(t);
  });
});

describe('trainConfig', () => {
  test('trainLengths / testLengths replace the task\'s ranges (training, evaluation, curve)', () => {
    const before = [...CYCLE.trainLengths];
    const t = new Trainer(tiny(CYCLE.name, { model: { hiddenSize: 8 }, steps: 2, trainLengths: [3, 5], testLengths: [6, 9] }), CYCLE);
    assert.deepEqual(t.task.trainLengths, [3, 5]);
    assert.deepEqual(t.task.testLengths, [6, 9]);
    assert.deepEqual(t.curveLengths(), [3, 4, 5, 9]);
    const r = t.run();
    assert.deepEqual(r.curve.map((p) => p.length), [3, 4, 5, 9]);
    assert.deepEqual([...CYCLE.trainLengths], before, 'the task object itself is untouched');
    t.model.dispose(); t.optimizer.dispose();
  });

  test('fills the defaults', () => {
    const c = trainConfig({ task: 'parity' });
    assert.equal(c.steps, 1000);
    assert.equal(c.schedule, 'cosine');
    assert.deepEqual(c.taskOptions, {});
    assert.deepEqual(c.model, {});
  });

  const bad: [string, Partial<TrainConfig>, RegExp][] = [
    ['steps 0', { steps: 0 }, /steps must be an integer >= 1, got 0/],
    ['steps 2.5', { steps: 2.5 }, /steps/],
    ['batchSize 0', { batchSize: 0 }, /batchSize/],
    ['seed -1', { seed: -1 }, /seed/],
    ['lr -1', { lr: -1 }, /lr must be a positive number, got -1/],
    ['lr 0', { lr: 0 }, /lr/],
    ['lr NaN', { lr: NaN }, /lr/],
    ['weightDecay -0.1', { weightDecay: -0.1 }, /weightDecay/],
    ['clip Infinity', { clip: Infinity }, /clip/],
    ["schedule 'x'", { schedule: 'x' as 'cosine' }, /schedule must be cosine or constant, got 'x'/],
    ['curriculum 2', { curriculum: 2 }, /curriculum must be in \[0, 1\], got 2/],
    ['curriculum NaN', { curriculum: NaN }, /curriculum/],
    ['evalSize 0', { evalSize: 0 }, /evalSize/],
    ['trainLengths reversed', { trainLengths: [9, 3] }, /trainLengths must be \[lo, hi\] with integers 1 <= lo <= hi, got \[9,3\]/],
    ['testLengths 0', { testLengths: [0, 4] }, /testLengths/],
    ['testLengths 1.5', { testLengths: [1.5, 4] as [number, number] }, /testLengths/],
    ["model option 'x'", { model: { name: 'gla', options: { bogus: 1 } } }, /model gla: unknown option 'bogus'/],
  ];
  for (const [name, partial, re] of bad) {
    test(`rejects ${name} with an ArgumentError naming it`, () => {
      assert.throws(() => trainConfig({ task: 'parity', ...partial }), (e: unknown) => e instanceof ArgumentError && re.test(e.message));
    });
  }
});

describe('SequenceModel', () => {
  test('bad configs are ArgumentErrors that name the problem', () => {
    const tag = modelConfigFor(S3, { hiddenSize: 8 });
    assert.throws(() => new SequenceModel({ ...tag, bidirectional: true }), (e: unknown) => e instanceof ArgumentError && /bidirectional/.test(e.message) && /per-step/.test(e.message));
    assert.throws(() => new SequenceModel(modelConfigFor(CYCLE, { name: 'transformer' })),
      (e: unknown) => e instanceof ArgumentError && /unknown model 'transformer'/.test(e.message) && /lstm/.test(e.message) && /gru/.test(e.message));
    assert.throws(() => new SequenceModel(modelConfigFor(CYCLE, { hiddenSize: 0 })), (e: unknown) => e instanceof ArgumentError && /hiddenSize/.test(e.message));
    assert.throws(() => new SequenceModel(modelConfigFor(CYCLE, { dropout: 1 })), (e: unknown) => e instanceof ArgumentError && /dropout/.test(e.message));
    assert.throws(() => new SequenceModel(modelConfigFor(CYCLE, { norm: 'batch' as 'layer' })), (e: unknown) => e instanceof ArgumentError && /norm/.test(e.message));
    assert.throws(() => modelConfigFor(CYCLE, { name: 'lstm', options: { householder: 2 } }), (e: unknown) => e instanceof ArgumentError && /model lstm: unknown option 'householder'; valid options: heads, impl/.test(e.message));
    assert.throws(() => modelConfigFor(CYCLE, { name: 'gru', options: { allowNegEigval: true } }), (e: unknown) => e instanceof ArgumentError && /allowNegEigval/.test(e.message));
    assert.throws(() => modelConfigFor(CYCLE, { name: 'deltaproduct', options: { householder: 0 } }), (e: unknown) => e instanceof ArgumentError && /householder' must be integer >= 1, got 0/.test(e.message));
    assert.throws(() => modelConfigFor(CYCLE, { name: 'deltaproduct', options: { householder: 2.5 } }), (e: unknown) => e instanceof ArgumentError && /householder/.test(e.message));
    assert.throws(() => modelConfigFor(CYCLE, { name: 'deltanet', options: { allowNegEigval: 1 } }), (e: unknown) => e instanceof ArgumentError && /allowNegEigval' must be true\|false/.test(e.message));
    assert.throws(() => new SequenceModel({ ...modelConfigFor(CYCLE), options: { bogus: 1 } }), (e: unknown) => e instanceof ArgumentError && /unknown option 'bogus'/.test(e.message));
    assert.throws(() => new SequenceModel(modelConfigFor(CYCLE, { name: 'lstm+nope' })), (e: unknown) => e instanceof ArgumentError && /unknown model 'nope'/.test(e.message));
    // string values (from a command line) are parsed and stored typed
    assert.deepEqual(modelConfigFor(CYCLE, { name: 'deltaproduct', options: { householder: '3', allowNegEigval: 'true' } }).options, { householder: 3, allowNegEigval: true });
    // shortConv reaches the layer: GLA gains q/k/v convs, DeltaNet loses them
    const keys = (o: Parameters<typeof modelConfigFor>[1]) => Object.keys(new SequenceModel(modelConfigFor(CYCLE, { hiddenSize: 8, ...o })).stateDict());
    assert.ok(keys({ name: 'gla', options: { shortConv: true } }).includes('rnn.layers.0.attn.q_conv1d.weight'));
    assert.ok(!keys({ name: 'gla' }).some((k) => k.includes('conv1d')));
    assert.ok(!keys({ name: 'deltanet', options: { shortConv: false } }).some((k) => k.includes('conv1d')));
    assert.ok(keys({ name: 'deltanet' }).includes('rnn.layers.0.attn.k_conv1d.weight'));
    // forgetGate reaches DeltaProduct: the decay parameters of fla's Gated DeltaProduct appear
    assert.ok(!keys({ name: 'deltaproduct' }).some((k) => k.includes('A_log')));
    assert.ok(keys({ name: 'deltaproduct', options: { forgetGate: true } }).includes('rnn.layers.0.attn.A_log'));
    // a hybrid hands each part the options it has: heads to both, householder to deltaproduct only
    const h = new SequenceModel(modelConfigFor(CYCLE, { name: 'deltaproduct+lstm', hiddenSize: 8, numLayers: 2, options: { heads: 2, householder: 3 } }));
    assert.deepEqual(h.stateDict()['rnn.layers.0.layers.0.attn.b_proj.weight']!.shape, [2 * 3, 8]);
    assert.equal(((h.rnn as unknown as { layers: { list: { heads: number }[] } }).layers.list[1]!).heads, 2);
    h.dispose();
    assert.throws(() => new SequenceModel(modelConfigFor(CYCLE, { name: 'mamba2+lstm', bidirectional: true })), (e: unknown) => e instanceof ArgumentError && /bidirectional/.test(e.message));
    // the trainer builds its model from the config, so it rejects the same way
    assert.throws(() => new Trainer(tiny(S3.name, { model: { hiddenSize: 8, bidirectional: true } }), S3), ArgumentError);
    // a per-sequence head may be bidirectional
    const bi = new SequenceModel(modelConfigFor(CYCLE, { hiddenSize: 8, bidirectional: true }));
    const out = bi.forward(tensor([1, 2, 0, 1, 1, 0], [2, 3], { dtype: 'int32' }), [3, 2]);
    assert.deepEqual(out.shape, [2, 5]);
    out.dispose();
    bi.dispose();
  });

  test('step() needs a per-step head', () => {
    const m = new SequenceModel(modelConfigFor(CYCLE, { hiddenSize: 8 }));
    assert.throws(() => m.step(tensor([1], [1], { dtype: 'int32' })), (e: unknown) => e instanceof ArgumentError && /per-step head/.test(e.message));
    m.dispose();
  });

  for (const cell of [...listModels().map((c) => c.name), 'gated-deltanet+lstm', 'mamba2+gru+mlstm', 'deltanet+attention']) {
    test(`${cell}: streaming step() over a sequence equals forward() per step (tag task, 2 layers)`, () => {
      const model = new SequenceModel(modelConfigFor(S3, { name: cell, hiddenSize: 8, numLayers: 2, dropout: 0.2 }), { rng: new Rng(5) }).eval();
      const B = 2, T = 6;
      const ids = Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % 6);
      noGrad(() => tidy(() => {
        const full = model.forward(tensor(ids, [B, T], { dtype: 'int32' }));
        assert.deepEqual(full.shape, [B, T, 6]);
        let state: LayerState | null = null;
        for (let t = 0; t < T; t++) {
          const x = tensor([ids[t]!, ids[T + t]!], [B], { dtype: 'int32' });
          const r = model.step(x, state);
          state = r.state;
          assert.deepEqual(r.output.shape, [B, 6]);
          assertClose(r.output, squeeze(narrow(full, 1, t, 1), 1).data(), 1e-5, 1e-5, `${cell} step ${t}`);
        }
      }));
      model.dispose();
    });
  }

  test('per-step forward with lengths: valid steps do not depend on the padding', () => {
    const model = new SequenceModel(modelConfigFor(S3, { hiddenSize: 8 }), { rng: new Rng(1) }).eval();
    noGrad(() => tidy(() => {
      const a = model.forward(tensor([1, 2, 3, 0, 0], [1, 5], { dtype: 'int32' }), [3]);
      const b = model.forward(tensor([1, 2, 3, 5, 4], [1, 5], { dtype: 'int32' }), [3]);
      assertClose(narrow(a, 1, 0, 3), narrow(b, 1, 0, 3).data(), 1e-6, 1e-6);
    }));
    model.dispose();
  });
});

describe('checkpoint codec', () => {
  const trainer = (): Trainer => {
    const t = new Trainer(tiny(CYCLE.name, { steps: 4 }), CYCLE);
    t.trainStep();
    return t;
  };

  test('round trip: meta and tensors', () => {
    const t = trainer();
    const bytes = t.checkpoint();
    const { meta, tensors } = decodeCheckpoint(bytes);
    assert.equal(meta.version, 1);
    assert.equal(meta.step, 1);
    assert.deepEqual(meta.modelConfig, t.modelConfig);
    assert.deepEqual(meta.tokens, ['STAY', '+1', '-1']);
    assert.ok(Object.keys(tensors).some((k) => k.startsWith('model.')));
    assert.ok(Object.keys(tensors).some((k) => k.startsWith('optim.')));
    assert.deepEqual(readCheckpointMeta(bytes), meta);
    dispose(Object.values(tensors));
    free(t);
  });

  test('corrupted bytes are FormatErrors, from decodeCheckpoint, readCheckpointMeta and Trainer.fromCheckpoint', () => {
    const t = trainer();
    const bytes = t.checkpoint();
    const isFormat = (e: unknown): boolean => e instanceof FormatError;
    // truncated inside the header
    for (const cut of [0, 5, 100]) {
      assert.throws(() => readCheckpointMeta(bytes.slice(0, cut)), isFormat, `cut at ${cut}`);
      assert.throws(() => decodeCheckpoint(bytes.slice(0, cut)), isFormat, `cut at ${cut}`);
      assert.throws(() => Trainer.fromCheckpoint(bytes.slice(0, cut), CYCLE), isFormat, `cut at ${cut}`);
    }
    // truncated in the tensor data: the header still reads, the tensors do not
    const shortData = bytes.slice(0, bytes.length - 8);
    assert.throws(() => decodeCheckpoint(shortData), isFormat);
    assert.throws(() => Trainer.fromCheckpoint(shortData, CYCLE), isFormat);
    // garbage
    const garbage = new Uint8Array(256).map((_, i) => (i * 37 + 11) & 255);
    assert.throws(() => decodeCheckpoint(garbage), isFormat);
    // a valid safetensors file without the checkpoint metadata
    const tensors = loadSafetensors(bytes);
    const plain = saveSafetensors(tensors);
    assert.throws(() => readCheckpointMeta(plain), (e: unknown) => e instanceof FormatError && /not a recurrent training checkpoint/.test(e.message));
    assert.throws(() => decodeCheckpoint(plain), FormatError);
    // metadata that is not JSON, or of another version
    assert.throws(() => readCheckpointMeta(saveSafetensors(tensors, { 'recurrent.checkpoint': '{oops' })), (e: unknown) => e instanceof FormatError && /JSON/.test(e.message));
    const meta = readCheckpointMeta(bytes);
    assert.throws(() => readCheckpointMeta(saveSafetensors(tensors, { 'recurrent.checkpoint': JSON.stringify({ ...meta, version: 2 }) })), (e: unknown) => e instanceof FormatError && /version 2/.test(e.message));
    const { history: _h, ...noHistory } = meta;
    assert.throws(() => readCheckpointMeta(saveSafetensors(tensors, { 'recurrent.checkpoint': JSON.stringify(noHistory) })), FormatError);
    // a stray tensor
    const extra = encodeCheckpoint({ ...tensors, 'other.x': tensor([1], [1]) }, meta);
    assert.throws(() => Trainer.fromCheckpoint(extra, CYCLE), (e: unknown) => e instanceof FormatError && /unexpected tensor 'other.x'/.test(e.message));
    dispose(Object.values(tensors));
    free(t);
  });
});

describe('Trainer: memory', () => {
  test('no tensor leak over training steps, evaluation and checkpoints once warmed up', () => {
    const t = new Trainer(tiny(S3.name, { model: { hiddenSize: 8, numLayers: 2, dropout: 0.2 }, steps: 20 }), S3);
    for (let i = 0; i < 3; i++) t.trainStep();
    const n0 = memory().numTensors;
    for (let i = 0; i < 4; i++) t.trainStep();
    assert.equal(memory().numTensors, n0, 'trainStep');
    t.evaluate('train');
    t.evaluate(7);
    assert.equal(memory().numTensors, n0, 'evaluate');
    t.checkpoint();
    assert.equal(memory().numTensors, n0, 'checkpoint');
    const before = memory().numTensors;
    const r = Trainer.fromCheckpoint(t.checkpoint(), S3);
    free(r);
    assert.equal(memory().numTensors, before, 'fromCheckpoint + dispose');
    free(t);
    assert.ok(memory().numTensors < n0);
  });
});
