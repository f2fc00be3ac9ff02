// aaren-timeseries: the memory cells count the streamed state (Aaren constant, attention growing
// by one key and value per token) and the verdict rule judges only informative tasks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aarenTimeseries } from '../../src/reproduce/aaren-timeseries.js';
import type { MeasureCell, Results, Stat } from '../../src/reproduce/types.js';

const stat = (mean: number): Stat => ({ mean, min: mean, max: mean, n: 1 });
const ROWS = aarenTimeseries.rows;

test('memory cells: Aaren and LSTM constant, attention grows by 2·layers·hidden + layers floats per token', () => {
  const cells = aarenTimeseries.cells('smoke', 1).filter((c): c is MeasureCell => c.kind === 'measure' && c.id.includes('memory'));
  assert.equal(cells.length, 3);
  const out = Object.fromEntries(cells.map((c) => [c.id.split('-')[0], c.measure().values]));
  // smoke: hidden 8, one layer, one head. Aaren: h 8 + m 1 + u 1 + w 8; LSTM: h 8 + c 8.
  assert.deepEqual(out.aaren, { mem64: 18, mem256: 18, mem1024: 18 });
  assert.deepEqual(out.lstm, { mem64: 16, mem256: 16, mem1024: 16 });
  // Attention: h 8 plus, per cached token, k 8 + v 8 + mask 1.
  for (const t of [64, 256, 1024]) assert.equal(out.attention![`mem${t}`], 8 + 17 * t);
});

function results(a: [number, number, number], t: [number, number, number], memA = [18, 18, 18], memT = [100, 200, 400]): Results {
  const row = (v: number[], m: number[]): Record<string, Stat> => ({
    lorenz: stat(v[0]!), sinusoids: stat(v[1]!), accuracy: stat(v[2]!), mem64: stat(m[0]!), mem256: stat(m[1]!), mem1024: stat(m[2]!),
  });
  return { [ROWS[0]!]: row(a, memA), [ROWS[1]!]: row(t, memT), [ROWS[3]!]: { lorenz: stat(0.01), sinusoids: stat(0.02), accuracy: stat(25) } };
}

test('verdict: comparable on informative tasks with constant memory reproduces; each failure is caught', () => {
  assert.equal(aarenTimeseries.verdict(results([0.005, 0.01, 90], [0.004, 0.008, 92]), 'small').reproduced, true);
  // Aaren's sinusoid MSE 2× attention's: not comparable.
  assert.equal(aarenTimeseries.verdict(results([0.005, 0.016, 90], [0.004, 0.008, 92]), 'small').reproduced, false);
  // Accuracy 10 points below.
  assert.equal(aarenTimeseries.verdict(results([0.005, 0.01, 80], [0.004, 0.008, 90]), 'small').reproduced, false);
  // Aaren's state grows.
  assert.equal(aarenTimeseries.verdict(results([0.005, 0.01, 90], [0.004, 0.008, 92], [18, 20, 22]), 'small').reproduced, false);
  // Lorenz uninformative (neither beats repeat-last 0.01): judged on the other two.
  const v = aarenTimeseries.verdict(results([0.05, 0.01, 90], [0.02, 0.008, 92]), 'small');
  assert.equal(v.reproduced, true);
  assert.match(v.text, /lorenz .*uninformative/);
  // Only one informative task: cannot judge.
  assert.equal(aarenTimeseries.verdict(results([0.05, 0.03, 90], [0.02, 0.03, 92]), 'small').reproduced, null);
  assert.equal(aarenTimeseries.verdict(results([0.005, 0.01, 90], [0.004, 0.008, 92]), 'smoke').reproduced, null);
  assert.equal(aarenTimeseries.verdict({}, 'small').reproduced, null);
});
