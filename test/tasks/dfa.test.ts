import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { IGNORE } from '../../src/tasks/types.js';
import { DFA_SEP, DFA_TOKENS, dfaAccepts, dfaExample, dfaLanguages, dfaValidity, sampleDfa, sampleDfaString, splitDfaStrings } from '../../src/tasks/dfa.js';
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

test('dfaExample is the task example plus its DFA', () => {
  const t = dfaLanguages();
  for (let seed = 0; seed < 10; seed++) {
    const e = dfaExample(new Rng(seed), 200);
    assert.deepEqual({ input: e.input, target: e.target }, t.example(new Rng(seed), 200));
    assert.deepEqual(e.dfa, sampleDfa(new Rng(seed)));
  }
});

test('dfaValidity by hand (P33 _get_dfa_accuracy)', () => {
  // 0 -a-> 1, 0 -b-> 2, 1 -c-> 0, 2 -a-> 0; the sequence "a c | b a a".
  const next = Array.from({ length: 3 }, () => new Array<number>(18).fill(-1));
  next[0]![0] = 1, next[0]![1] = 2, next[1]![2] = 0, next[2]![0] = 0;
  const dfa: Dfa = { numStates: 3, alphabet: [0, 1, 2], next };
  const input = [0, 2, DFA_SEP, 1, 0, 0];
  // t=0 (state 1): c is valid. t=1: next is '|', not scored. t=2 ('|', start): a is valid although
  // the string goes on with b. t=3 (state 2): c is not. t=4 (state 0): '|' is not (the string goes
  // on). t=5: last step, not scored.
  const v = dfaValidity(dfa, input, [2, 5, 0, 2, DFA_SEP, 7]);
  assert.deepEqual(v, { total: 4, valid: 2, byString: [{ total: 1, valid: 1 }, { total: 3, valid: 1 }] });
  // The true next letters are always valid.
  assert.equal(dfaValidity(dfa, input, [2, DFA_SEP, 1, 0, 0, 0]).valid, 4);
  // Any letter the DFA allows counts, not only the drawn one: b at t=4 (the string went on with a).
  assert.equal(dfaValidity(dfa, input, [2, 0, 1, 0, 1, 0]).valid, 4);
  assert.throws(() => dfaValidity(dfa, input, [2, 2]), ArgumentError); // too few predictions
  assert.throws(() => dfaValidity(dfa, [0, 0], [0, 0]), ArgumentError); // "a a" leaves the DFA
  assert.throws(() => dfaValidity(dfa, [0, 19], [0, 0]), ArgumentError); // pad in the input
});

test('dfaValidity: the next tokens of sampled sequences are always valid', () => {
  const rng = new Rng(4);
  for (let i = 0; i < 20; i++) {
    const e = dfaExample(rng, 300);
    const v = dfaValidity(e.dfa, e.input, e.target.map((y) => Math.max(0, y)));
    assert.ok(v.total > 0);
    assert.equal(v.valid, v.total);
    assert.equal(v.byString.length, splitDfaStrings(e.input).length);
  }
});
