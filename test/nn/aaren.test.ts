import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randn, tensor } from '../../src/ops/creation.js';
import { mul } from '../../src/ops/elementwise.js';
import { narrow, squeeze } from '../../src/ops/movement.js';
import { sum } from '../../src/ops/reduce.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { Aaren } from '../../src/nn/aaren/index.js';
import { SequenceModel, modelConfigFor } from '../../src/models/index.js';
import { createTask } from '../../src/tasks/registry.js';
import { assertClose, assertGradcheck } from '../helpers.js';

const make = (impl: 'parallel' | 'recurrent', dtype: 'float32' | 'float64' = 'float32', seed = 1): Aaren =>
  new Aaren({ inputSize: 5, hiddenSize: 8, numLayers: 2, heads: 2, impl, rng: new Rng(seed), dtype });

describe('Aaren layer', () => {
  test('parallel and sequential forms agree on outputs, state and every parameter gradient', () => {
    const x = randn([3, 9, 5], { rng: new Rng(4), dtype: 'float64' });
    const dy = randn([3, 9, 8], { rng: new Rng(5), dtype: 'float64' });
    const res = (['parallel', 'recurrent'] as const).map((impl) => {
      const m = make(impl, 'float64');
      const r = vjp((p: Record<string, Tensor>) => { void p; return m.forward(x).output; }, m.parameterRecord(), dy);
      return { o: Array.from(r.value.data()), g: Object.values(r.grads as Record<string, Tensor>).map((t) => Array.from(t.data())), s: Array.from(m.forward(x).state.w.data()) };
    });
    assertClose(res[0]!.o, res[1]!.o, 1e-10, 1e-10);
    assertClose(res[0]!.s, res[1]!.s, 1e-10, 1e-10);
    res[0]!.g.forEach((g, i) => assertClose(g, res[1]!.g[i]!, 1e-9, 1e-9, `param ${i}`));
  });

  test('streaming step by step equals the batch forward', () => {
    const m = make('parallel');
    const x = randn([2, 6, 5], { rng: new Rng(7) });
    const batch = m.forward(x).output;
    let state = null;
    for (let t = 0; t < 6; t++) {
      const r = m.step(squeeze(narrow(x, 1, t, 1), 1), state);
      state = r.state;
      assertClose(r.output, Array.from(squeeze(narrow(batch, 1, t, 1), 1).data()), 2e-5, 2e-5, `t=${t}`);
    }
  });

  test('a state carried across calls equals one call on the whole sequence', () => {
    const m = make('parallel');
    const x = randn([2, 10, 5], { rng: new Rng(8) });
    const whole = m.forward(x);
    const a = m.forward(narrow(x, 1, 0, 4));
    const b = m.forward(narrow(x, 1, 4, 6), a.state);
    assertClose(b.output, Array.from(narrow(whole.output, 1, 4, 6).data()), 2e-5, 2e-5);
    assertClose(b.state.h, Array.from(whole.state.h.data()), 2e-5, 2e-5);
  });

  test('lengths: outputs are zero past each end and the state equals the truncated run', () => {
    const m = make('parallel');
    const x = randn([2, 7, 5], { rng: new Rng(9) });
    const r = m.forward(x, null, { lengths: [7, 3] });
    const out = r.output.data();
    for (let t = 3; t < 7; t++) for (let j = 0; j < 8; j++) assert.equal(out[(1 * 7 + t) * 8 + j], 0);
    const short = m.forward(narrow(narrow(x, 0, 1, 1), 1, 0, 3));
    assertClose(narrow(r.state.h, 1, 1, 1), Array.from(short.state.h.data()), 2e-5, 2e-5);
    assertClose(narrow(r.state.w, 1, 1, 1), Array.from(short.state.w.data()), 2e-5, 2e-5);
  });

  test('gradcheck through the whole block (float64)', () => {
    const m = new Aaren({ inputSize: 3, hiddenSize: 4, heads: 2, rng: new Rng(2), dtype: 'float64' });
    const w = randn([2, 4, 4], { rng: new Rng(3), dtype: 'float64' });
    assertGradcheck((x) => sum(mul(m.forward(x!).output, w)), [randn([2, 4, 3], { rng: new Rng(1), dtype: 'float64' })]);
  });

  test('state-dict keys name the parts', () => {
    const keys = Object.keys(make('parallel').stateDict());
    for (const k of ['in_proj.weight', 'layers.0.query', 'layers.0.k_proj.weight', 'layers.1.out_proj.bias', 'layers.1.fc2.weight']) assert.ok(keys.includes(k), k);
  });

  test('bad input', () => {
    assert.throws(() => new Aaren({ inputSize: 4, hiddenSize: 6, heads: 4 }), ArgumentError);
    assert.throws(() => new Aaren({ inputSize: 4, hiddenSize: 8, impl: 'x' as 'parallel' }), ArgumentError);
    assert.throws(() => make('parallel').forward(randn([2, 3, 4])), ShapeError);
    assert.throws(() => make('parallel').forward(randn([2, 3, 5]), null, { lengths: [3, 0] }), ArgumentError);
    assert.throws(() => make('parallel').step(randn([2, 3, 5])), ShapeError);
  });

  test('as a SequenceModel cell: classification from the last valid output, streaming tagger', () => {
    const task = createTask('cycle-nav');
    const model = new SequenceModel(modelConfigFor(task, { name: 'aaren', hiddenSize: 8, options: { heads: 2 } }), { rng: new Rng(1) });
    const ids = tensor(Int32Array.from({ length: 18 }, (_, i) => i % 3), [3, 6], { dtype: 'int32' });
    const logits = model.forward(ids, [6, 2, 4]);
    assert.deepEqual(logits.shape, [3, 5]);
    assert.throws(() => new SequenceModel(modelConfigFor(task, { name: 'aaren', hiddenSize: 8, bidirectional: true })), ArgumentError);
  });
});
