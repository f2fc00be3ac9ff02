// The fused delta-rule kernel (impl 'fused': one backend kernel each way, hand-written backward)
// against its spec, the token-by-token recurrence of autodiff ops (impl 'recurrent'): outputs,
// final state and every gradient, in float64 (ref arithmetic) and float32 (the wasm kernel when
// RECURRENT_BACKEND=wasm), then through deltaProduct and the three layer stacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as rc from '../../src/index.js';
import { rand, randn, scalar } from '../../src/ops/creation.js';
import { add, mul, neg } from '../../src/ops/elementwise.js';
import { l2Normalize } from '../../src/ops/norm.js';
import { sum } from '../../src/ops/reduce.js';
import { cast } from '../../src/ops/movement.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Backend, Buffer, DeltaRuleArgs } from '../../src/backend/types.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { deltaProduct, deltaRule } from '../../src/nn/delta/delta-rule.js';
import type { DeltaImpl } from '../../src/nn/delta/delta-rule.js';
import { deltaRuleFused } from '../../src/nn/delta/fused.js';
import { DeltaNet, DeltaProduct, GatedDeltaNet } from '../../src/nn/delta/deltanet.js';
import type { DeltaProductOptions } from '../../src/nn/delta/deltanet.js';
import { assertClose, assertGradcheck, relRms } from '../helpers.js';

/** Elementwise closeness relative to the largest magnitude of `want` (float32 runs). */
function closeScaled(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, msg: string): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  assertClose(Array.from(got), Array.from(want), rel * Math.max(scale, 1e-30), rel, msg);
}

/** q, k (L2-normalised), v, beta ∈ (0, 2), g ∈ [-2, 0], S0, dO, dS for B=3, H=1 (BH = 3), dk = 5, dv = 3. */
function inputs(T: number, seed: number, dtype: DType, B = 3, H = 1, dk = 5, dv = 3): Record<string, Tensor> {
  const rng = new Rng(seed);
  const f = 'float64' as const;
  const mk = (t: Tensor): Tensor => (dtype === 'float64' ? t : cast(t, dtype));
  return {
    q: mk(randn([B, H, T, dk], { rng, dtype: f })), k: mk(l2Normalize(randn([B, H, T, dk], { rng, dtype: f }))),
    v: mk(randn([B, H, T, dv], { rng, dtype: f })), beta: mk(mul(rand([B, H, T], { rng, dtype: f }), 2)),
    g: mk(neg(mul(rand([B, H, T], { rng, dtype: f }), 2))), s0: mk(randn([B, H, dv, dk], { rng, dtype: f })),
    dO: mk(randn([B, H, T, dv], { rng, dtype: f })), dS: mk(randn([B, H, dv, dk], { rng, dtype: f })),
  };
}

/** Value of sum(o·dO) + sum(S_T·dS) and its gradients with respect to `wrt` (names in `x`). */
function runRule(impl: DeltaImpl, x: Record<string, Tensor>, wrt: string[], withG: boolean, withS0: boolean) {
  const r = vjp((p: Tensor[]) => {
    const get = (n: string): Tensor => (wrt.includes(n) ? p[wrt.indexOf(n)]! : x[n]!);
    const out = deltaRule(get('q'), get('k'), get('v'), get('beta'), { impl, g: withG ? get('g') : null, state: withS0 ? get('s0') : null });
    return add(sum(mul(out.o, x.dO!)), sum(mul(out.state, x.dS!)));
  }, wrt.map((n) => x[n]!), scalar(1, { dtype: x.q!.dtype }));
  return { value: r.value.item(), grads: (r.grads as Tensor[]).map((t) => Array.from(t.data())) };
}

