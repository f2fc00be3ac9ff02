// jrt-set-disjointness (P18 part a): the order probe measures a model on each order separately,
// and the verdict rule reads the one-pass gap and how much of it two passes close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { SequenceModel, modelConfigFor } from '../../src/models/sequence-model.js';
import { setDisjointness } from '../../src/tasks/disjoint.js';
import { Rng } from '../../src/tensor/rng.js';
import { orderAccuracy, jrtSetDisjointness } from '../../src/reproduce/jrt-set-disjointness.js';
import type { Results, Stat } from '../../src/reproduce/types.js';

test('orderAccuracy: a fraction, the same for the same seed; bad n is an ArgumentError', () => {
  const task = setDisjointness({ vocabSize: 20 });
  const model = new SequenceModel(modelConfigFor(task, { name: 'mamba2', hiddenSize: 16, options: { stateSize: 4, headDim: 8 } }), { rng: new Rng(1) });
  model.eval();
  const opts = { vocabSize: 20, shortSize: 2, longSize: 6, numPasses: 2, order: 'long-first' as const, n: 70, seed: 0 };
  const a = orderAccuracy(model, opts);
  assert.ok(a >= 0 && a <= 1);
  assert.equal(orderAccuracy(model, opts), a);
  assert.throws(() => orderAccuracy(model, { ...opts, n: 0 }), ArgumentError);
  model.dispose();
});

const stat = (mean: number): Stat => ({ mean, min: mean, max: mean, n: 1 });
const rows = (one: [number, number], two: [number, number]): Results => ({
  'Mamba-2, d_state 8, expand 2 (state 8×16×8) · one pass': { shortFirst: stat(one[0]), longFirst: stat(one[1]), gap: stat(one[0] - one[1]) },
  'Mamba-2, d_state 8, expand 2 (state 8×16×8) · read twice (JRT)': { shortFirst: stat(two[0]), longFirst: stat(two[1]), gap: stat(two[0] - two[1]) },
});

test('verdict: a one-pass gap of >= 5 points that two passes halve reproduces; no gap or no closing does not', () => {
  assert.equal(jrtSetDisjointness.verdict(rows([80, 50], [82, 75]), 'small').reproduced, true);
  assert.equal(jrtSetDisjointness.verdict(rows([80, 78], [82, 82]), 'small').reproduced, false);
  assert.equal(jrtSetDisjointness.verdict(rows([80, 50], [60, 45]), 'small').reproduced, false);
  assert.equal(jrtSetDisjointness.verdict(rows([80, 50], [82, 75]), 'smoke').reproduced, null);
  assert.equal(jrtSetDisjointness.verdict({}, 'small').reproduced, null);
});

test('verdict: one state size with a closed gap reproduces; a reversed one-pass gap at another size does not', () => {
  const other = (one: [number, number], two: [number, number]): Results => ({
    'Mamba-2, d_state 4, expand 1 (state 4×16×4) · one pass': { shortFirst: stat(one[0]), longFirst: stat(one[1]), gap: stat(one[0] - one[1]) },
    'Mamba-2, d_state 4, expand 1 (state 4×16×4) · read twice (JRT)': { shortFirst: stat(two[0]), longFirst: stat(two[1]), gap: stat(two[0] - two[1]) },
  });
  assert.equal(jrtSetDisjointness.verdict({ ...rows([80, 50], [82, 75]), ...other([90, 89], [90, 90]) }, 'small').reproduced, true);
  assert.equal(jrtSetDisjointness.verdict({ ...rows([80, 50], [82, 75]), ...other([60, 70], [60, 60]) }, 'small').reproduced, false);
});
