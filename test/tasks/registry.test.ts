// The task registry: every task's options are declared with type, default, range and help; the
// defaults shown are the factories' own (the same examples with and without them); bad names and
// values are one-line ArgumentErrors listing the valid ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTask, describeTask, getTask, listTasks } from '../../src/tasks/registry.js';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';

test('every declared default is the factory\'s own: the same examples with and without it', () => {
  for (const spec of listTasks()) {
    for (const [name, o] of Object.entries(spec.options)) {
      if (o.default === undefined) continue;
      const a = createTask(spec.name), b = createTask(spec.name, { [name]: o.default });
      assert.equal(a.description, b.description, `${spec.name}.${name}`);
      const L = a.trainLengths[1];
      assert.deepEqual(a.example(new Rng(3), L), b.example(new Rng(3), L), `${spec.name}.${name} = ${String(o.default)}`);
    }
  }
});

test('options are parsed from strings and checked against their range', () => {
  assert.equal(createTask('mqar', { numPairs: '4' }).name, 'mqar');
  assert.notDeepEqual(createTask('mqar', { numPairs: '4' }).example(new Rng(1), 64), createTask('mqar').example(new Rng(1), 64));
  assert.throws(() => createTask('mqar', { numPairs: 'x' }), (e: unknown) => e instanceof ArgumentError && /task mqar: option 'numPairs' must be integer >= 1, got 'x'/.test(e.message));
  assert.throws(() => createTask('mqar', { numPairs: 2.5 }), (e: unknown) => e instanceof ArgumentError && /numPairs/.test(e.message));
  assert.throws(() => createTask('hmm-chain', { stay: 1.5 }), (e: unknown) => e instanceof ArgumentError && /option 'stay' must be number in \[0, 1\], got 1.5/.test(e.message));
  assert.throws(() => createTask('mqar', { bogus: 1 }), (e: unknown) => e instanceof ArgumentError && /unknown option 'bogus'; valid options: vocabSize, numPairs, numPasses/.test(e.message));
  assert.throws(() => createTask('parity', { n: 1 }), (e: unknown) => e instanceof ArgumentError && /unknown option 'n'; it takes no options/.test(e.message));
  assert.throws(() => createTask('nope'), (e: unknown) => e instanceof ArgumentError && /unknown task 'nope'; valid tasks: .*parity/.test(e.message));
  assert.throws(() => getTask('nope'), ArgumentError);
});

test('describeTask lists the options with defaults; an option without one says so', () => {
  assert.match(describeTask('mqar'), /^mqar: /);
  assert.match(describeTask('mqar'), /^\s+numPairs\s+8\s+integer >= 1\s+key-value pairs/m);
  assert.match(describeTask('passkey'), /^\s+depth\s+-\s+number in \[0, 1\]\s+.*unset/m);
  assert.match(describeTask('parity'), /options: none/);
});

test('set-disjointness options: order, sizes and passes from strings; a bad order lists the choices', () => {
  const t = createTask('set-disjointness', { vocabSize: '68', order: 'long-first', shortSize: '4', longSize: '16', numPasses: '2' });
  assert.deepEqual(t.trainLengths, [20, 20]);
  assert.equal((t.example(new Rng(1), 20) as { input: number[] }).input.length, 2 * 22 + 1);
  assert.throws(() => createTask('set-disjointness', { order: 'sideways' }), (e: unknown) => e instanceof ArgumentError && /order.*mixed\|short-first\|long-first/.test(e.message));
});
