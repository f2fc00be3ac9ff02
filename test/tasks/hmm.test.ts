import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { IGNORE } from '../../src/tasks/types.js';
import { hmm, hmmParams } from '../../src/tasks/hmm.js';
import type { HmmTopology } from '../../src/tasks/hmm.js';
import { assertClose } from '../helpers.js';

const TOPOLOGIES: HmmTopology[] = ['chain', 'cyclic', 'full'];

test('matrices: rows sum to 1, transitions by hand, Gaussian emission rows', () => {
  for (const topo of TOPOLOGIES) {
    const p = hmmParams(topo);
    assertClose(p.start, [1 / 3, 1 / 3, 1 / 3], 1e-15);
    for (const row of [...p.transition, ...p.emission]) {
      assert.ok(row.every((v) => v >= 0));
      assertClose(row.reduce((a, b) => a + b, 0), 1, 1e-12);
    }
  }
  assertClose(hmmParams('chain').transition, [[0.95, 0.05, 0], [0.025, 0.95, 0.025], [0, 0.05, 0.95]], 1e-12);
  assertClose(hmmParams('cyclic').transition, [[0.95, 0.05, 0], [0, 0.95, 0.05], [0.05, 0, 0.95]], 1e-12);
  assertClose(hmmParams('full', 0.99).transition, [[0.99, 0.005, 0.005], [0.005, 0.99, 0.005], [0.005, 0.005, 0.99]], 1e-12);
  // Weights exp(−5d²): state 0 → (1, e⁻⁵, e⁻²⁰)/Z, state 1 → (e⁻⁵, 1, e⁻⁵)/Z'.
  const e5 = Math.exp(-5), e20 = Math.exp(-20);
  const em = hmmParams('chain').emission;
  assertClose(em[0]!, [1, e5, e20].map((v) => v / (1 + e5 + e20)), 1e-12);
  assertClose(em[1]!, [e5, 1, e5].map((v) => v / (1 + 2 * e5)), 1e-12);
  assertClose(em[2]!, [...em[0]!].reverse(), 1e-12);
});

test('examples: next-symbol targets, ids in range, long dwell times on the chain', () => {
  const t = hmm();
  assert.equal(t.name, 'hmm-chain');
  const ex = t.example(new Rng(4), 150);
  const input = ex.input as number[];
  const target = ex.target as number[];
  assert.equal(input.length, 150);
  assert.deepEqual(target.slice(0, -1), input.slice(1));
  assert.equal(target[149], IGNORE);
  assert.ok(input.every((x) => x >= 0 && x < t.vocabSize!));
  // Stay 0.95 and 99.3% faithful emissions: the symbol repeats about 94% of the time.
  let same = 0, n = 0;
  for (let seed = 0; seed < 40; seed++) {
    const xs = t.example(new Rng(seed), 150).input as number[];
    for (let i = 1; i < xs.length; i++) same += xs[i] === xs[i - 1] ? 1 : 0, n++;
  }
  assert.ok(same / n > 0.9 && same / n < 0.97, `repeat rate ${same / n}`);
  // The directed ring only moves forward: a change of symbol 0 goes to 1 far more often than to 2.
  const ring = hmm({ topology: 'cyclic' });
  let up = 0, down = 0;
  for (let seed = 0; seed < 40; seed++) {
    const xs = ring.example(new Rng(seed), 150).input as number[];
    for (let i = 1; i < xs.length; i++) if (xs[i - 1] === 0) up += xs[i] === 1 ? 1 : 0, down += xs[i] === 2 ? 1 : 0;
  }
  assert.ok(up > 5 * down, `0→1 ${up}, 0→2 ${down}`);
});

test('determinism and bad input', () => {
  const t = hmm({ topology: 'full' });
  assert.deepEqual(t.example(new Rng(2), 60), t.example(new Rng(2), 60));
  assert.throws(() => t.example(new Rng(2), 0), ArgumentError);
  assert.throws(() => hmm({ topology: 'ring' as HmmTopology }), ArgumentError);
  assert.throws(() => hmm({ stay: 1.5 }), ArgumentError);
  assert.throws(() => hmmParams('chain', NaN), ArgumentError);
});
