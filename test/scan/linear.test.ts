import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randn, rand, tensor } from '../../src/ops/creation.js';
import { add, mul, maximum } from '../../src/ops/elementwise.js';
import { permute } from '../../src/ops/movement.js';
import { cumsum, sum } from '../../src/ops/reduce.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { associativeScan, chunkedScan, linearRecurrence, scanSequential } from '../../src/scan/index.js';
import type { Combine, LinearImpl } from '../../src/scan/index.js';
import { assertClose, assertGradcheck } from '../helpers.js';

type Case = { T: number; rest: number[]; h0: boolean; reverse: boolean };
const CASES: Case[] = [
  { T: 1, rest: [3], h0: true, reverse: false },
  { T: 2, rest: [5], h0: false, reverse: false },
  { T: 7, rest: [4], h0: true, reverse: true },
  { T: 33, rest: [2, 3], h0: true, reverse: false },
  { T: 64, rest: [9], h0: false, reverse: true },
  // enough lanes for the wasm kernel to split them over threads, with a scalar tail
  { T: 64, rest: [601], h0: true, reverse: true },
];

function inputs(c: Case, dtype: 'float32' | 'float64', seed: number): { a: Tensor; b: Tensor; h0: Tensor | null; dy: Tensor } {
  const rng = new Rng(seed);
  const shape = [c.T, ...c.rest];
  // |a| < 1 keeps long products bounded, as in a stable state-space layer.
  const a = add(mul(rand(shape, { rng, dtype }), 1.6), -0.8);
  return { a, b: randn(shape, { rng, dtype }), h0: c.h0 ? randn(c.rest, { rng, dtype }) : null, dy: randn(shape, { rng, dtype }) };
}

function run(impl: LinearImpl, x: ReturnType<typeof inputs>, reverse: boolean): { h: number[]; grads: number[][] } {
  const params: Tensor[] = x.h0 ? [x.a, x.b, x.h0] : [x.a, x.b];
  const { value, grads } = vjp((p: Tensor[]) => linearRecurrence(p[0]!, p[1]!, { h0: p[2] ?? null, reverse, impl, chunk: 4 }), params, x.dy);
  return { h: Array.from(value.data()), grads: (grads as Tensor[]).map((g) => Array.from(g.data())) };
}

describe('linearRecurrence: every form equals the sequential spec (values and all gradients)', () => {
  for (const c of CASES) {
    for (const dtype of ['float32', 'float64'] as const) {
      test(`T=${c.T} rest=[${c.rest}] h0=${c.h0} reverse=${c.reverse} ${dtype}`, () => {
        const x = inputs(c, dtype, c.T * 7 + c.rest[0]!);
        const spec = run('recurrent', x, c.reverse);
        const tol = dtype === 'float64' ? 1e-12 : 2e-5;
        for (const impl of ['fused', 'associative', 'chunked'] as const) {
          const got = run(impl, x, c.reverse);
          assertClose(got.h, spec.h, tol, tol, `${impl} h`);
          got.grads.forEach((g, i) => assertClose(g, spec.grads[i]!, tol, tol, `${impl} grad ${i}`));
        }
      });
    }
  }

  test('the sequential loop itself: h_t = a_t h_{t-1} + b_t by hand', () => {
    const a = tensor([[0.5], [2], [-1]]), b = tensor([[1], [1], [3]]);
    assertClose(linearRecurrence(a, b, { h0: tensor([4]), impl: 'recurrent' }), [3, 7, -4]);
    assertClose(linearRecurrence(a, b, { h0: tensor([4]) }), [3, 7, -4]);
    // reverse: h_2 = -1*4 + 3 = -1, h_1 = 2*(-1) + 1 = -1, h_0 = 0.5*(-1) + 1 = 0.5
    assertClose(linearRecurrence(a, b, { h0: tensor([4]), reverse: true }), [0.5, -1, -1]);
  });

  test('fused gradcheck (float64, central differences)', () => {
    const x = inputs({ T: 6, rest: [3], h0: true, reverse: false }, 'float64', 3);
    assertGradcheck((a, b, h0) => sum(mul(linearRecurrence(a!, b!, { h0: h0! }), x.dy)), [x.a, x.b, x.h0!]);
    assertGradcheck((a, b) => sum(mul(linearRecurrence(a!, b!, { reverse: true }), x.dy)), [x.a, x.b]);
  });

  test('bad input gets a typed error', () => {
    const a = randn([4, 3]);
    assert.throws(() => linearRecurrence(a, randn([4, 2])), ShapeError);
    assert.throws(() => linearRecurrence(a, randn([4, 3], { dtype: 'float64' })), DTypeError);
    assert.throws(() => linearRecurrence(a, randn([4, 3]), { h0: randn([4]) }), ShapeError);
    assert.throws(() => linearRecurrence(a, randn([4, 3]), { impl: 'magic' as LinearImpl }), ArgumentError);
    assert.throws(() => linearRecurrence(a, randn([4, 3]), { impl: 'chunked', chunk: 0 }), ArgumentError);
  });
});