for (const dtype of ['float64', 'float32'] as const) {
  test(`fused = recurrent on o, final state and every gradient (${dtype}; T 1, 5, 13; with/without g and S0)`, () => {
    const rel = dtype === 'float64' ? 1e-10 : 1e-4;
    for (const T of [1, 5, 13]) {
      for (const withG of [false, true]) {
        for (const withS0 of [false, true]) {
          const x = inputs(T, 100 * T + (withG ? 10 : 0) + (withS0 ? 1 : 0), dtype);
          const tag = `${dtype} T=${T} g=${withG} S0=${withS0}`;
          // forward without a tape (only the running state is kept)
          const opts = { g: withG ? x.g! : null, state: withS0 ? x.s0! : null };
          const spec = deltaRule(x.q!, x.k!, x.v!, x.beta!, { ...opts, impl: 'recurrent' });
          const got = deltaRule(x.q!, x.k!, x.v!, x.beta!, { ...opts, impl: 'fused' });
          assert.deepEqual(got.o.shape, spec.o.shape);
          assert.deepEqual(got.state.shape, spec.state.shape);
          assert.equal(got.o.dtype, dtype);
          closeScaled(got.o.data(), spec.o.data(), rel, `${tag} o`);
          closeScaled(got.state.data(), spec.state.data(), rel, `${tag} state`);
          // every gradient, through the tape
          const wrt = ['q', 'k', 'v', 'beta', ...(withG ? ['g'] : []), ...(withS0 ? ['s0'] : [])];
          const a = runRule('recurrent', x, wrt, withG, withS0), b = runRule('fused', x, wrt, withG, withS0);
          assert.ok(Math.abs(a.value - b.value) <= rel * (1 + Math.abs(a.value)) * 10, `${tag} value ${b.value} vs ${a.value}`);
          b.grads.forEach((gr, i) => closeScaled(gr, a.grads[i]!, rel, `${tag} d${wrt[i]}`));
          if (dtype === 'float32') b.grads.forEach((gr, i) => assert.ok(relRms(gr, a.grads[i]!) < 1e-5, `${tag} d${wrt[i]} rel-RMS`));
        }
      }
    }
  });
}

test('fused: gradients of a subset of inputs (g and S0 constant), only o used, dk multiple of 4, dv > dk', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const rel = dtype === 'float64' ? 1e-10 : 1e-4;
    const x = inputs(7, 5, dtype, 2, 3, 8, 11);
    const grads = (impl: DeltaImpl) => {
      const r = vjp((p: Tensor[]) => sum(mul(deltaRule(p[0]!, x.k!, p[1]!, x.beta!, { impl, g: x.g!, state: x.s0! }).o, x.dO!)),
        [x.q!, x.v!], scalar(1, { dtype }));
      return (r.grads as Tensor[]).map((t) => Array.from(t.data()));
    };
    const a = grads('recurrent'), b = grads('fused');
    b.forEach((gr, i) => closeScaled(gr, a[i]!, rel, `${dtype} grad ${i}`));
  }
});

test('deltaProduct with impl fused = recurrent on o, state and every gradient (n_h = 3, g, S0)', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const rel = dtype === 'float64' ? 1e-10 : 1e-4;
    const rng = new Rng(11);
    const f = 'float64' as const;
    const T = 5, nh = 3, dk = 6, dv = 3;
    const c = (t: Tensor): Tensor => (dtype === 'float64' ? t : cast(t, dtype));
    const q = c(randn([1, 3, T, dk], { rng, dtype: f })), k = c(l2Normalize(randn([1, 3, T, nh, dk], { rng, dtype: f })));
    const v = c(randn([1, 3, T, nh, dv], { rng, dtype: f })), b = c(mul(rand([1, 3, T, nh], { rng, dtype: f }), 2));
    const g = c(neg(rand([1, 3, T], { rng, dtype: f }))), s0 = c(randn([1, 3, dv, dk], { rng, dtype: f }));
    const dO = c(randn([1, 3, T, dv], { rng, dtype: f }));
    const run = (impl: DeltaImpl) => {
      const res = vjp((p: Tensor[]) => {
        const out = deltaProduct(p[0]!, p[1]!, p[2]!, p[3]!, { impl, g: p[4]!, state: p[5]! });
        return add(sum(mul(out.o, dO)), sum(out.state));
      }, [q, k, v, b, g, s0], scalar(1, { dtype }));
      return { value: res.value.item(), grads: (res.grads as Tensor[]).map((t) => Array.from(t.data())) };
    };
    const spec = run('recurrent'), got = run('fused');
    assert.ok(Math.abs(got.value - spec.value) <= 10 * rel * (1 + Math.abs(spec.value)), `${dtype} value`);
    got.grads.forEach((gr, i) => closeScaled(gr, spec.grads[i]!, rel, `${dtype} grad ${i}`));
    const a = deltaProduct(q, k, v, b, { impl: 'recurrent', g, state: s0 }), z = deltaProduct(q, k, v, b, { impl: 'fused', g, state: s0 });
    closeScaled(z.o.data(), a.o.data(), rel, `${dtype} o`);
    closeScaled(z.state.data(), a.state.data(), rel, `${dtype} state`);
  }
});

