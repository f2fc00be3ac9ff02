import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randn, tensor } from '../../src/ops/creation.js';
import { mul } from '../../src/ops/elementwise.js';
import { sum as rsum } from '../../src/ops/reduce.js';
import { narrow } from '../../src/ops/movement.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { prefixAttention, prefixAttentionQuadratic } from '../../src/nn/aaren/prefix.js';
import { assertClose, assertGradcheck } from '../helpers.js';

function grads(f: (s: Tensor, v: Tensor) => Tensor, s: Tensor, v: Tensor, dy: Tensor): { o: number[]; ds: number[]; dv: number[] } {
  const r = vjp((p: Tensor[]) => f(p[0]!, p[1]!), [s, v], dy);
  const g = r.grads as Tensor[];
  return { o: Array.from(r.value.data()), ds: Array.from(g[0]!.data()), dv: Array.from(g[1]!.data()) };
}

describe('Aaren prefix attention: scan forms equal softmax attention over every prefix', () => {
  for (const [T, scale, dtype] of [[1, 1, 'float64'], [2, 1, 'float64'], [7, 3, 'float64'], [33, 1, 'float32'], [20, 80, 'float64'], [64, 80, 'float32']] as const) {
    test(`T=${T}, scores up to ±${scale * 3}, ${dtype}`, () => {
      const rng = new Rng(T + scale);
      const s = mul(randn([T, 2, 3], { rng, dtype }), scale);
      const v = randn([T, 2, 3, 4], { rng, dtype });
      const dy = randn([T, 2, 3, 4], { rng, dtype });
      const oracle = grads((a, b) => prefixAttentionQuadratic(a, b), s, v, dy);
      assert.ok(oracle.o.every(Number.isFinite));
      const tol = dtype === 'float64' ? 1e-10 : 2e-5;
      for (const impl of ['parallel', 'recurrent'] as const) {
        const got = grads((a, b) => prefixAttention(a, b, { impl }).o, s, v, dy);
        assertClose(got.o, oracle.o, tol, tol, `${impl} o`);
        assertClose(got.ds, oracle.ds, tol * 10, tol * 10, `${impl} ds`);
        assertClose(got.dv, oracle.dv, tol, tol, `${impl} dv`);
      }
    });
  }

  test('the last output is the softmax-weighted mean of all values (by hand, T=3)', () => {
    const s = tensor([[0], [Math.log(2)], [Math.log(5)]], [3, 1], { dtype: 'float64' });
    const v = tensor([[[1]], [[10]], [[100]]], [3, 1, 1], { dtype: 'float64' });
    // weights 1:2:5 at t=2; 1:2 at t=1
    assertClose(prefixAttention(s, v).o, [1, 21 / 3, 521 / 8], 1e-12, 1e-12);
  });

  test('a state carried across chunks gives the same outputs as one pass', () => {
    const rng = new Rng(5);
    const s = mul(randn([12, 3], { rng }), 20), v = randn([12, 3, 2], { rng });
    const whole = prefixAttention(s, v);
    const first = prefixAttention(narrow(s, 0, 0, 5), narrow(v, 0, 0, 5));
    for (const impl of ['parallel', 'recurrent'] as const) {
      const second = prefixAttention(narrow(s, 0, 5, 7), narrow(v, 0, 5, 7), { state: first.state, impl });
      assertClose(second.o, Array.from(narrow(whole.o, 0, 5, 7).data()), 1e-5, 1e-5, impl);
      assertClose(second.state.w, Array.from(whole.state.w.data()), 1e-4, 1e-5, impl);
    }
  });

  test('gradcheck of the parallel form (float64)', () => {
    const rng = new Rng(2);
    const s = randn([5, 2], { rng, dtype: 'float64' }), v = randn([5, 2, 3], { rng, dtype: 'float64' });
    const w = randn([5, 2, 3], { rng, dtype: 'float64' });
    assertGradcheck((a, b) => rsum(mul(prefixAttention(a!, b!).o, w)), [s, v]);
  });

  test('bad input', () => {
    assert.throws(() => prefixAttention(randn([4, 2]), randn([4, 3, 1])), ShapeError);
    assert.throws(() => prefixAttention(randn([4, 2]), randn([4, 2, 1]), { impl: 'x' as 'parallel' }), ArgumentError);
    assert.throws(() => prefixAttentionQuadratic(randn([4]), randn([4])), ShapeError);
  });
});
