// P33's static n-gram layer: the fixed attention pattern by hand and against a literal
// transcription of the reference's mask algebra, the block's formula, its gradients, and the
// `ngram` model option (default off: the model is built exactly as before).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randn, tensor } from '../../src/ops/creation.js';
import { mul } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError } from '../../src/errors.js';
import { NgramLayer, ngramWeights } from '../../src/nn/ngram.js';
import { SequenceModel, modelConfigFor } from '../../src/models/sequence-model.js';
import { checkModelOptions } from '../../src/models/registry.js';
import { dfaLanguages } from '../../src/tasks/dfa.js';
import { assertClose, assertGradcheck } from '../helpers.js';
import { withParams } from './rnn_common.js';

/** The weight rows of one sequence, as nested arrays, for reading by hand. */
function rows(ids: number[], order: number): number[][] {
  const T = ids.length;
  const w = ngramWeights(ids, 1, T, order);
  return Array.from({ length: T }, (_, i) => Array.from(w.subarray(i * T, (i + 1) * T)));
}

/** P33's `induction_head` mask algebra step by step (torch pads → index shifts), normalised by row. */
function reference(ids: number[], B: number, T: number, m: number): Float32Array {
  const out = new Float32Array(B * T * T);
  for (let b = 0; b < B; b++) {
    const x = (t: number): number => ids[b * T + t]!;
    const m0 = (i: number, j: number): boolean => i >= 0 && j >= 0 && x(i) === x(j) && j < i; // mask_0 ∧ tril(−1)
    // masks[k][i][j] = mask_0[i−k][j−k]; all m must hold; then shift_step 1 on the key axis; then ∧ tril(−1).
    const match = (i: number, j: number): boolean => Array.from({ length: m }, (_, k) => m0(i - k, j - k)).filter(Boolean).length >= m;
    for (let i = 0; i < T; i++) {
      const hit = Array.from({ length: T }, (_, j) => j >= 1 && match(i, j - 1) && j < i);
      const n = hit.filter(Boolean).length;
      hit.forEach((h, j) => { if (h) out[(b * T + i) * T + j] = 1 / n; });
    }
  }
  return out;
}

test('ngramWeights by hand: order 2 (induction head) and 3 on "a b a b c a b"', () => {
  const ids = [0, 1, 0, 1, 2, 0, 1];
  const z = [0, 0, 0, 0, 0, 0, 0];
  // Order 2: i attends to the tokens that followed earlier occurrences of x_i.
  assert.deepEqual(rows(ids, 2), [
    z, z,
    [0, 1, 0, 0, 0, 0, 0], // a at 2: a at 0 was followed by position 1
    [0, 0, 1, 0, 0, 0, 0], // b at 3: b at 1 → 2
    z, // c: never seen before
    [0, 0.5, 0, 0.5, 0, 0, 0], // a at 5: a at 0 → 1, a at 2 → 3
    [0, 0, 0.5, 0, 0.5, 0, 0], // b at 6: b at 1 → 2, b at 3 → 4
  ]);
  // Order 3: the last two tokens must match.
  assert.deepEqual(rows(ids, 3), [
    z, z, z,
    [0, 0, 1, 0, 0, 0, 0], // "a b" at 2-3: "a b" at 0-1 → 2
    z, z,
    [0, 0, 0.5, 0, 0.5, 0, 0], // "a b" at 5-6: 0-1 → 2, 2-3 → 4
  ]);
});

test('ngramWeights equals the reference mask algebra on random batches (orders 2-4)', () => {
  const rng = new Rng(5);
  for (const order of [2, 3, 4]) {
    const [B, T] = [3, 23];
    const ids = Array.from({ length: B * T }, () => rng.int(3));
    assert.deepEqual(Array.from(ngramWeights(ids, B, T, order)), Array.from(reference(ids, B, T, order - 1)));
  }
  assert.throws(() => ngramWeights([0, 1], 1, 2, 1), ArgumentError);
  assert.throws(() => ngramWeights([0, 1], 1, 2, 5), ArgumentError);
  assert.throws(() => ngramWeights([0, 1, 2], 1, 2, 2), ArgumentError);
});

test('NgramLayer: y = h + t0(W·RMSNorm(h)) + t1(RMSNorm(h)) by hand', () => {
  const H = 3;
  const layer = new NgramLayer(H, 2, { rng: new Rng(1), dtype: 'float64' });
  const ids = [0, 1, 0, 1];
  const h = randn([1, 4, H], { rng: new Rng(2), dtype: 'float64' });
  const y = layer.forward(ids, h).data();
  const hd = h.data();
  const [W0, b0, W1, b1] = [layer.t0.weight, layer.t0.bias!, layer.t1.weight, layer.t1.bias!].map((t) => t.data());
  const norm = (t: number): number[] => {
    const v = Array.from(hd.subarray(t * H, t * H + H));
    const r = Math.sqrt(v.reduce((s, a) => s + a * a, 0) / H + 1e-6);
    return v.map((a) => a / r);
  };
  const lin = (W: ArrayLike<number>, b: ArrayLike<number>, v: number[]): number[] => Array.from({ length: H }, (_, o) => b[o]! + v.reduce((s, a, i) => s + W[o * H + i]! * a, 0));
  const expected: number[] = [];
  // Position 2 (a) reads position 1; position 3 (b) reads position 2; 0 and 1 have no match.
  const avg = [null, null, norm(1), norm(2)];
  for (let t = 0; t < 4; t++) {
    const n = norm(t);
    const a = avg[t] ?? [0, 0, 0];
    const t0 = lin(W0!, b0!, a), t1 = lin(W1!, b1!, n);
    for (let c = 0; c < H; c++) expected.push(hd[t * H + c]! + t0[c]! + t1[c]!);
  }
  assertClose(y, expected, 1e-12, 1e-12);
  assert.throws(() => new NgramLayer(H, 1), ArgumentError);
  assert.throws(() => layer.forward(ids, randn([1, 4, 2])), ArgumentError);
});