const VARIANTS = {
  deltanet: (o: DeltaProductOptions) => new DeltaNet(o),
  'gated-deltanet': (o: DeltaProductOptions) => new GatedDeltaNet(o),
  deltaproduct: (o: DeltaProductOptions) => new DeltaProduct({ ...o, householder: 2, forgetGate: true }),
} as const;

for (const [name, make] of Object.entries(VARIANTS)) {
  test(`${name} layer: fused = recurrent on outputs, final state and every parameter gradient (float64, ragged lengths)`, () => {
    const mk = (impl: DeltaImpl) => make({ inputSize: 3, hiddenSize: 8, numLayers: 2, heads: 2, impl, allowNegEigval: true, rng: new Rng(1), dtype: 'float64' });
    const rng = new Rng(2);
    const x = randn([3, 9, 3], { rng, dtype: 'float64' }), dy = randn([3, 9, 8], { rng, dtype: 'float64' });
    const res = (['recurrent', 'fused'] as const).map((impl) => {
      const m = mk(impl);
      assert.equal(m.impl, impl);
      const params = { ...m.parameterRecord(), __x: x };
      const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, null, { lengths: [9, 5, 1] }).output, params, dy);
      const st = m.forward(x, null, { lengths: [9, 5, 1] }).state;
      return {
        y: Array.from(r.value.data()),
        S: Array.from((st as Record<string, Tensor>).S!.data()),
        g: Object.entries(r.grads as Record<string, Tensor>).map(([k, t]) => [k, Array.from(t.data())] as const),
      };
    });
    assertClose(res[1]!.y, res[0]!.y, 1e-10, 1e-10, 'y');
    assertClose(res[1]!.S, res[0]!.S, 1e-10, 1e-10, 'S');
    assert.equal(res[1]!.g.length, res[0]!.g.length);
    res[1]!.g.forEach(([k, g], i) => assertClose(g, res[0]!.g[i]![1], 1e-9, 1e-9, `grad ${k}`));
    assert.ok(res[1]!.g.every(([, g]) => g.some((v) => v !== 0)), 'every parameter gets a gradient');
  });
}

test('gradcheck of the fused op (all six inputs)', () => {
  const x = inputs(4, 9, 'float64', 1, 2, 3, 2);
  const w = randn([1, 2, 4, 2], { rng: new Rng(3), dtype: 'float64' }), w2 = randn([1, 2, 2, 3], { rng: new Rng(4), dtype: 'float64' });
  assertGradcheck((q, k, v, b, g, s0) => {
    const r = deltaRuleFused(q!, k!, v!, b!, { g: g!, state: s0! });
    return add(sum(mul(r.o, w)), sum(mul(r.state, w2)));
  }, [x.q!, x.k!, x.v!, x.beta!, x.g!, x.s0!]);
  assertGradcheck((q, k, v, b) => sum(mul(deltaRule(q!, k!, v!, b!, { impl: 'fused' }).o, w)), [x.q!, x.k!, x.v!, x.beta!]);
});

