import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { IGNORE as _ } from '../../src/tasks/types.js';
import { mqar, mqarLabels } from '../../src/tasks/mqar.js';

test('labels by hand: a context key at an even offset of the query region gets its value', () => {
  // K = 2 pairs (2→9, 3→8), one pass, so the queries start at step 4.
  const input = [2, 9, 3, 8, 5, 7, 3, 1, 2, 6, 3];
  assert.deepEqual(mqarLabels(input, 2), [_, _, _, _, _, _, 8, _, 9, _, 8]);
  // Two passes: the context is 8 steps, and a key at an odd offset (step 9) is not a query.
  const twice = [2, 9, 3, 8, 2, 9, 3, 8, 3, 2, 2];
  assert.deepEqual(mqarLabels(twice, 2, 2), [_, _, _, _, _, _, _, _, 8, _, 9]);
});

test('layout: keys, values, repeated passes, one query per key labelled with its value', () => {
  const V = 64, K = 4, P = 2, L = 40;
  const task = mqar({ vocabSize: V, numPairs: K, numPasses: P });
  const rng = new Rng(1);
  for (let n = 0; n < 100; n++) {
    const { input, target } = task.example(rng, L) as { input: number[]; target: number[] };
    assert.equal(input.length, L);
    assert.equal(target.length, L);
    assert.ok(input.every((t) => Number.isInteger(t) && t >= 0 && t < V));
    const keys = input.filter((_t, i) => i < 2 * K && i % 2 === 0);
    const values = input.filter((_t, i) => i < 2 * K && i % 2 === 1);
    assert.ok(keys.every((k) => k >= 1 && k < V / 2));
    assert.ok(values.every((v) => v >= V / 2 && v < V));
    assert.equal(new Set(keys).size, K);
    assert.equal(new Set(values).size, K);
    // JRT: the key-value block is repeated numPasses times.
    assert.deepEqual(input.slice(2 * K, 4 * K), input.slice(0, 2 * K));
    const context = 2 * K * P;
    assert.ok(target.slice(0, context).every((t) => t === _));
    const queries = target.flatMap((t, i) => (t === _ ? [] : [i]));
    assert.equal(queries.length, K);
    for (const q of queries) {
      assert.ok(q >= context && (q - context) % 2 === 0, `query at ${q}`);
      const k = keys.indexOf(input[q]!);
      assert.ok(k >= 0, 'a query holds a context key');
      assert.equal(target[q], values[k]);
    }
    assert.deepEqual(queries.map((q) => input[q]).sort((a, b) => a! - b!), [...keys].sort((a, b) => a - b));
    // The helper finds every true query; it may also label filler that happens to repeat a key.
    const labels = mqarLabels(input, K, P);
    for (const q of queries) assert.equal(labels[q], target[q]);
  }
});

test('gaps follow the power law: short gaps dominate at a = 0.01, not at a = 1', () => {
  const shortShare = (powerA: number) => {
    const task = mqar({ vocabSize: 256, numPairs: 8, powerA });
    const rng = new Rng(2);
    let short = 0, all = 0;
    for (let n = 0; n < 200; n++) {
      const target = task.example(rng, 128).target as number[];
      // 56 possible gaps after the 16-step context; count those in the first half.
      target.forEach((t, i) => {
        if (t === _) return;
        all++;
        if ((i - 16) / 2 < 28) short++;
      });
    }
    return short / all;
  };
  assert.ok(shortShare(0.01) > 0.7);
  const uniform = shortShare(1);
  assert.ok(uniform > 0.45 && uniform < 0.55, `${uniform}`);
});

test('defaults: vocab 256, 8 pairs, train 64-128, test 128-255; odd lengths work', () => {
  const task = mqar();
  assert.equal(task.vocabSize, 256);
  assert.equal(task.numClasses, 256);
  assert.equal(task.kind, 'tag');
  assert.deepEqual(task.trainLengths, [64, 128]);
  assert.deepEqual(task.testLengths, [128, 255]);
  const { input, target } = task.example(new Rng(3), 33) as { input: number[]; target: number[] };
  assert.equal(input.length, 33);
  assert.equal(target.filter((t) => t !== _).length, 8);
  assert.ok(target.every((t) => t === _ || (t >= 128 && t < 256)));
});

test('same seed, same example', () => {
  const task = mqar({ numPasses: 2 });
  assert.deepEqual(task.example(new Rng(4), 100), task.example(new Rng(4), 100));
});

test('2KP + 2K <= L < V is enforced with an ArgumentError', () => {
  assert.throws(() => mqar({ vocabSize: 16, numPairs: 4 }), /= 16 must be < vocabSize = 16/);
  assert.throws(() => mqar({ numPasses: 0 }), ArgumentError);
  assert.throws(() => mqar({ numPairs: 1.5 }), ArgumentError);
  assert.throws(() => mqar({ powerA: 0 }), ArgumentError);
  const task = mqar({ vocabSize: 64, numPairs: 4, numPasses: 2 });
  assert.throws(() => task.example(new Rng(0), 23), /length must be an integer >= 24/);
  assert.throws(() => task.example(new Rng(0), 64), /length must be < vocabSize = 64/);
  assert.doesNotThrow(() => task.example(new Rng(0), 24));
  assert.doesNotThrow(() => task.example(new Rng(0), 63));
  assert.throws(() => mqarLabels([1, 2, 3], 2), ArgumentError);
});