test('NgramLayer gradcheck (float64): hidden states, t0, t1 and the norm weight', () => {
  const H = 3;
  const layer = new NgramLayer(H, 3, { rng: new Rng(3), dtype: 'float64' });
  const ids = [0, 1, 0, 1, 0, 2, 1, 0, 1, 0];
  const r = new Rng(4);
  const g = (shape: number[]): Tensor => randn(shape, { rng: r, dtype: 'float64' });
  const proj = g([2, 5, H]);
  assertGradcheck((h, w0, b0, w1, b1, nw) => withParams(layer.t0 as never, { weight: w0!, bias: b0! }, () =>
    withParams(layer.t1 as never, { weight: w1!, bias: b1! }, () =>
      withParams(layer.norm as never, { weight: nw! }, () => sum(mul(layer.forward(ids, h!), proj))))),
  [g([2, 5, H]), g([H, H]), g([H]), g([H, H]), g([H]), g([H])]);
});

test('model option ngram: declared for lstm, gla, attention; off by default (same modules and weights as before)', () => {
  const task = dfaLanguages();
  for (const name of ['lstm', 'gla', 'attention']) {
    const plain = new SequenceModel(modelConfigFor(task, { name, hiddenSize: 8, numLayers: 2 }), { rng: new Rng(0) });
    const off = new SequenceModel(modelConfigFor(task, { name, hiddenSize: 8, numLayers: 2, options: { ngram: 0 } }), { rng: new Rng(0) });
    assert.deepEqual(Object.keys(off.stateDict()), Object.keys(plain.stateDict()), name);
    for (const [k, v] of Object.entries(plain.stateDict())) assert.deepEqual(off.stateDict()[k]!.data(), v.data(), `${name} ${k}`);
    assert.ok(!Object.keys(plain.stateDict()).some((k) => k.startsWith('ngram') || k.startsWith('rnnRest')));
    const on = new SequenceModel(modelConfigFor(task, { name, hiddenSize: 8, numLayers: 2, options: { ngram: 3 } }), { rng: new Rng(0) });
    const keys = Object.keys(on.stateDict());
    for (const k of ['ngram.0.t0.weight', 'ngram.1.t1.bias', 'ngram.1.norm.weight']) assert.ok(keys.includes(k), `${name}: ${k}`);
    assert.ok(keys.some((k) => k.startsWith('rnnRest.')), `${name}: the second layer follows the n-gram layers`);
    const x = tensor(Int32Array.from([0, 1, 0, 1, 18, 0, 1, 2, 0, 1, 0, 1]), [2, 6], { dtype: 'int32' });
    assert.deepEqual(on.forward(x, [6, 4]).shape, [2, 6, 20]);
    assert.throws(() => on.step(tensor(Int32Array.from([0, 1]), [2], { dtype: 'int32' })), ArgumentError);
  }
});

test('ngram: the model is the first layer, the n-gram layers, the rest, norm, head', () => {
  const task = dfaLanguages();
  const m = new SequenceModel(modelConfigFor(task, { name: 'lstm', hiddenSize: 6, numLayers: 2, options: { ngram: 3 } }), { rng: new Rng(1) });
  const ids = [0, 1, 0, 1, 18, 0, 1, 2];
  const x = tensor(Int32Array.from(ids), [1, 8], { dtype: 'int32' });
  let h = m.rnn.forward(m.embed!.forward(x)).output;
  for (const l of m.ngram!.list) h = l.forward(ids, h);
  h = m.rnnRest!.forward(h).output;
  assertClose(m.forward(x), m.head.forward(m.norm!.forward(h)).data(), 1e-6, 1e-6);
});

test('ngram: bad values and unsupported settings throw ArgumentError', () => {
  const task = dfaLanguages();
  assert.throws(() => checkModelOptions('lstm', { ngram: 5 }), ArgumentError);
  assert.throws(() => checkModelOptions('mamba', { ngram: 2 }), ArgumentError); // not declared there
  assert.throws(() => new SequenceModel(modelConfigFor(task, { name: 'lstm', options: { ngram: 1 } })), ArgumentError);
  const classify = { kind: 'classify' as const, vocabSize: 4, numClasses: 2 };
  assert.throws(() => new SequenceModel(modelConfigFor(classify, { name: 'lstm', options: { ngram: 2 } })), (e: unknown) => e instanceof ArgumentError && /per-step/.test(e.message));
  const real = { kind: 'tag' as const, inputDim: 3, numClasses: 2 };
  assert.throws(() => new SequenceModel(modelConfigFor(real, { name: 'gla', options: { ngram: 2 } })), (e: unknown) => e instanceof ArgumentError && /token/.test(e.message));
  assert.throws(() => new SequenceModel(modelConfigFor(task, { name: 'gla+lstm', numLayers: 2, options: { ngram: 2 } })), (e: unknown) => e instanceof ArgumentError && /hybrid/.test(e.message));
});
