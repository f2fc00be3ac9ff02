import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/ops/creation.js';
import { collate, disposeBatch } from '../../src/train/batch.js';
import type { Batch } from '../../src/train/batch.js';
import { MetricAccumulator, batchLoss } from '../../src/train/metrics.js';
import { modelConfigFor } from '../../src/models/sequence-model.js';
import { parity, runningParity } from '../../src/tasks/parity.js';
import { adding } from '../../src/tasks/adding.js';
import { lorenz } from '../../src/tasks/lorenz.js';
import { cycleNav } from '../../src/tasks/cycle.js';
import type { Example, Task } from '../../src/tasks/types.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const close = (a: number, b: number, tol: number, msg = ''): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${msg} ${a} vs ${b}`);

/** Softmax cross-entropy of one row, in float64. */
function ce(row: number[], label: number): number {
  const m = Math.max(...row);
  return Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) + m - row[label]!;
}

/** Random float32 tensor of `shape` from `seed`. */
function randn(shape: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

describe('MetricAccumulator', () => {
  test('classify: accuracy, cross-entropy by hand, perplexity and bits per char', () => {
    const task = parity();
    const cfg = modelConfigFor(task, { hiddenSize: 8 });
    const batch = collate(task, [{ input: [1, 1], target: 0 }, { input: [1], target: 1 }, { input: [0, 1, 0], target: 0 }]);
    // row 0 right (0), row 1 right (1), row 2 wrong (predicts 1, label 0)
    const logits = tensor([2, 0, 0, 1, 1, 3], [3, 2]);
    const acc = new MetricAccumulator(cfg);
    acc.add(logits, batch);
    const m = acc.result();
    // log(1 + e^-2), log(1 + e^-1), log(1 + e^2)
    const want = (0.12692801104297263 + 0.31326168751822286 + 2.1269280110429727) / 3;
    close(m.loss, want, 1e-6, 'loss');
    close(m.loss, (ce([2, 0], 0) + ce([0, 1], 1) + ce([1, 3], 0)) / 3, 1e-6, 'loss vs ce()');
    assert.equal(m.accuracy, 2 / 3);
    assert.equal(m.examples, 3);
    assert.equal(m.seqAccuracy, undefined);
    assert.equal(m.mse, undefined);
    close(m.perplexity!, Math.exp(m.loss), 1e-12);
    close(m.bitsPerChar!, m.loss / Math.LN2, 1e-12);
    disposeBatch(batch);
    logits.dispose();
  });

  test('classify with 5 classes accumulates over several batches', () => {
    const task = cycleNav();
    const cfg = modelConfigFor(task, { hiddenSize: 8 });
    const acc = new MetricAccumulator(cfg);
    const b1 = collate(task, [{ input: [1], target: 1 }]);
    const b2 = collate(task, [{ input: [2], target: 4 }, { input: [0, 0], target: 0 }]);
    const l1 = tensor([0, 5, 0, 0, 0], [1, 5]); // right
    const l2 = tensor([0, 0, 0, 0, 1, 0, 0, 2, 0, 0], [2, 5]); // right, wrong
    acc.add(l1, b1);
    acc.add(l2, b2);
    const m = acc.result();
    assert.equal(m.examples, 3);
    assert.equal(m.accuracy, 2 / 3);
    close(m.loss, (ce([0, 5, 0, 0, 0], 1) + ce([0, 0, 0, 0, 1], 4) + ce([0, 0, 2, 0, 0], 0)) / 3, 1e-6);
    [b1, b2].forEach(disposeBatch);
    [l1, l2].forEach((t) => t.dispose());
  });

  test('tag: accuracy over labelled steps, seqAccuracy over sequences, padding ignored', () => {
    const task = runningParity();
    const cfg = modelConfigFor(task, { hiddenSize: 8 });
    const batch = collate(task, [{ input: [1, 0, 1], target: [1, 1, 0] }, { input: [0, 1], target: [0, 1] }]);
    const rows = [
      [0, 1], [-1, 2], [3, 0], // sequence 0: all right
      [2, 0], [1, 0], // sequence 1: step 0 right, step 1 wrong
      [50, -50], // padding: would be a huge loss if it counted
    ];
    const logits = tensor(rows.flat(), [2, 3, 2]);
    const acc = new MetricAccumulator(cfg);
    acc.add(logits, batch);
    const m = acc.result();
    assert.equal(m.accuracy, 4 / 5);
    assert.equal(m.seqAccuracy, 1 / 2);
    assert.equal(m.examples, 2);
    const want = (ce([0, 1], 1) + ce([-1, 2], 1) + ce([3, 0], 0) + ce([2, 0], 0) + ce([1, 0], 1)) / 5;
    close(m.loss, want, 1e-6);
    close(m.bitsPerChar!, want / Math.LN2, 1e-6);
    disposeBatch(batch);
    logits.dispose();
  });

  test('per-sequence regression: mse equals loss', () => {
    const task = adding();
    const cfg = modelConfigFor(task, { hiddenSize: 8 });
    const batch = collate(task, [{ input: [[0.5, 1], [0.5, 1]], target: [1] }, { input: [[0.25, 1], [0.5, 1], [0, 0]], target: [0.75] }]);
    const pred = tensor([1.5, 0.25], [2, 1]);
    const acc = new MetricAccumulator(cfg);
    acc.add(pred, batch);
    const m = acc.result();
    close(m.loss, (0.25 + 0.25) / 2, 1e-7);
    assert.equal(m.mse, m.loss);
    assert.equal(m.examples, 2);
    assert.equal(m.accuracy, undefined);
    assert.equal(m.perplexity, undefined);
    disposeBatch(batch);
    pred.dispose();
  });

  test('per-step regression: the mask drops padded steps from the mse', () => {
    const task = lorenz();
    const cfg = modelConfigFor(task, { hiddenSize: 8 });
    const z = [0, 0, 0];
    const batch = collate(task, [{ input: [z, z], target: [[1, 2, 3], [0, 0, 0]] }, { input: [z], target: [[1, 1, 1]] }]);
    const pred = tensor([
      1, 2, 4, 0, 0, 2, // sequence 0: squared errors 1 and 4
      1, 1, 0, 100, 100, 100, // sequence 1: squared error 1, then padding
    ], [2, 2, 3]);
    const acc = new MetricAccumulator(cfg);
    acc.add(pred, batch);
    const m = acc.result();
    close(m.loss, (1 + 4 + 1) / 9, 1e-7);
    assert.equal(m.mse, m.loss);
    assert.equal(m.examples, 2);
    disposeBatch(batch);
    pred.dispose();
  });

  test('an empty accumulator reports NaN, not a crash', () => {
    const m = new MetricAccumulator(modelConfigFor(parity(), { hiddenSize: 8 })).result();
    assert.ok(Number.isNaN(m.loss));
    assert.equal(m.examples, 0);
  });
});

describe('batchLoss', () => {
  const cases: { name: string; task: Task; examples: Example[] }[] = [
    { name: 'classify', task: cycleNav(), examples: [{ input: [1, 2, 2], target: 4 }, { input: [0], target: 0 }, { input: [1, 1], target: 2 }] },
    {
      name: 'tag', task: runningParity(),
      examples: [{ input: [1, 0, 1, 1], target: [1, 1, 0, 1] }, { input: [0], target: [0] }, { input: [1, 1], target: [1, 0] }],
    },
    {
      name: 'per-step regress', task: lorenz(),
      examples: [
        { input: [[0, 0, 0], [1, 1, 1], [2, 2, 2]], target: [[0.5, -1, 2], [0, 0, 1], [1, 1, 1]] },
        { input: [[1, 0, 0]], target: [[0.25, 0, -0.5]] },
      ],
    },
    { name: 'per-sequence regress', task: adding(), examples: [{ input: [[0.5, 1], [0.5, 1]], target: [1] }, { input: [[0.1, 1], [0.2, 1]], target: [0.3] }] },
  ];
  for (const c of cases) {
    test(`${c.name}: equals the accumulator's loss on the same batch`, () => {
      const cfg = modelConfigFor(c.task, { hiddenSize: 8 });
      const batch = collate(c.task, c.examples);
      const T = Math.max(...batch.lengths);
      const shape = cfg.perStep ? [batch.lengths.length, T, cfg.outputs] : [batch.lengths.length, cfg.outputs];
      const pred = randn(shape, 11);
      const loss = batchLoss(cfg, pred, batch as Batch);
      const acc = new MetricAccumulator(cfg);
      acc.add(pred, batch);
      assert.deepEqual(loss.shape, []);
      close(loss.item(), acc.result().loss, 1e-5);
      assert.ok(acc.result().loss > 0);
      [loss, pred].forEach((t) => t.dispose());
      disposeBatch(batch);
    });
  }
});
