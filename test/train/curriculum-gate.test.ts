import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, FormatError } from '../../src/errors.js';
import { Trainer } from '../../src/train/trainer.js';
import type { TrainEvent } from '../../src/train/trainer.js';
import { trainConfig } from '../../src/train/config.js';
import type { TrainConfig } from '../../src/train/config.js';
import { decodeCheckpoint, encodeCheckpoint, readCheckpointMeta } from '../../src/train/checkpoint.js';
import type { CheckpointMeta } from '../../src/train/checkpoint.js';
import type { Metrics } from '../../src/train/metrics.js';
import { nParity } from '../../src/tasks/nparity.js';
import { lorenz } from '../../src/tasks/lorenz.js';
import type { Task } from '../../src/tasks/types.js';
import { dispose } from '../../src/tensor/scope.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const TASK = nParity();

/**
 * A trainer whose gate evaluations are scripted: the accuracy at length N is `acc(step, N)`, so
 * when the gate passes is known in advance (training itself is real).
 */
class Scripted extends Trainer {
  constructor(config: TrainConfig, task: Task, readonly acc: (step: number, n: number) => number,
    resume?: { meta: CheckpointMeta; tensors: Record<string, Tensor> }) {
    super(config, task, resume);
  }

  override evaluate(which: 'train' | 'test' | number): Metrics {
    if (typeof which !== 'number') return super.evaluate(which);
    return { loss: 0, accuracy: this.acc(this.step, which), examples: 1 };
  }
}

function gated(over: Partial<TrainConfig> = {}, gate: Partial<NonNullable<TrainConfig['curriculumGate']>> = {}): TrainConfig {
  return trainConfig({
    task: 'n-parity', model: { name: 'leaky', hiddenSize: 6, norm: 'none' }, steps: 20, batchSize: 4, lr: 1e-2, warmup: 0,
    logEvery: 2, evalEvery: 0, evalSize: 8, checkpointEvery: 0, curriculum: 0, trainLengths: [2, 5], testLengths: [2, 5],
    curriculumGate: { from: 2, to: 4, threshold: 0.98, every: 2, ...gate }, ...over,
  });
}

function free(t: Trainer): void {
  t.model.dispose();
  t.optimizer.dispose();
}

// N = 2 passes at step 6 (0.98 at step 4 equals the threshold: not above it), N = 3 at step 10, N = 4 never.
const SCRIPT = (step: number, n: number): number => (n === 2 ? (step < 4 ? 0.5 : step === 4 ? 0.98 : 0.981) : n === 3 ? (step >= 10 ? 0.99 : 0.7) : 0.6);

