import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { setDisjointness, sharedToken } from '../../src/tasks/disjoint.js';

test('shared token by hand', () => {
  assert.equal(sharedToken([1, 5, 6, 2, 7, 6, 3]), 6);
  assert.equal(sharedToken([1, 9, 2, 4, 8, 9, 3]), 9);
  assert.throws(() => sharedToken([1, 5, 2, 7, 3]), /share exactly one token, they share 0/);
  assert.throws(() => sharedToken([5, 2, 7, 3]), ArgumentError);
  assert.throws(() => sharedToken([1, 5, 2, 3]), ArgumentError);
});

// Splits an input [1] A [2] B [3] into its lists.
function lists(input: number[]): { a: number[]; b: number[] } {
  const sep = input.indexOf(2);
  return { a: input.slice(1, sep), b: input.slice(sep + 1, -1) };
}

for (const vocabSize of [16, 2048]) {
  test(`vocab ${vocabSize}: [1] A [2] B [3] with distinct lists from disjoint halves sharing one token`, () => {
    const task = setDisjointness({ vocabSize });
    const rng = new Rng(1);
    const maxLength = vocabSize - 4;
    let aShorter = 0, aLonger = 0;
    for (const length of [2, 3, 12, ...(vocabSize > 16 ? [20, 272, 784, 2044] : [])]) {
      for (let n = 0; n < 30; n++) {
        const { input, target } = task.example(rng, length) as { input: number[]; target: number };
        assert.equal(input[0], 1);
        assert.equal(input.at(-1), 3);
        assert.equal(input.filter((t) => t === 2).length, 1);
        assert.equal(input.length, length + 3);
        const { a, b } = lists(input);
        assert.ok(a.length >= 1 && b.length >= 1 && a.length <= maxLength / 2 && b.length <= maxLength / 2);
        assert.ok([...a, ...b].every((t) => Number.isInteger(t) && t >= 4 && t < vocabSize));
        assert.equal(new Set(a).size, a.length);
        assert.equal(new Set(b).size, b.length);
        assert.deepEqual(a.filter((t) => b.includes(t)), [target]);
        assert.equal(target, sharedToken(input));
        assert.ok(target < task.numClasses!);
        if (a.length < b.length) aShorter++;
        if (a.length > b.length) aLonger++;
      }
    }
    assert.ok(aShorter > 0 && aLonger > 0, 'both orders occur');
  });
}

test('defaults: vocab 2048, classify over the vocabulary, train 20-272, test 272-784', () => {
  const task = setDisjointness();
  assert.equal(task.vocabSize, 2048);
  assert.equal(task.numClasses, 2048);
  assert.equal(task.kind, 'classify');
  assert.equal(task.tokens!.length, 2048);
  assert.deepEqual(task.trainLengths, [20, 272]);
  assert.deepEqual(task.testLengths, [272, 784]);
  assert.deepEqual(setDisjointness({ vocabSize: 16 }).testLengths, [12, 12]);
});

test('same seed, same example', () => {
  const task = setDisjointness();
  assert.deepEqual(task.example(new Rng(5), 40), task.example(new Rng(5), 40));
});

test('bad vocabulary or length is an ArgumentError', () => {
  assert.throws(() => setDisjointness({ vocabSize: 5 }), /vocabSize must be an integer >= 6/);
  const task = setDisjointness({ vocabSize: 16 });
  assert.throws(() => task.example(new Rng(0), 1), ArgumentError);
  assert.throws(() => task.example(new Rng(0), 13), /length \(\|A\| \+ \|B\|\) must be in \[2, 12\]/);
});

// ---- order, fixed sizes and passes (JRT set disjointness, P18 part a) ----

test('shared token of a two-pass input by hand; passes that differ are an ArgumentError', () => {
  assert.equal(sharedToken([1, 5, 2, 7, 5, 1, 5, 2, 7, 5, 3], 2), 5);
  assert.throws(() => sharedToken([1, 5, 2, 7, 5, 1, 5, 2, 5, 7, 3], 2), /pass 2 of the context differs/);
  assert.throws(() => sharedToken([1, 5, 2, 7, 5, 1, 5, 2, 7, 3], 2), ArgumentError);
  assert.throws(() => sharedToken([1, 5, 2, 5, 3], 0), /numPasses must be an integer >= 1/);
});

test('by hand: vocab 8 (two parts of 2 tokens), sizes (1, 2) in each order', () => {
  const rng = new Rng(2);
  for (let n = 0; n < 20; n++) {
    const sf = setDisjointness({ vocabSize: 8, order: 'short-first', shortSize: 1, longSize: 2 }).example(rng, 3) as { input: number[]; target: number };
    // [1] x [2] y z [3] with x among y, z and y != z.
    assert.equal(sf.input.length, 6);
    assert.deepEqual([sf.input[0], sf.input[2], sf.input[5]], [1, 2, 3]);
    assert.ok(sf.input[3] !== sf.input[4] && [sf.input[3], sf.input[4]].includes(sf.input[1]!));
    assert.equal(sf.target, sf.input[1]);
    const lf = setDisjointness({ vocabSize: 8, order: 'long-first', shortSize: 1, longSize: 2 }).example(rng, 3) as { input: number[]; target: number };
    // [1] y z [2] x [3].
    assert.deepEqual([lf.input[0], lf.input[3], lf.input[5]], [1, 2, 3]);
    assert.equal(lf.target, lf.input[4]);
    assert.ok([lf.input[1], lf.input[2]].includes(lf.target));
  }
});

