import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { IGNORE } from '../../src/tasks/types.js';
import { DFA_SEP, DFA_TOKENS, dfaAccepts, dfaLanguages, sampleDfa, sampleDfaString, splitDfaStrings } from '../../src/tasks/dfa.js';
import type { Dfa } from '../../src/tasks/dfa.js';

test('dfaAccepts on a hand-built DFA', () => {
  // 0 -a-> 1, 0 -b-> 2, 1 -c-> 0, 2 -a-> 0.
  const next = Array.from({ length: 3 }, () => new Array<number>(18).fill(-1));
  next[0]![0] = 1, next[0]![1] = 2, next[1]![2] = 0, next[2]![0] = 0;
  const dfa: Dfa = { numStates: 3, alphabet: [0, 1, 2], next };
  assert.ok(dfaAccepts(dfa, []));
  assert.ok(dfaAccepts(dfa, [0, 2, 1, 0, 0])); // a c b a a
  assert.equal(dfaAccepts(dfa, [0, 0]), false); // a a
  assert.equal(dfaAccepts(dfa, [2]), false); // no c from the start
});

test('sampled DFAs follow the specification', () => {
  const rng = new Rng(3);
  for (let i = 0; i < 300; i++) {
    const dfa = sampleDfa(rng);
    assert.ok(dfa.numStates >= 1 && dfa.numStates <= 12);
    assert.equal(dfa.next.length, dfa.numStates);
    assert.ok(dfa.alphabet.length >= 4 && dfa.alphabet.length <= 18);
    dfa.next.forEach((row) => {
      const edges = row.map((t, c) => [c, t] as const).filter(([, t]) => t >= 0);
      // Out-degree 1-3; minimisation can merge targets, but never adds edges.
      assert.ok(edges.length >= 1 && edges.length <= 3, `out-degree ${edges.length}`);
      for (const [c, t] of edges) {
        assert.ok(dfa.alphabet.includes(c), `letter ${c} outside the alphabet`);
        assert.ok(t < dfa.numStates);
      }
    });
    // Every state is reachable from the start (trimmed).
    const seen = new Set([0]);
    const queue = [0];
    for (let k = 0; k < queue.length; k++) for (const t of dfa.next[queue[k]!]!) if (t >= 0 && !seen.has(t)) seen.add(t), queue.push(t);
    assert.equal(seen.size, dfa.numStates);
    // Minimised: no two states have the same edges (a necessary condition).
    assert.equal(new Set(dfa.next.map((r) => r.join())).size, dfa.numStates);
    for (let k = 0; k < 5; k++) assert.ok(dfaAccepts(dfa, sampleDfaString(rng, dfa, 1 + rng.int(49))));
  }
});

test('every string of every example is a path of one DFA; targets are the next token', () => {
  const t = dfaLanguages();
  for (let seed = 0; seed < 40; seed++) {
    // Regenerate the example's DFA: example() draws it first from the same stream.
    const dfa = sampleDfa(new Rng(seed));
    const length = [64, 256, 999][seed % 3]!;
    const ex = t.example(new Rng(seed), length);
    const input = ex.input as number[];
    const target = ex.target as number[];
    assert.ok(input.length <= length && input.length > 0);
    if (length <= 256) assert.equal(input.length, length); // 10+ strings nearly always exceed 256 tokens
    assert.ok(input.every((x) => x >= 0 && x < t.vocabSize! && x !== 19));
    const strings = splitDfaStrings(input);
    assert.ok(strings.length <= 20);
    strings.forEach((s, i) => {
      if (i < strings.length - 1) assert.ok(s.length >= 1 && s.length <= 49);
      assert.ok(dfaAccepts(dfa, s), `string ${i} is not a path`);
    });
    assert.deepEqual(target.slice(0, -1), input.slice(1));
    assert.equal(target[target.length - 1], IGNORE);
    assert.ok(target.every((y) => y === IGNORE || (y >= 0 && y < t.numClasses!)));
  }
  assert.equal(DFA_TOKENS.length, 20);
  assert.equal(DFA_TOKENS[DFA_SEP], '|');
});

test('determinism and bad input', () => {
  const t = dfaLanguages();
  assert.deepEqual(t.example(new Rng(8), 128), t.example(new Rng(8), 128));
  assert.notDeepEqual(t.example(new Rng(8), 128), t.example(new Rng(9), 128));
  assert.throws(() => t.example(new Rng(8), 1), ArgumentError);
  assert.throws(() => splitDfaStrings([0, 19]), ArgumentError);
});