test('fused: bad input gets a typed error', () => {
  const x = inputs(4, 1, 'float64', 1, 2, 3, 2);
  const { q, k, v, beta, g, s0 } = x as Record<string, Tensor>;
  assert.throws(() => deltaRule(q!, k!, v!, randn([1, 2, 5], { dtype: 'float64' }), { impl: 'fused' }), ShapeError);
  assert.throws(() => deltaRule(q!, k!, v!, beta!, { impl: 'fused', state: randn([1, 2, 3, 2], { dtype: 'float64' }) }), ShapeError);
  assert.throws(() => deltaRule(q!, k!, v!, beta!, { impl: 'fused', g: randn([1, 2, 3], { dtype: 'float64' }) }), ShapeError);
  assert.throws(() => deltaRuleFused(q!, k!, v!, beta!, { g: g!, state: randn([2, 2, 2, 3], { dtype: 'float64' }) }), ShapeError);
  assert.throws(() => deltaRuleFused(q!, randn([1, 2, 4, 4], { dtype: 'float64' }), v!, beta!), ShapeError);
  assert.throws(() => deltaRuleFused(randn([1, 2, 0, 3], { dtype: 'float64' }), randn([1, 2, 0, 3], { dtype: 'float64' }),
    randn([1, 2, 0, 2], { dtype: 'float64' }), randn([1, 2, 0], { dtype: 'float64' })), ShapeError);
  assert.throws(() => deltaRuleFused(q!, k!, v!, cast(beta!, 'float32')), DTypeError);
  assert.throws(() => deltaRuleFused(q!, k!, v!, beta!, { g: s0! }), ShapeError);
  assert.throws(() => deltaRuleFused(q!, k!, 'v' as unknown as Tensor, beta!), ArgumentError);
  assert.throws(() => new DeltaNet({ inputSize: 3, hiddenSize: 8, impl: 'fast' as DeltaImpl }), ArgumentError);
  assert.equal(new GatedDeltaNet({ inputSize: 3, hiddenSize: 8, impl: 'fused' }).impl, 'fused');
});