describe('generic scans', () => {
  test('scanSequential accumulates like cumsum and returns the carry', () => {
    const x = randn([9, 4], { rng: new Rng(1) });
    const r = scanSequential((c, [xt]) => {
      const s = add(c[0]!, xt!);
      return { carry: [s], y: [s] };
    }, [tensor([0, 0, 0, 0])], [x]);
    assertClose(r.ys[0]!, Array.from(cumsum(x, 0).data()), 1e-5, 1e-5);
    assertClose(r.carry[0]!, Array.from(sum(x, 0).data()), 1e-5, 1e-5);
  });

  test('scanSequential along another axis = along axis 0 after a transpose (values and gradients); reverse keeps time order', () => {
    const x = randn([2, 3, 7, 4], { rng: new Rng(2), dtype: 'float64' }); // time on axis 2
    const w = randn([2, 3, 7, 4], { rng: new Rng(3), dtype: 'float64' });
    const cell = (c: Tensor[], [xt]: Tensor[]): { carry: Tensor[]; y: Tensor[] } => {
      const s = add(mul(c[0]!, 0.5), mul(xt!, xt!));
      return { carry: [s], y: [s] };
    };
    for (const reverse of [false, true]) {
      const along = (p: Tensor): Tensor => {
        const r = scanSequential(cell, [mul(sum(p, 2), 0)], [p], { axis: 2, reverse });
        return add(sum(mul(r.ys[0]!, w)), sum(r.carry[0]!));
      };
      const moved = (p: Tensor): Tensor => {
        const r = scanSequential(cell, [mul(sum(p, 2), 0)], [permute(p, [2, 0, 1, 3])], { reverse });
        return add(sum(mul(permute(r.ys[0]!, [1, 2, 0, 3]), w)), sum(r.carry[0]!));
      };
      const a = vjp(along, x, tensor(1, [], { dtype: 'float64' })), b = vjp(moved, x, tensor(1, [], { dtype: 'float64' }));
      assertClose(a.value, Array.from(b.value.data()), 1e-12, 1e-12, `value reverse=${reverse}`);
      assertClose(a.grads, Array.from(b.grads.data()), 1e-12, 1e-12, `grad reverse=${reverse}`);
    }
    assertGradcheck((p) => sum(mul(scanSequential(cell, [mul(sum(p!, 2), 0)], [p!], { axis: 2 }).ys[0]!, w)), [x]);
    assert.throws(() => scanSequential(cell, [], [x, randn([2, 3, 6, 4])], { axis: 2 }), ArgumentError);
    assert.throws(() => scanSequential(cell, [], [x], { axis: 4 }), ArgumentError);
    assert.throws(() => scanSequential(cell, [], [x], { axis: -1 }), ArgumentError);
  });

  test('associative and chunked scans with add and max match the running reductions, any length', () => {
    for (const T of [1, 2, 3, 5, 8, 13, 100]) {
      const x = randn([T, 3], { rng: new Rng(T) });
      const plus: Combine = ([p], [q]) => [add(p!, q!)];
      assertClose(associativeScan(plus, [x])[0]!, Array.from(cumsum(x, 0).data()), 1e-5, 1e-5, `T=${T}`);
      assertClose(chunkedScan(plus, [x], { chunk: 3 })[0]!, Array.from(cumsum(x, 0).data()), 1e-5, 1e-5, `chunked T=${T}`);
      const xs = Array.from(x.data());
      const runMax: number[] = [];
      for (let t = 0; t < T; t++) for (let j = 0; j < 3; j++) runMax.push(Math.max(xs[t * 3 + j]!, t ? runMax[(t - 1) * 3 + j]! : -Infinity));
      assertClose(associativeScan(([p], [q]) => [maximum(p!, q!)], [x])[0]!, runMax);
    }
  });

  test('reverse scans run from the end', () => {
    const x = tensor([[1], [2], [3], [4]]);
    const plus: Combine = ([p], [q]) => [add(p!, q!)];
    assertClose(associativeScan(plus, [x], { reverse: true })[0]!, [10, 9, 7, 4]);
    assertClose(chunkedScan(plus, [x], { reverse: true, chunk: 3 })[0]!, [10, 9, 7, 4]);
  });

  test('bad input: empty arrays, mismatched lengths, wrong combine width', () => {
    assert.throws(() => associativeScan(([p]) => [p!], []), ArgumentError);
    assert.throws(() => associativeScan(([p]) => [p!], [randn([3]), randn([4])]), ArgumentError);
    assert.throws(() => associativeScan(() => [], [randn([3])]), ArgumentError);
    assert.throws(() => scanSequential((c) => ({ carry: c, y: [] }), [], [randn([0, 2])]), ArgumentError);
  });
});