describe('curriculum gate', () => {
  test('advances exactly when the accuracy exceeds the threshold, trains at the current N only', () => {
    const t = new Scripted(gated(), TASK, SCRIPT);
    const lengths: number[] = [];
    const gates: Extract<TrainEvent, { event: 'gate' }>[] = [];
    const train = t.trainStep.bind(t);
    t.trainStep = () => { lengths.push(t.trainRange()[0]); assert.equal(t.trainRange()[0], t.trainRange()[1]); return train(); };
    const r = t.run({ onEvent: (e) => void (e.event === 'gate' && gates.push(e)) });
    assert.deepEqual(gates.slice(0, 5).map((g) => [g.step, g.length, g.passed]), [[2, 2, false], [4, 2, false], [6, 2, true], [8, 3, false], [10, 3, true]]);
    assert.equal(gates.length, 10, 'one gate evaluation every 2 steps');
    assert.deepEqual(r.gate, { length: 4, done: false, passed: [{ length: 2, step: 6, accuracy: 0.981 }, { length: 3, step: 10, accuracy: 0.99 }] });
    // steps 1..6 at N 2, 7..10 at N 3, then N 4
    assert.deepEqual(lengths, [...Array(6).fill(2), ...Array(4).fill(3), ...Array(10).fill(4)]);
    assert.equal(r.steps, 20);
    assert.equal(r.stoppedEarly, false);
    free(t);
  });

  test('passing the last length ends the run (a finished curriculum)', () => {
    const t = new Scripted(gated({}, { to: 3 }), TASK, SCRIPT);
    const r = t.run();
    assert.equal(r.steps, 10);
    assert.equal(r.stoppedEarly, true);
    assert.deepEqual(r.gate, { length: 3, done: true, passed: [{ length: 2, step: 6, accuracy: 0.981 }, { length: 3, step: 10, accuracy: 0.99 }] });
    free(t);
  });

  test('the real gate: accuracy at N on a fixed set (half of evalSize)', () => {
    const t = new Trainer(gated({ steps: 4, evalSize: 16 }), TASK);
    const accs: number[] = [];
    t.run({ onEvent: (e) => void (e.event === 'gate' && accs.push(e.accuracy)) });
    assert.equal(accs.length, 2);
    for (const a of accs) assert.ok(a >= 0 && a <= 1 && Math.abs(a * 8 - Math.round(a * 8)) < 1e-9, `accuracy ${a} is a fraction of 8 examples`);
    assert.equal(t.evaluate(2).examples, 8);
    free(t);
  });

  test('resume continues at the same N and equals the uninterrupted run', () => {
    const cfg = gated({ checkpointEvery: 7 });
    const full = new Scripted(cfg, TASK, SCRIPT);
    const want = full.run();
    let bytes: Uint8Array | null = null;
    const killed = new Scripted(cfg, TASK, SCRIPT);
    assert.throws(() => killed.run({ onCheckpoint: (b, step) => { if (step === 7) { bytes = b; throw new Error('killed'); } } }), /killed/);
    assert.ok(bytes);
    const meta = readCheckpointMeta(bytes);
    assert.deepEqual(meta.gate, { length: 3, done: false, passed: [{ length: 2, step: 6, accuracy: 0.981 }] });
    const { tensors } = decodeCheckpoint(bytes);
    const resumed = new Scripted(meta.config, TASK, SCRIPT, { meta, tensors });
    dispose(Object.values(tensors));
    assert.equal(resumed.step, 7);
    assert.deepEqual(resumed.gate, meta.gate);
    assert.deepEqual(resumed.trainRange(), [3, 3]);
    assert.deepEqual(resumed.run(), want);
    assert.deepEqual(resumed.history, full.history);
    [full, killed, resumed].forEach(free);
  });

  test('a checkpoint without gate state, or with a length outside the curriculum, is refused', () => {
    const t = new Scripted(gated({ steps: 2 }), TASK, SCRIPT);
    const { meta, tensors } = decodeCheckpoint(t.checkpoint());
    const { gate: _, ...noGate } = meta;
    assert.throws(() => new Trainer(meta.config, TASK, { meta: noGate as CheckpointMeta, tensors }), FormatError);
    assert.throws(() => new Trainer(meta.config, TASK, { meta: { ...meta, gate: { length: 9, passed: [], done: false } }, tensors }), /outside the curriculum 2..4/);
    // round trip through the codec keeps the gate
    const again = readCheckpointMeta(encodeCheckpoint({}, meta));
    assert.deepEqual(again.gate, { length: 2, passed: [], done: false });
    dispose(Object.values(tensors));
    free(t);
  });

  test('bad input: typed errors naming the field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ from: 0, to: 3, threshold: 0.9, every: 1 }, /curriculumGate.from must be an integer >= 1, got 0/],
      [{ from: 4, to: 3, threshold: 0.9, every: 1 }, /from \(4\) must be <= to \(3\)/],
      [{ from: 2, to: 3, threshold: 1, every: 1 }, /threshold must be a fraction in \(0, 1\)/],
      [{ from: 2, to: 3, threshold: 0, every: 1 }, /threshold/],
      [{ from: 2, to: 3, threshold: 0.9, every: 0 }, /curriculumGate.every/],
      [{ from: 2, to: 3, threshold: 0.9, every: 1, step: 2 }, /unknown field\(s\) step/],
    ];
    for (const [g, re] of bad) {
      assert.throws(() => trainConfig({ task: 'n-parity', curriculumGate: g as never }), (e: unknown) => e instanceof ArgumentError && re.test(e.message), JSON.stringify(g));
    }
    assert.throws(() => trainConfig({ task: 'n-parity', curriculumGate: [2, 3] as never }), /must be an object/);
    // a regression task has no accuracy to gate on
    assert.throws(() => new Trainer(trainConfig({ task: 'lorenz', model: { hiddenSize: 4 }, curriculumGate: { from: 1, to: 2, threshold: 0.5, every: 1 } }), lorenz()),
      (e: unknown) => e instanceof ArgumentError && /regression task/.test(e.message));
  });
});
