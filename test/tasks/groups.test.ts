import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { compose, GROUP_NAMES, groupElements, groupWords } from '../../src/tasks/groups.js';
import type { GroupName, Permutation } from '../../src/tasks/groups.js';

const idx = (g: GroupName, p: Permutation): number => groupElements(g).findIndex((q) => q.join() === p.join());

test('enumerations: sizes, lexicographic order, identity first, A5 = even permutations', () => {
  const sizes: Record<GroupName, number> = { S3: 6, S4: 24, A5: 60, S5: 120 };
  for (const g of GROUP_NAMES) {
    const els = groupElements(g);
    assert.equal(els.length, sizes[g]);
    assert.deepEqual(els[0], Array.from({ length: els[0]!.length }, (_, i) => i));
    for (let i = 1; i < els.length; i++) assert.ok(els[i - 1]!.join() < els[i]!.join(), `${g} not in lexicographic order at ${i}`);
    assert.equal(new Set(els.map((p) => p.join())).size, els.length);
  }
  assert.deepEqual(groupElements('S3'), [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]);
  // A5 holds 3-cycles and double transpositions, never a single transposition.
  assert.ok(idx('A5', [1, 2, 0, 3, 4]) >= 0);
  assert.ok(idx('A5', [1, 0, 3, 2, 4]) >= 0);
  assert.equal(idx('A5', [1, 0, 2, 3, 4]), -1);
});

test('compose applies the right factor first (hand-worked S3)', () => {
  // a = (1 2) = [0,2,1], b = (0 1) = [1,0,2]; (a∘b)(0) = a(1) = 2, (a∘b)(1) = a(0) = 0, (a∘b)(2) = a(2) = 1.
  assert.deepEqual(compose([0, 2, 1], [1, 0, 2]), [2, 0, 1]);
  assert.deepEqual(compose([1, 0, 2], [0, 2, 1]), [1, 2, 0]);
  // Triple, by hand: [1,2,0]∘[0,2,1] = [1,0,2]; then ∘[2,1,0] = [2,0,1].
  assert.deepEqual(compose(compose([1, 2, 0], [0, 2, 1]), [2, 1, 0]), [2, 0, 1]);
  assert.throws(() => compose([0, 1], [0, 1, 2]), ArgumentError);
});

test('targets are the running composition g1∘…∘gt, hand-checked on S3', () => {
  const task = groupWords({ group: 'S3' });
  // Tokens 1, 2, 3: [0,2,1] ∘ [1,0,2] = [2,0,1] (index 4); [2,0,1] ∘ [1,2,0] = [0,1,2] (index 0).
  const els = groupElements('S3');
  let acc: Permutation = els[0]!;
  const expected = [1, 2, 3].map((g) => idx('S3', (acc = compose(acc, els[g]!))));
  assert.deepEqual(expected, [1, 4, 0]);
  for (const g of GROUP_NAMES) {
    const t = groupWords({ group: g });
    const ex = t.example(new Rng(5), 40);
    const input = ex.input as number[];
    let p: Permutation = groupElements(g)[0]!;
    assert.deepEqual(ex.target, input.map((x) => idx(g, (p = compose(p, groupElements(g)[x]!)))));
    assert.ok(input.every((x) => x < t.vocabSize!));
    assert.ok((ex.target as number[]).every((y) => y >= 0 && y < t.numClasses!));
  }
  assert.equal(task.kind, 'tag');
  assert.equal(task.name, 'group-s3');
});

test('same seed, same example; bad input is an ArgumentError', () => {
  const t = groupWords({ group: 'A5' });
  assert.deepEqual(t.example(new Rng(1), 20), t.example(new Rng(1), 20));
  assert.notDeepEqual(t.example(new Rng(1), 20), t.example(new Rng(2), 20));
  assert.throws(() => t.example(new Rng(1), 0), ArgumentError);
  assert.throws(() => t.example(new Rng(1), 2.5), ArgumentError);
  assert.throws(() => groupWords({ group: 'S6' as GroupName }), ArgumentError);
  assert.equal(groupWords().name, 'group-s3');
});
