import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { nDms, nDmsLabel, nParity, nParityLabel } from '../../src/tasks/nparity.js';

test('N-parity labels by hand: parity of the last N bits', () => {
  const bits = [1, 0, 1, 1, 0];
  assert.equal(nParityLabel(bits, 1), 0);
  assert.equal(nParityLabel(bits, 2), 1); // 1 0
  assert.equal(nParityLabel(bits, 3), 0); // 1 1 0
  assert.equal(nParityLabel(bits, 5), 1); // 1 0 1 1 0
});

test('N-DMS labels by hand: x[M-N] == x[M-1], 0-based', () => {
  const bits = [1, 0, 1, 1, 0];
  assert.equal(nDmsLabel(bits, 2), 0); // x[3] = 1 vs x[4] = 0
  assert.equal(nDmsLabel(bits, 4), 1); // x[1] = 0 vs 0
  assert.equal(nDmsLabel(bits, 5), 0); // x[0] = 1 vs 0
  assert.equal(nDmsLabel([0, 1, 1], 2), 1);
});

test('label helpers reject a window that does not fit', () => {
  assert.throws(() => nParityLabel([1, 0], 3), ArgumentError);
  assert.throws(() => nParityLabel([1, 0], 0), ArgumentError);
  assert.throws(() => nDmsLabel([1, 0, 1], 1), ArgumentError);
  assert.throws(() => nDmsLabel([1, 0, 1], 2.5), ArgumentError);
});

for (const [task, label] of [[nParity(), nParityLabel], [nDms(), nDmsLabel]] as const) {
  test(`${task.name}: M in N+2..4N+1, bits in the vocabulary, label from the helper`, () => {
    const rng = new Rng(1);
    const seen = new Set<number>();
    for (const n of [2, 5, 10, 20]) {
      for (let i = 0; i < 50; i++) {
        const ex = task.example(rng, n);
        const input = ex.input as number[];
        assert.ok(input.length >= n + 2 && input.length <= 4 * n + 1, `M = ${input.length} for N = ${n}`);
        assert.ok(input.every((b) => b === 0 || b === 1));
        assert.equal(ex.target, label(input, n));
        assert.ok((ex.target as number) < task.numClasses!);
        if (n === 2) seen.add(input.length);
      }
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), [4, 5, 6, 7, 8, 9]);
  });

  test(`${task.name}: same seed, same example`, () => {
    assert.deepEqual(task.example(new Rng(9), 7), task.example(new Rng(9), 7));
  });
}

test('N-parity draws a bias per sequence; N-DMS bits are balanced', () => {
  const skewed = (task: ReturnType<typeof nParity>) => {
    const rng = new Rng(3);
    let count = 0;
    for (let i = 0; i < 400; i++) {
      const input = task.example(rng, 10).input as number[];
      const mean = input.reduce((a, b) => a + b, 0) / input.length;
      if (mean < 0.2 || mean > 0.8) count++;
    }
    return count / 400;
  };
  assert.ok(skewed(nParity()) > 0.25, 'p ~ U(0,1) puts ~40% of sequences outside [0.2, 0.8]');
  assert.ok(skewed(nDms()) < 0.05);
});

test('N-DMS classes are roughly balanced', () => {
  const rng = new Rng(4);
  let ones = 0;
  for (let i = 0; i < 1000; i++) ones += nDms().example(rng, 6).target as number;
  assert.ok(ones > 430 && ones < 570, `${ones} of 1000`);
});

test('bad N is an ArgumentError', () => {
  const rng = new Rng(0);
  assert.throws(() => nParity().example(rng, 0), ArgumentError);
  assert.throws(() => nParity().example(rng, 2.5), ArgumentError);
  assert.throws(() => nDms().example(rng, 1), /length must be an integer >= 2/);
});
