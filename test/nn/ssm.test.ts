import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randn } from '../../src/ops/creation.js';
import { mul } from '../../src/ops/elementwise.js';
import { narrow, squeeze } from '../../src/ops/movement.js';
import { sum } from '../../src/ops/reduce.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { SSM } from '../../src/nn/ssm/index.js';
import type { SSMImpl } from '../../src/nn/ssm/index.js';
import { assertClose, assertGradcheck } from '../helpers.js';

const make = (kind: 's4d' | 'lru', impl: SSMImpl, dtype: 'float32' | 'float64' = 'float64', seed = 1): SSM =>
  new SSM({ kind, inputSize: 3, hiddenSize: 4, stateSize: 5, numLayers: 2, impl, rng: new Rng(seed), dtype });

function everything(m: SSM, x: Tensor, dy: Tensor, lengths?: number[]): { y: number[]; g: number[][] } {
  const params = { ...m.parameterRecord(), __x: x };
  const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, null, lengths ? { lengths } : {}).output, params, dy);
  const g = r.grads as Record<string, Tensor>;
  return { y: Array.from(r.value.data()), g: Object.keys(params).map((k) => Array.from(g[k]!.data())) };
}

for (const kind of ['s4d', 'lru'] as const) {
  describe(`SSM ${kind}: convolution, parallel scan and the recurrence agree`, () => {
    for (const [T, lengths] of [[1, null], [7, null], [32, [32, 20, 1]]] as const) {
      test(`T=${T}${lengths ? ' ragged' : ''}: outputs and every gradient (float64)`, () => {
        const B = lengths ? lengths.length : 2;
        const rng = new Rng(T);
        const x = randn([B, T, 3], { rng, dtype: 'float64' }), dy = randn([B, T, 4], { rng, dtype: 'float64' });
        const spec = everything(make(kind, 'sequential'), x, dy, lengths ? [...lengths] : undefined);
        for (const impl of ['conv', 'scan'] as const) {
          const got = everything(make(kind, impl), x, dy, lengths ? [...lengths] : undefined);
          assertClose(got.y, spec.y, 1e-9, 1e-9, `${impl} y`);
          got.g.forEach((g, i) => assertClose(g, spec.g[i]!, 1e-8, 1e-8, `${impl} grad ${i}`));
        }
      });
    }

    test('streaming step equals the batch output, and a carried state equals one long call', () => {
      const m = make(kind, 'conv', 'float32');
      const x = randn([2, 9, 3], { rng: new Rng(4) });
      const full = m.forward(x).output;
      let st = null;
      for (let t = 0; t < 9; t++) {
        const r = m.step(squeeze(narrow(x, 1, t, 1), 1), st);
        st = r.state;
        assertClose(r.output, Array.from(squeeze(narrow(full, 1, t, 1), 1).data()), 2e-5, 2e-5, `t=${t}`);
      }
      const a = make(kind, 'scan', 'float32').forward(narrow(x, 1, 0, 4));
      const b = make(kind, 'scan', 'float32').forward(narrow(x, 1, 4, 5), a.state);
      assertClose(b.output, Array.from(narrow(full, 1, 4, 5).data()), 2e-5, 2e-5);
    });

    test('gradcheck of the default form w.r.t. the input (float64; parameter gradients are pinned to the recurrence above)', () => {
      const m = new SSM({ kind, inputSize: 2, hiddenSize: 2, stateSize: 3, rng: new Rng(2), dtype: 'float64' });
      const w = randn([1, 5, 2], { rng: new Rng(3), dtype: 'float64' });
      assertGradcheck((x) => sum(mul(m.forward(x!).output, w)), [randn([1, 5, 2], { rng: new Rng(1), dtype: 'float64' })]);
    });
  });
}

test('SSM bad input', () => {
  assert.throws(() => new SSM({ kind: 'mamba' as 's4d', inputSize: 2, hiddenSize: 2 }), ArgumentError);
  assert.throws(() => new SSM({ kind: 's4d', inputSize: 2, hiddenSize: 2, impl: 'fft' as 'conv' }), ArgumentError);
  assert.throws(() => make('s4d', 'conv').forward(randn([2, 3, 4], { dtype: 'float64' })), ShapeError);
  assert.throws(() => make('lru', 'scan').forward(randn([2, 3, 3], { dtype: 'float64' }), null, { lengths: [3, 4] }), ArgumentError);
});
