import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitExp } from '../../src/reproduce/timescales.js';

test('timescales: the autocorrelation fit recovers tau of a·exp(−k/tau)', () => {
  for (const [tau, a] of [[0.7, 1], [3, 1], [12, 0.8], [60, 0.95]] as const) {
    const y = Array.from({ length: 31 }, (_, k) => a * Math.exp(-k / tau));
    const got = fitExp(y);
    assert.ok(Math.abs(got - tau) / tau < 0.05, `tau ${tau}: fitted ${got}`);
  }
  // white noise (AC 1 at lag 0, 0 after): a timescale well below one step
  assert.ok(fitExp([1, ...Array(30).fill(0)]) < 0.3);
});