test('order and fixed sizes are respected; the shared token is unique; mixed gives both orders', () => {
  const rng = new Rng(7);
  const cases = [
    { opts: { order: 'short-first', shortSize: 4, longSize: 16 } as const, length: 20, sizes: [[4, 16]] },
    { opts: { order: 'long-first', shortSize: 4, longSize: 16 } as const, length: 20, sizes: [[16, 4]] },
    { opts: { order: 'mixed', shortSize: 8, longSize: 32 } as const, length: 40, sizes: [[8, 32], [32, 8]] },
    { opts: { order: 'long-first', shortSize: 4 } as const, length: 30, sizes: [[26, 4]] },
    { opts: { order: 'short-first', longSize: 16 } as const, length: 22, sizes: [[6, 16]] },
  ];
  for (const { opts, length, sizes } of cases) {
    const task = setDisjointness({ vocabSize: 132, ...opts });
    const seen = new Set<string>();
    for (let n = 0; n < 40; n++) {
      const { input, target } = task.example(rng, length) as { input: number[]; target: number };
      const { a, b } = lists(input);
      seen.add(`${a.length},${b.length}`);
      assert.equal(new Set(a).size, a.length);
      assert.equal(new Set(b).size, b.length);
      assert.deepEqual(a.filter((t) => b.includes(t)), [target]);
      assert.equal(target, sharedToken(input));
    }
    assert.deepEqual([...seen].sort(), sizes.map((s) => s.join(',')).sort(), JSON.stringify(opts));
  }
  // No size fixed: the first list is never longer (short-first) / never shorter (long-first) than the second.
  for (const order of ['short-first', 'long-first'] as const) {
    const task = setDisjointness({ vocabSize: 132, order });
    for (let n = 0; n < 60; n++) {
      const length = 2 + rng.int(127);
      const { a, b } = lists((task.example(rng, length) as { input: number[] }).input);
      assert.equal(a.length + b.length, length);
      assert.ok(order === 'short-first' ? a.length <= b.length : a.length >= b.length, `${order} ${a.length},${b.length}`);
    }
  }
});

test('two passes repeat the one-pass context exactly (same draws), then the answer token', () => {
  for (const opts of [{}, { order: 'long-first', shortSize: 4, longSize: 16 }] as const) {
    const one = setDisjointness({ vocabSize: 132, ...opts }), two = setDisjointness({ vocabSize: 132, ...opts, numPasses: 2 });
    for (let seed = 0; seed < 10; seed++) {
      const e1 = one.example(new Rng(seed), 20) as { input: number[]; target: number };
      const e2 = two.example(new Rng(seed), 20) as { input: number[]; target: number };
      const context = e1.input.slice(0, -1);
      assert.deepEqual(e2.input, [...context, ...context, 3]);
      assert.equal(e2.target, e1.target);
      assert.equal(sharedToken(e2.input, 2), e2.target);
    }
  }
});

test('lengths follow the fixed sizes', () => {
  const both = setDisjointness({ vocabSize: 132, shortSize: 8, longSize: 32 });
  assert.deepEqual([both.trainLengths, both.testLengths], [[40, 40], [40, 40]]);
  const short = setDisjointness({ vocabSize: 132, shortSize: 4 });
  assert.deepEqual([short.trainLengths, short.testLengths], [[20, 68], [68, 68]]);
  assert.match(setDisjointness({ order: 'long-first', shortSize: 4, longSize: 16, numPasses: 2 }).description, /long-first, short 4, long 16, 2 passes/);
});

test('bad order, sizes, passes or length are ArgumentErrors', () => {
  assert.throws(() => setDisjointness({ order: 'backwards' as never }), /order must be one of mixed, short-first, long-first/);
  assert.throws(() => setDisjointness({ shortSize: 16, longSize: 4 }), /shortSize \(16\) must be <= longSize \(4\)/);
  assert.throws(() => setDisjointness({ vocabSize: 16, longSize: 7 }), /longSize must be an integer in \[1, 6\]/);
  assert.throws(() => setDisjointness({ shortSize: 0 }), ArgumentError);
  assert.throws(() => setDisjointness({ numPasses: 0 }), /numPasses must be an integer >= 1/);
  const task = setDisjointness({ shortSize: 4, longSize: 16 });
  assert.throws(() => task.example(new Rng(0), 21), /length \(\|A\| \+ \|B\|\) must be in \[20, 20\]/);
  assert.throws(() => setDisjointness({ shortSize: 4 }).example(new Rng(0), 7), ArgumentError);
});
