import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { IGNORE } from '../../src/tasks/types.js';
import { PASSKEY_CHARS, passkey, passkeyPrompt } from '../../src/tasks/passkey.js';

const PREFIX = 'There is an important info hidden inside a lot of irrelevant text. Find it and memorize it.\n\n';
const FILLER = 'The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n';
const SUFFIX = '\nWhat is the pass key? The passkey is ';
const keyBlock = (key: string) => `The passkey is ${key}. Remember it. ${key} is the passkey.\n`;

test('prompt by hand: prefix, blocks with the key block at depth, question', () => {
  // (400 - 93 - 38) / 90 → 2 blocks.
  assert.equal(passkeyPrompt(400, 0, '12345'), PREFIX + keyBlock('12345') + FILLER + SUFFIX);
  assert.equal(passkeyPrompt(400, 1, '12345'), PREFIX + FILLER + keyBlock('12345') + SUFFIX);
  assert.equal(passkeyPrompt(221, 0.5, '00042'), PREFIX + keyBlock('00042') + SUFFIX);
  // 11 blocks: depth 0.5 → block 5; 91 blocks: depth 0.7 → block 63 (0.7·90 is 62.999… in floating point).
  assert.equal(passkeyPrompt(131 + 11 * 90, 0.5, '99999').indexOf('The passkey is 99999'), 93 + 5 * 90);
  assert.equal(passkeyPrompt(131 + 91 * 90, 0.7, '99999').indexOf('The passkey is 99999'), 93 + 63 * 90);
});

test('the character list covers every text and has no duplicates', () => {
  assert.equal(new Set(PASSKEY_CHARS).size, PASSKEY_CHARS.length);
  for (const c of PREFIX + FILLER + SUFFIX + keyBlock('0123456789')) assert.ok(PASSKEY_CHARS.includes(c), JSON.stringify(c));
  assert.deepEqual([...PASSKEY_CHARS], [...PASSKEY_CHARS].sort());
});

test('examples: prompt then key; the 5 targets are the key digits, predicted one step early', () => {
  const task = passkey();
  assert.equal(task.kind, 'tag');
  assert.equal(task.vocabSize, PASSKEY_CHARS.length);
  assert.deepEqual(task.tokens, [...PASSKEY_CHARS]);
  const rng = new Rng(1);
  const depths = new Set<number>();
  for (const length of [221, 256, 512, 2048]) {
    for (let n = 0; n < 20; n++) {
      const { input, target } = task.example(rng, length) as { input: number[]; target: number[] };
      assert.ok(input.every((t) => Number.isInteger(t) && t >= 0 && t < task.vocabSize!));
      const text = input.map((t) => task.tokens![t]).join('');
      const key = text.slice(-5);
      assert.match(key, /^[0-9]{5}$/);
      const prompt = text.slice(0, -5);
      assert.ok(prompt.startsWith(PREFIX) && prompt.endsWith(SUFFIX));
      assert.ok(prompt.includes(keyBlock(key)));
      assert.ok(prompt.length <= length && prompt.length > length - 90 - 33, `${prompt.length} chars for ${length}`);
      const labelled = target.flatMap((t, i) => (t === IGNORE ? [] : [i]));
      assert.deepEqual(labelled, [0, 1, 2, 3, 4].map((j) => prompt.length - 1 + j));
      assert.equal(labelled.map((i) => PASSKEY_CHARS[target[i]!]).join(''), key);
      for (const i of labelled) assert.equal(target[i], input[i + 1]);
      // 2048 characters hold 21 blocks, so depth k/10 puts the key in block 2k.
      if (length === 2048) depths.add((prompt.indexOf(keyBlock(key)) - 93) / 90);
    }
  }
  assert.ok(depths.size >= 5 && [...depths].every((b) => b % 2 === 0 && b <= 20), `key blocks ${[...depths]}`);
});

test('a fixed depth puts the key block where asked', () => {
  const ex = passkey({ depth: 1 }).example(new Rng(2), 131 + 5 * 90);
  const text = (ex.input as number[]).map((t) => PASSKEY_CHARS[t]).join('');
  assert.equal(text.indexOf('The passkey is '), 93 + 4 * 90);
});

test('same seed, same example', () => {
  assert.deepEqual(passkey().example(new Rng(3), 300), passkey().example(new Rng(3), 300));
});

test('bad length, depth or key is an ArgumentError', () => {
  assert.throws(() => passkey().example(new Rng(0), 220), /length must be an integer >= 221/);
  assert.throws(() => passkey({ depth: 1.5 }), ArgumentError);
  assert.throws(() => passkeyPrompt(400, -0.1, '12345'), ArgumentError);
  assert.throws(() => passkeyPrompt(400, 0, '1234'), /5 digits/);
});