test('delta-rule kernels: every backend = ref on float32 buffers; 1 and 2 threads give identical bits; no unwritten output', () => {
  const ref = rc.setBackend('ref');
  const others: Backend[] = rc.listBackends().filter((n) => n !== 'ref').map((n) => rc.setBackend(n));
  rc.setBackend(process.env.RECURRENT_BACKEND ?? 'wasm');
  const rng = new Rng(77);
  const before = rc.wasmInfo()?.threads ?? 1;
  // BH = 7 (not a multiple of 4, uneven split), dk = 18 (f32x4 + tail); big enough to use 2 threads
  for (const [BH, T, dk, dv, withG, withS0, withDS] of [[7, 64, 18, 21, true, true, true], [3, 5, 3, 2, false, false, false], [5, 9, 8, 4, true, false, true]] as const) {
    const norm = (a: Float32Array, rows: number, n: number): Float32Array => {
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[r * n + j]! ** 2;
        for (let j = 0; j < n; j++) a[r * n + j]! /= Math.sqrt(s);
      }
      return a;
    };
    const rn = (n: number, f = (z: number) => z): Float32Array => Float32Array.from({ length: n }, () => f(rng.normal()));
    const host = {
      q: rn(BH * T * dk), k: norm(rn(BH * T * dk), BH * T, dk), v: rn(BH * T * dv), beta: rn(BH * T, (z) => 1 / (1 + Math.exp(-z))),
      g: rn(BH * T, (z) => -Math.abs(z) * 0.3), s0: rn(BH * dv * dk), dO: rn(BH * T * dv), dS: rn(BH * dv * dk),
    };
    const runOn = (b: Backend, threads: number): Float64Array[] => {
      if (b.name === 'wasm') rc.setThreads(threads);
      const made: Buffer[] = [];
      const mk = (data: ArrayLike<number> | null, n = data ? data.length : 0): Buffer => {
        const buf = b.alloc('float32', n);
        if (data) b.write(buf, data);
        made.push(buf);
        return buf;
      };
      const args: DeltaRuleArgs = { BH, T, dk, dv, q: mk(host.q), k: mk(host.k), v: mk(host.v), beta: mk(host.beta),
        g: withG ? mk(host.g) : null, s0: withS0 ? mk(host.s0) : null };
      const o = mk(null, BH * T * dv), states = mk(null, BH * T * dv * dk), sF = mk(null, BH * dv * dk);
      const o2 = mk(null, BH * T * dv), sF2 = mk(null, BH * dv * dk);
      b.deltaRuleForward(args, o, states, sF);
      b.deltaRuleForward(args, o2, null, sF2);
      const dq = mk(null, BH * T * dk), dk_ = mk(null, BH * T * dk), dv_ = mk(null, BH * T * dv), db = mk(null, BH * T);
      const dg = withG ? mk(null, BH * T) : null, dS0 = withS0 ? mk(null, BH * dv * dk) : null;
      b.deltaRuleBackward(args, states, mk(host.dO), withDS ? mk(host.dS) : null, dq, dk_, dv_, db, dg, dS0);
      // the same backward without dS0 (the kernel's own workspace) must give the same other gradients
      const dq2 = mk(null, BH * T * dk), dk2 = mk(null, BH * T * dk), dv2 = mk(null, BH * T * dv), db2 = mk(null, BH * T);
      b.deltaRuleBackward(args, states, mk(host.dO), withDS ? mk(host.dS) : null, dq2, dk2, dv2, db2, null, null);
      const outs = [o, states, sF, o2, sF2, dq, dk_, dv_, db, ...(dg ? [dg] : []), ...(dS0 ? [dS0] : []), dq2, dk2, dv2, db2]
        .map((x) => Float64Array.from(b.read(x)));
      for (const m of made) b.free(m);
      return outs;
    };
    const want = runOn(ref, 1);
    const tag = `BH=${BH} T=${T} dk=${dk} dv=${dv} g=${withG} S0=${withS0} dS=${withDS}`;
    want.forEach((w, i) => assert.ok(w.every((z) => Number.isFinite(z)), `${tag}: ref output ${i} not finite`));
    assert.deepEqual(want[3], want[0], `${tag}: o without stored states`);
    assert.deepEqual(want[4], want[2], `${tag}: final state without stored states`);
    for (const other of others) {
      const got1 = runOn(other, 1), got2 = runOn(other, 2);
      want.forEach((w, i) => {
        const g1 = got1[i]!;
        assert.equal(g1.length, w.length);
        assert.ok(g1.every((z) => Number.isFinite(z)), `${tag} on ${other.name}: output ${i} not finite (unwritten memory?)`);
        assert.ok(relRms(g1, w) < 1e-5, `${tag} on ${other.name}: output ${i} rel-RMS ${relRms(g1, w)}`);
        assert.deepEqual(got2[i], g1, `${tag} on ${other.name}: 2 threads differ from 1 thread (output ${i})`);
      });
    }
  }
  if (rc.wasmInfo()) rc.setThreads(before);
});

test('fused: no tensor outlives its use (stored states freed with the tape; none kept without one)', () => {
  const x = inputs(6, 3, 'float32', 2, 2, 5, 4);
  const one = scalar(1);
  const before = rc.memory().numTensors;
  const r = vjp((p: Tensor[]) => {
    const out = deltaRule(p[0]!, p[1]!, p[2]!, p[3]!, { impl: 'fused', g: p[4]!, state: p[5]! });
    return add(sum(mul(out.o, x.dO!)), sum(out.state));
  }, [x.q!, x.k!, x.v!, x.beta!, x.g!, x.s0!], one);
  r.value.dispose();
  for (const t of r.grads as Tensor[]) t.dispose();
  assert.equal(rc.memory().numTensors, before, 'after vjp');
  const f = deltaRule(x.q!, x.k!, x.v!, x.beta!, { impl: 'fused', g: x.g!, state: x.s0! });
  assert.equal(rc.memory().numTensors, before + 2, 'forward without a tape makes only o and the state');
  f.o.dispose();
  f.state.dispose();
  assert.equal(rc.memory().numTensors, before);
});
