import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/tensor/rng.js';
import { ArgumentError } from '../../src/errors.js';
import { paddedParity, parity, runningParity } from '../../src/tasks/parity.js';
import { adding } from '../../src/tasks/adding.js';

test('parity: label is the XOR of the bits, tokens 0/1', () => {
  const t = parity();
  const rng = new Rng(3);
  for (let i = 0; i < 50; i++) {
    const e = t.example(rng, 1 + (i % 9));
    const bits = e.input as number[];
    assert.equal(bits.length, 1 + (i % 9));
    assert.ok(bits.every((b) => b === 0 || b === 1));
    assert.equal(e.target, bits.filter((b) => b === 1).length % 2);
  }
});

test('running parity: prefix parities by hand', () => {
  const t = runningParity();
  const rng = new Rng(1);
  const e = t.example(rng, 6);
  const bits = e.input as number[];
  const expect: number[] = [];
  let ones = 0;
  for (const b of bits) expect.push((ones += b) % 2);
  assert.deepEqual(e.target, expect);
});

test('padded parity ends with the pad token 2 and labels the bits', () => {
  const e = paddedParity().example(new Rng(5), 7);
  const inp = e.input as number[];
  assert.equal(inp.length, 8);
  assert.equal(inp[7], 2);
  assert.equal(e.target, inp.slice(0, 7).reduce((a, b) => a ^ b, 0));
});

test('adding problem: two markers, one per half, target is their sum', () => {
  const t = adding();
  const rng = new Rng(9);
  for (const T of [2, 3, 10, 101]) {
    const e = t.example(rng, T);
    const rows = e.input as number[][];
    const marked = rows.map((r, i) => (r[1] === 1 ? i : -1)).filter((i) => i >= 0);
    assert.equal(marked.length, 2);
    assert.ok(marked[0]! < Math.floor(T / 2) && marked[1]! >= Math.floor(T / 2));
    assert.ok(Math.abs((e.target as number[])[0]! - (rows[marked[0]!]![0]! + rows[marked[1]!]![0]!)) < 1e-12);
    assert.ok(rows.every((r) => r[0]! >= 0 && r[0]! < 1));
  }
});

test('same seed, same example; bad lengths are rejected', () => {
  assert.deepEqual(parity().example(new Rng(2), 20), parity().example(new Rng(2), 20));
  assert.throws(() => parity().example(new Rng(0), 0), ArgumentError);
  assert.throws(() => runningParity().example(new Rng(0), 2.5), ArgumentError);
  assert.throws(() => adding().example(new Rng(0), 1), ArgumentError);
});
