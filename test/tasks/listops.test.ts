import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { evalListOps, listOps, LISTOPS_TOKENS, parseListOps } from '../../src/tasks/listops.js';

const val = (s: string): number => evalListOps(parseListOps(s));

test('values of hand-written expressions', () => {
  assert.equal(val('[MAX 2 9 [MIN 4 7] 0]'), 9);
  assert.equal(val('[SM 5 6 7]'), 8);
  assert.equal(val('[MED 1 5 3]'), 3);
  assert.equal(val('[MED 1 2 8 9]'), 5); // (2 + 8) / 2
  assert.equal(val('[MED 1 2 3 9]'), 2); // (2 + 3) / 2 = 2.5 → 2, as LRA's int(np.median)
  assert.equal(val('[MIN 4 [MAX 1 2] 8]'), 2);
  assert.equal(val('[SM [SM 9 9] [MAX 3 7] 5]'), 0); // 8 + 7 + 5 = 20
  assert.equal(val('7'), 7);
  assert.equal(val('[MIN [MED [SM 4 4 4] 2 6] [MAX 9 8]]'), 2); // SM = 12 mod 10 = 2, MED 2 2 6 = 2
  assert.deepEqual(parseListOps('[MAX 2 [SM 1 3]]'), [10, 2, 13, 1, 3, 14, 14]);
  assert.deepEqual(parseListOps('[MAX2[SM13]]'), [10, 2, 13, 1, 3, 14, 14]);
});

test('malformed expressions are ArgumentErrors', () => {
  assert.throws(() => evalListOps([]), ArgumentError);
  assert.throws(() => evalListOps(parseListOps('[MAX 1 2')), ArgumentError);
  assert.throws(() => evalListOps(parseListOps('[MAX 1 2] 3')), ArgumentError);
  assert.throws(() => evalListOps(parseListOps('[MAX ]')), ArgumentError);
  assert.throws(() => evalListOps(parseListOps(']')), ArgumentError);
  assert.throws(() => evalListOps([10, 1, 15, 14]), ArgumentError);
  assert.throws(() => parseListOps('[MUL 1 2]'), ArgumentError);
});

// Depth of operator nesting, and the largest argument count, of a token sequence.
function shape(tokens: number[]): { depth: number; arity: number; minArity: number } {
  let depth = 0, d = 0, arity = 0, minArity = Infinity;
  const counts: number[] = [];
  for (const t of tokens) {
    if (t >= 10 && t <= 13) {
      if (counts.length) counts[counts.length - 1]!++;
      counts.push(0);
      depth = Math.max(depth, ++d);
    } else if (t === 14) {
      const n = counts.pop()!;
      arity = Math.max(arity, n);
      minArity = Math.min(minArity, n);
      d--;
    } else {
      counts[counts.length - 1]!++;
    }
  }
  return { depth, arity, minArity };
}

test('examples fit the length window, depth and arity, and carry their value', () => {
  const t = listOps();
  const rng = new Rng(21);
  let long = 0;
  for (let i = 0; i < 200; i++) {
    const length = [4, 5, 8, 20, 64, 128, 256, 512][i % 8]!;
    const ex = t.example(rng, length);
    const input = ex.input as number[];
    assert.ok(input.length <= length, `${input.length} > ${length}`);
    assert.ok(input.every((x) => x >= 0 && x < t.vocabSize!));
    assert.equal(ex.target, evalListOps(input));
    assert.ok((ex.target as number) < t.numClasses!);
    const s = shape(input);
    assert.ok(s.depth >= 1 && s.depth <= 4 && s.arity <= 5 && s.minArity >= 2, JSON.stringify(s));
    if (input.length >= Math.ceil(length / 2)) long++;
  }
  assert.ok(long >= 190, `only ${long}/200 examples use at least half their length`);
  const small = listOps({ maxDepth: 2, maxArgs: 3 });
  for (let i = 0; i < 50; i++) {
    const ex = small.example(rng, 64);
    const s = shape(ex.input as number[]);
    assert.ok(s.depth <= 2 && s.arity <= 3, JSON.stringify(s));
  }
  assert.deepEqual(LISTOPS_TOKENS.slice(10), ['[MAX', '[MIN', '[MED', '[SM', ']']);
});

test('determinism and bad options', () => {
  const t = listOps();
  assert.deepEqual(t.example(new Rng(6), 100), t.example(new Rng(6), 100));
  assert.throws(() => t.example(new Rng(6), 3), ArgumentError);
  assert.throws(() => listOps({ maxDepth: 0 }), ArgumentError);
  assert.throws(() => listOps({ maxArgs: 1 }), ArgumentError);
});
