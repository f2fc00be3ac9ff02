import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eye, randn, tensor } from '../../src/ops/creation.js';
import { add, mul } from '../../src/ops/elementwise.js';
import { narrow, squeeze } from '../../src/ops/movement.js';
import { sum } from '../../src/ops/reduce.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { SSM } from '../../src/nn/ssm/index.js';
import type { SSMImpl } from '../../src/nn/ssm/index.js';
import { LSSLKernel, hippoLegT } from '../../src/nn/ssm/lssl.js';
import { expm, solve } from '../../src/nn/ssm/linalg.js';
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
        const spec = everything(make(kind, 'recurrent'), x, dy, lengths ? [...lengths] : undefined);
        for (const impl of ['conv', 'fused', 'scan'] as const) {
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

describe('SSM lssl (dense HiPPO-LegT)', () => {
  test('HiPPO-LegT for N = 3 by hand', () => {
    const { A, B } = hippoLegT(3);
    const s3 = Math.sqrt(3), s5 = Math.sqrt(5), s15 = Math.sqrt(15);
    assertClose(A.flat(), [-1, s3, -s5, -s3, -3, s15, -s5, -s15, -5], 1e-12, 0);
    assertClose(B, [1, s3, s5], 1e-12, 0);
  });

  for (const disc of ['bilinear', 'zoh'] as const) {
    for (const learnA of [false, true]) {
      test(`${disc}${learnA ? ', learned A' : ''}: convolution = recurrence on outputs and every gradient (float64)`, () => {
        const mk = (impl: SSMImpl): SSM => new SSM({ kind: 'lssl', inputSize: 3, hiddenSize: 4, stateSize: 5, numLayers: 2, impl, discretization: disc, learnA, rng: new Rng(3), dtype: 'float64' });
        const rng = new Rng(11);
        const x = randn([3, 12, 3], { rng, dtype: 'float64' }), dy = randn([3, 12, 4], { rng, dtype: 'float64' });
        const spec = everything(mk('recurrent'), x, dy, [12, 5, 1]);
        const got = everything(mk('conv'), x, dy, [12, 5, 1]);
        assertClose(got.y, spec.y, 1e-9, 1e-9, 'y');
        got.g.forEach((g, i) => assertClose(g, spec.g[i]!, 1e-8, 1e-8, `grad ${i}`));
      });
    }
  }

  test('the Krylov-squaring kernel equals C Āᵏ B̄ by repeated products (T = 1, 2, 3, 7, 33)', () => {
    const k = new LSSLKernel(3, 6, 'bilinear', false, new Rng(2), 'float64');
    const { a, bb } = k.discretize();
    const A = a.data(), Bv = bb.data(), C = k.C.data();
    const [H, N] = [3, 6];
    for (const T of [1, 2, 3, 7, 33]) {
      const want: number[] = [];
      for (let h = 0; h < H; h++) {
        let v = Array.from({ length: N }, (_, i) => Bv[h * N + i]!);
        const row: number[] = [];
        for (let t = 0; t < T; t++) {
          row.push(v.reduce((s, x, i) => s + C[h * N + i]! * x, 0));
          v = v.map((_, i) => v.reduce((s, x, j) => s + A[h * N * N + i * N + j]! * x, 0));
        }
        want.push(...row);
      }
      const K = k.kernel(T);
      assert.deepEqual(K.shape, [H, T]);
      assertClose(K, want, 1e-12, 1e-12, `T=${T}`);
    }
  });

  test('ZOH equals the matrix exponential; bilinear agrees with it to O(Δ²)', () => {
    const mk = (discretization: 'bilinear' | 'zoh'): SSM => new SSM({ kind: 'lssl', inputSize: 2, hiddenSize: 2, stateSize: 4, discretization, rng: new Rng(1), dtype: 'float64' });
    const z = (mk('zoh').layers.list[0]!.kernel as LSSLKernel).discretize().a;
    const b = (mk('bilinear').layers.list[0]!.kernel as LSSLKernel).discretize().a;
    // Δ ≤ 0.1 and |A| ≤ ~7 here: the two agree to well under 1e-2
    const zd = z.data(), bd = b.data();
    for (let i = 0; i < zd.length; i++) assert.ok(Math.abs(zd[i]! - bd[i]!) < 2e-2, `entry ${i}: ${zd[i]} vs ${bd[i]}`);
    // e^{diag(d)} = diag(e^d)
    const e = expm(tensor([[0.3, 0], [0, -1.2]], [2, 2], { dtype: 'float64' }));
    assertClose(e, [Math.exp(0.3), 0, 0, Math.exp(-1.2)], 1e-12, 1e-12);
  });

  test('solve and expm gradchecks; streaming step equals the batch', () => {
    const rng = new Rng(5);
    const M = add(randn([2, 3, 3], { rng, dtype: 'float64' }), mul(eye(3, { dtype: 'float64' }), 3));
    assertGradcheck((m, r) => sum(mul(solve(m!, r!), randn([2, 3, 2], { rng: new Rng(6), dtype: 'float64' }))), [M, randn([2, 3, 2], { rng, dtype: 'float64' })]);
    assertGradcheck((a) => sum(mul(expm(a!), randn([3, 3], { rng: new Rng(7), dtype: 'float64' }))), [mul(randn([3, 3], { rng, dtype: 'float64' }), 0.5)]);
    const m = new SSM({ kind: 'lssl', inputSize: 3, hiddenSize: 4, stateSize: 5, numLayers: 2, rng: new Rng(4) });
    const x = randn([2, 6, 3], { rng: new Rng(8) });
    const full = m.forward(x).output;
    let st = null;
    for (let t = 0; t < 6; t++) {
      const r = m.step(squeeze(narrow(x, 1, t, 1), 1), st);
      st = r.state;
      assertClose(r.output, Array.from(squeeze(narrow(full, 1, t, 1), 1).data()), 2e-5, 2e-5, `t=${t}`);
    }
    assert.throws(() => new SSM({ kind: 'lssl', inputSize: 2, hiddenSize: 2, impl: 'scan' }), ArgumentError);
    assert.throws(() => new SSM({ kind: 'lssl', inputSize: 2, hiddenSize: 2, discretization: 'euler' as 'zoh' }), ArgumentError);
    assert.throws(() => solve(randn([2, 3, 3]), randn([2, 4, 1])), ShapeError);
  });
});
