import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';
import { createTask } from '../../src/tasks/registry.js';
import { shapeInNoise, shapeTemplate, SHAPE_NAMES } from '../../src/tasks/shapes.js';
import { assertClose } from '../helpers.js';

test('templates by hand at width 4 (samples at 1/8, 3/8, 5/8, 7/8)', () => {
  const s1 = Math.sin(Math.PI / 8), s3 = Math.sin((3 * Math.PI) / 8), r = Math.SQRT1_2;
  assert.deepEqual([...SHAPE_NAMES], ['bump', 'square', 'sine', 'ramp-up', 'ramp-down', 'dip']);
  assertClose(shapeTemplate(0, 4), [s1, s3, s3, s1], 1e-12);
  assertClose(shapeTemplate(1, 4), [1, 1, 1, 1], 0);
  assertClose(shapeTemplate(2, 4), [r, r, -r, -r], 1e-12);
  assertClose(shapeTemplate(3, 4), [-0.75, -0.25, 0.25, 0.75], 1e-12);
  assertClose(shapeTemplate(4, 4), [0.75, 0.25, -0.25, -0.75], 1e-12);
  assertClose(shapeTemplate(5, 4), [-s1, -s3, -s3, -s1], 1e-12);
});

test('without noise the series is zero except one template at a random place; labels and places cover their ranges', () => {
  const task = shapeInNoise({ classes: 6, width: 5, noise: 0 });
  assert.deepEqual([task.kind, task.perStep, task.inputDim, task.numClasses], ['classify', false, 1, 6]);
  const labels = new Set<number>(), starts = new Set<number>();
  const rng = new Rng(1);
  for (let i = 0; i < 300; i++) {
    const ex = task.example(rng, 8);
    const x = (ex.input as number[][]).map((v) => v[0]!);
    assert.equal(x.length, 8);
    const label = ex.target as number;
    const at = x.findIndex((v) => v !== 0);
    // Every template is nonzero at its first sample, so the first nonzero step is where it starts.
    const want = new Array<number>(8).fill(0);
    shapeTemplate(label, 5).forEach((v, j) => { want[at + j] = v; });
    assertClose(x, want, 1e-12);
    labels.add(label); starts.add(at);
  }
  assert.deepEqual([...labels].sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...starts].sort(), [0, 1, 2, 3]); // 8 − 5 + 1 places
  // length = width: the shape fills the series.
  const full = shapeInNoise({ classes: 2, width: 4, noise: 0 }).example(new Rng(3), 4);
  assertClose((full.input as number[][]).map((v) => v[0]!), shapeTemplate(full.target as number, 4), 1e-12);
});

test('noise: the same label and place, plus N(0, noise²) per step', () => {
  const a = shapeInNoise({ noise: 0 }).example(new Rng(9), 4000), b = shapeInNoise({ noise: 0.5 }).example(new Rng(9), 4000);
  assert.equal(a.target, b.target);
  const d = (b.input as number[][]).map((v, t) => v[0]! - (a.input as number[][])[t]![0]!);
  const sd = Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
  assert.ok(Math.abs(sd - 0.5) < 0.03, `noise sd ${sd}`);
});

test('deterministic given the seed; the registry builds it with its options', () => {
  const t = createTask('shape-in-noise');
  assert.deepEqual(t.trainLengths, [64, 128]);
  assert.deepEqual(t.example(new Rng(5), 64), t.example(new Rng(5), 64));
  assert.notDeepEqual(t.example(new Rng(5), 64), t.example(new Rng(6), 64));
  assert.deepEqual(createTask('shape-in-noise', { classes: '3', width: 8 }).example(new Rng(2), 40),
    shapeInNoise({ classes: 3, width: 8 }).example(new Rng(2), 40));
});

test('bad input is an ArgumentError', () => {
  assert.throws(() => shapeInNoise({ classes: 1 }), (e: unknown) => e instanceof ArgumentError && /classes must be an integer in \[2, 6\]/.test(e.message));
  assert.throws(() => shapeInNoise({ classes: 7 }), ArgumentError);
  assert.throws(() => shapeInNoise({ width: 1 }), ArgumentError);
  assert.throws(() => shapeInNoise({ noise: -1 }), ArgumentError);
  assert.throws(() => shapeInNoise({ width: 16 }).example(new Rng(0), 15), (e: unknown) => e instanceof ArgumentError && /length must be an integer >= 16/.test(e.message));
  assert.throws(() => shapeTemplate(6, 4), ArgumentError);
  assert.throws(() => shapeTemplate(0, 1), ArgumentError);
  assert.throws(() => createTask('shape-in-noise', { classes: 9 }), (e: unknown) => e instanceof ArgumentError && /option 'classes'/.test(e.message));
});
