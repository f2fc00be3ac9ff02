import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { textTask } from '../../src/tasks/text.js';

const TEXT = 'the cat sat on the mat. the dog sat on the log.';

test('vocabulary: distinct characters sorted by code point', () => {
  const t = textTask(TEXT);
  assert.deepEqual(t.tokens, [' ', '.', 'a', 'c', 'd', 'e', 'g', 'h', 'l', 'm', 'n', 'o', 's', 't']);
  assert.equal(t.vocabSize, 14);
  assert.equal(t.numClasses, 14);
  assert.equal(t.name, 'text');
  assert.equal(textTask(TEXT, { name: 'cats' }).name, 'cats');
  // Code points, not UTF-16 units: the astral emoji sorts after U+FF01, and counts as one character.
  const u = textTask('😀！a😀');
  assert.deepEqual(u.tokens, ['a', '！', '😀']);
  assert.deepEqual(u.example(new Rng(0), 3).input, [2, 1, 0]);
});

test('targets are the next character of a window of the text', () => {
  const t = textTask(TEXT);
  const decode = (ids: number[]): string => ids.map((i) => t.tokens![i]).join('');
  for (let seed = 0; seed < 30; seed++) {
    const length = 1 + (seed % 40);
    const ex = t.example(new Rng(seed), length);
    const input = ex.input as number[];
    const target = ex.target as number[];
    assert.equal(input.length, length);
    assert.deepEqual(target.slice(0, -1), input.slice(1));
    const window = decode(input) + decode(target).slice(-1);
    assert.ok(TEXT.includes(window), `"${window}" is not in the text`);
    assert.ok([...input, ...target].every((x) => x >= 0 && x < t.vocabSize!));
  }
  // The longest window is the whole text.
  const all = t.example(new Rng(1), TEXT.length - 1);
  assert.equal(decode(all.input as number[]) + decode(all.target as number[]).slice(-1), TEXT);
});

test('length ranges are capped by the text', () => {
  assert.deepEqual(textTask(TEXT).trainLengths, [32, TEXT.length - 1]);
  assert.deepEqual(textTask(TEXT).testLengths, [TEXT.length - 1, TEXT.length - 1]);
  assert.deepEqual(textTask('x'.repeat(1000)).trainLengths, [32, 128]);
  assert.deepEqual(textTask('x'.repeat(1000)).testLengths, [128, 512]);
});

test('determinism and bad input', () => {
  const t = textTask(TEXT);
  assert.deepEqual(t.example(new Rng(3), 10), t.example(new Rng(3), 10));
  assert.throws(() => textTask(''), ArgumentError);
  assert.throws(() => textTask('a'), ArgumentError);
  assert.throws(() => t.example(new Rng(3), TEXT.length), ArgumentError);
  assert.throws(() => t.example(new Rng(3), 0), ArgumentError);
});
