import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { GLYPH_CLASSES, glyphs, renderGlyph } from '../../src/tasks/glyph.js';
import { createTask } from '../../src/tasks/registry.js';

test('task shape: pixel mode is T = size² steps of 1 value, row mode T = size rows of size values', () => {
  const px = glyphs();
  assert.equal(px.kind, 'classify');
  assert.equal(px.perStep, false);
  assert.equal(px.numClasses, 10);
  assert.equal(px.inputDim, 1);
  assert.deepEqual(px.trainLengths, [144, 144]);
  assert.deepEqual(px.testLengths, [144, 144]);
  const e = px.example(new Rng(1), 144);
  assert.equal(e.input.length, 144);
  assert.ok((e.input as number[][]).every((v) => v.length === 1));
  assert.ok(Number.isInteger(e.target) && (e.target as number) >= 0 && (e.target as number) < 10);

  const rows = glyphs({ size: 16, mode: 'row' });
  assert.equal(rows.inputDim, 16);
  assert.deepEqual(rows.trainLengths, [16, 16]);
  const r = rows.example(new Rng(1), 16);
  assert.equal(r.input.length, 16);
  assert.ok((r.input as number[][]).every((v) => v.length === 16));
});

test('pixel order is the raster order of the row form (same seed, same image)', () => {
  const a = glyphs({ mode: 'pixel' }).example(new Rng(5), 144), b = glyphs({ mode: 'row' }).example(new Rng(5), 12);
  assert.equal(a.target, b.target);
  assert.deepEqual((a.input as number[][]).map((v) => v[0]), (b.input as number[][]).flat());
});

test('deterministic with the seed, different across seeds', () => {
  const t = glyphs();
  assert.deepEqual(t.example(new Rng(7), 144), t.example(new Rng(7), 144));
  assert.notDeepEqual(t.example(new Rng(7), 144).input, t.example(new Rng(8), 144).input);
  assert.deepEqual(renderGlyph(3, new Rng(2)), renderGlyph(3, new Rng(2)));
});

test('noise 0: ink in [0, 1], some ink and some background in every glyph', () => {
  const rng = new Rng(3);
  for (let c = 0; c < GLYPH_CLASSES; c++) {
    const v = renderGlyph(c, rng, { noise: 0 }).flat();
    assert.ok(v.every((x) => x >= 0 && x <= 1));
    const ink = v.filter((x) => x > 0.5).length;
    assert.ok(ink >= 10 && ink <= 100, `class ${c}: ${ink} inked pixels of 144`);
  }
});

test('classes are distinct: a nearest-class-mean classifier on noisy glyphs is far above chance', () => {
  const rng = new Rng(4);
  const size = 12, n = 40;
  const means = Array.from({ length: GLYPH_CLASSES }, (_, c) => {
    const m = new Array<number>(size * size).fill(0);
    for (let i = 0; i < n; i++) renderGlyph(c, rng, { noise: 0 }).flat().forEach((x, j) => (m[j]! += x / n));
    return m;
  });
  const task = glyphs({ size, noise: 0.1 });
  let right = 0;
  const trials = 300;
  const counts = new Array<number>(GLYPH_CLASSES).fill(0);
  for (let i = 0; i < trials; i++) {
    const e = task.example(rng, size * size);
    const x = (e.input as number[][]).map((v) => v[0]!);
    const dist = means.map((m) => m.reduce((s, mj, j) => s + (mj - x[j]!) ** 2, 0));
    if (dist.indexOf(Math.min(...dist)) === e.target) right++;
    counts[e.target as number]!++;
  }
  // Chance is 10 %; the jitter keeps a template matcher well below 100 % (the task is not trivial).
  assert.ok(right / trials > 0.6, `nearest-mean accuracy ${right / trials}`);
  assert.ok(counts.every((k) => k > 10), `every class is drawn: ${counts.join(',')}`);
  // The class means themselves differ pairwise.
  for (let a = 0; a < GLYPH_CLASSES; a++) {
    for (let b = a + 1; b < GLYPH_CLASSES; b++) {
      const d = Math.sqrt(means[a]!.reduce((s, x, j) => s + (x - means[b]![j]!) ** 2, 0));
      assert.ok(d > 1, `classes ${a} and ${b}: mean images ${d.toFixed(2)} apart`);
    }
  }
});

test('registry: options typed and checked, defaults are the factory\'s', () => {
  assert.deepEqual(createTask('glyphs', { size: '16', mode: 'row' }).trainLengths, [16, 16]);
  assert.deepEqual(createTask('glyphs').example(new Rng(1), 144), glyphs().example(new Rng(1), 144));
  assert.throws(() => createTask('glyphs', { size: 4 }), ArgumentError);
  assert.throws(() => createTask('glyphs', { mode: 'column' }), ArgumentError);
  assert.throws(() => createTask('glyphs', { noise: -1 }), ArgumentError);
});

test('bad input: wrong length, class, size, noise, mode', () => {
  assert.throws(() => glyphs().example(new Rng(1), 143), ArgumentError);
  assert.throws(() => glyphs({ mode: 'row' }).example(new Rng(1), 144), ArgumentError);
  assert.throws(() => renderGlyph(10, new Rng(1)), ArgumentError);
  assert.throws(() => renderGlyph(-1, new Rng(1)), ArgumentError);
  assert.throws(() => renderGlyph(1.5, new Rng(1)), ArgumentError);
  assert.throws(() => renderGlyph(0, new Rng(1), { size: 7 }), ArgumentError);
  assert.throws(() => glyphs({ size: 12.5 }), ArgumentError);
  assert.throws(() => glyphs({ noise: Number.NaN }), ArgumentError);
  assert.throws(() => glyphs({ mode: 'diag' as 'row' }), ArgumentError);
});
