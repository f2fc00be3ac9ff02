import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { reber, reberAccepts, REBER_TOKENS, sampleReber } from '../../src/tasks/reber.js';

const text = (ids: number[]): string => ids.map((i) => REBER_TOKENS[i]).join('');

test('hand-written strings', () => {
  for (const s of ['BTXSE', 'BPVVE', 'BTSSXSE', 'BPTTVVE', 'BTXXVVE', 'BPVPXVVE', 'BPVPSE']) assert.ok(reberAccepts(s, false), s);
  for (const s of ['BTSE', 'BTXS', 'TXSE', 'BTXSEE', 'BPVE', 'BTXXE', '', 'BAXSE']) assert.equal(reberAccepts(s, false), false, s);
  assert.ok(reberAccepts([...'BTXSE'], false));
  for (const s of ['BTBTXSETE', 'BPBPVVEPE', 'BTBPTVVETE']) assert.ok(reberAccepts(s, true), s);
  // The second-last symbol must repeat the second one.
  for (const s of ['BTBTXSEPE', 'BPBPVVETE', 'BTXSE', 'BTBTXSE']) assert.equal(reberAccepts(s, true), false, s);
});

test('random-walk and exact-length samples are accepted', () => {
  const rng = new Rng(4);
  for (const embedded of [false, true]) {
    for (let i = 0; i < 200; i++) assert.ok(reberAccepts(sampleReber(rng, embedded), embedded));
    for (let n = embedded ? 9 : 5; n < 80; n++) {
      const s = sampleReber(rng, embedded, n);
      assert.equal(s.length, n);
      assert.ok(reberAccepts(s, embedded), s);
    }
  }
});

test('exact-length sampling is uniform over the strings of that length', () => {
  // Plain strings of length 6, by enumeration over the 7 symbols.
  const all: string[] = [];
  const rec = (s: string): void => {
    if (s.length === 6) {
      if (reberAccepts(s, false)) all.push(s);
      return;
    }
    for (const c of REBER_TOKENS) rec(s + c);
  };
  rec('');
  assert.deepEqual(all.sort(), ['BPTVVE', 'BPVPSE', 'BTSXSE']);
  const rng = new Rng(8);
  const seen = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const s = sampleReber(rng, false, 6);
    seen.set(s, (seen.get(s) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), all);
  for (const k of all) assert.ok(Math.abs(seen.get(k)! - 1000) < 100, `${k}: ${seen.get(k)}`);
});

test('examples: balanced, valid ones accepted, corruptions rejected, one symbol off', () => {
  for (const embedded of [false, true]) {
    const t = reber({ embedded });
    const rng = new Rng(12);
    let valid = 0;
    const N = 400;
    for (let i = 0; i < N; i++) {
      const n = t.trainLengths[0] + (i % (t.testLengths[1] - t.trainLengths[0]));
      const ex = t.example(rng, n);
      const input = ex.input as number[];
      assert.equal(input.length, n);
      assert.ok(input.every((x) => x >= 0 && x < t.vocabSize!));
      const s = text(input);
      assert.equal(reberAccepts(s, embedded), ex.target === 1);
      if (ex.target === 0) {
        // Some single-symbol change repairs it.
        const fixable = [...s].some((_, p) => REBER_TOKENS.some((c) => reberAccepts(s.slice(0, p) + c + s.slice(p + 1), embedded)));
        assert.ok(fixable, s);
      }
      valid += ex.target as number;
    }
    assert.ok(valid > N * 0.4 && valid < N * 0.6, `valid ${valid}/${N}`);
  }
});

test('determinism and bad input', () => {
  const t = reber({ embedded: true });
  assert.deepEqual(t.example(new Rng(2), 30), t.example(new Rng(2), 30));
  assert.equal(t.name, 'reber-embedded');
  assert.throws(() => t.example(new Rng(2), 8), ArgumentError); // shorter than BTBTXSETE
  assert.throws(() => reber().example(new Rng(2), 4), ArgumentError);
  assert.throws(() => reber().example(new Rng(2), 5000), ArgumentError);
  assert.throws(() => sampleReber(new Rng(2), false, 3), ArgumentError);
});
