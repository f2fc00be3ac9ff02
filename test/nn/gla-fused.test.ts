// The fused gated-linear-attention kernel (impl 'fused': one backend kernel each way, hand-written
// backward) against its spec, the token-by-token recurrence of autodiff ops (impl 'recurrent'):
// outputs, final state and every gradient, in float64 (ref arithmetic) and float32 (the wasm kernel
// when RECURRENT_BACKEND=wasm), for the scalar and the per-channel gate, then through the GLA and
// Mamba-2 stacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as rc from '../../src/index.js';
import { rand, randn, scalar } from '../../src/ops/creation.js';
import { add, mul, neg, pow } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { cast, narrow, squeeze } from '../../src/ops/movement.js';
import { vjp } from '../../src/autodiff/grad.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Backend, Buffer, GLAArgs } from '../../src/backend/types.js';
import { ArgumentError, DTypeError, ShapeError } from '../../src/errors.js';
import { GLA, gatedLinearAttention } from '../../src/nn/gla/index.js';
import type { GLAImpl } from '../../src/nn/gla/index.js';
import { glaFused } from '../../src/nn/gla/fused.js';
import { Mamba2 } from '../../src/nn/mamba2/index.js';
import { assertClose, assertGradcheck, relRms } from '../helpers.js';

/** Elementwise closeness relative to the largest magnitude of `want` (float32 runs). */
function closeScaled(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, msg: string): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  assertClose(Array.from(got), Array.from(want), rel * Math.max(scale, 1e-30), rel, msg);
}

/**
 * q, k, v, g (log gate −20·u³, u ∈ [0, 1): mostly mild, down to −20), S0, dO, dS for B = 3, H = 1
 * (BH = 3), dk = 5, dv = 3 by default; g is [B, H, T, dk] for the vector gate, else [B, H, T].
 */
function inputs(T: number, seed: number, dtype: DType, vector: boolean, B = 3, H = 1, dk = 5, dv = 3): Record<string, Tensor> {
  const rng = new Rng(seed);
  const f = 'float64' as const;
  const mk = (t: Tensor): Tensor => (dtype === 'float64' ? t : cast(t, dtype));
  return {
    q: mk(randn([B, H, T, dk], { rng, dtype: f })), k: mk(randn([B, H, T, dk], { rng, dtype: f })),
    v: mk(randn([B, H, T, dv], { rng, dtype: f })),
    g: mk(neg(mul(pow(rand(vector ? [B, H, T, dk] : [B, H, T], { rng, dtype: f }), 3), 20))),
    s0: mk(randn([B, H, dk, dv], { rng, dtype: f })),
    dO: mk(randn([B, H, T, dv], { rng, dtype: f })), dS: mk(randn([B, H, dk, dv], { rng, dtype: f })),
  };
}

/** Value of sum(o·dO) + sum(S_T·dS) and its gradients with respect to `wrt` (names in `x`). */
function runGLA(impl: GLAImpl, x: Record<string, Tensor>, wrt: string[], withS0: boolean) {
  const r = vjp((p: Tensor[]) => {
    const get = (n: string): Tensor => (wrt.includes(n) ? p[wrt.indexOf(n)]! : x[n]!);
    const out = gatedLinearAttention(get('q'), get('k'), get('v'), get('g'), { impl, state: withS0 ? get('s0') : null });
    return add(sum(mul(out.o, x.dO!)), sum(mul(out.state, x.dS!)));
  }, wrt.map((n) => x[n]!), scalar(1, { dtype: x.q!.dtype }));
  return { value: r.value.item(), grads: (r.grads as Tensor[]).map((t) => Array.from(t.data())) };
}

for (const dtype of ['float64', 'float32'] as const) {
  test(`fused = recurrent on o, final state and every gradient (${dtype}; scalar and vector gate; T 1, 5, 13; with/without S0)`, () => {
    const rel = dtype === 'float64' ? 1e-10 : 1e-4;
    for (const vector of [false, true]) {
      for (const T of [1, 5, 13]) {
        for (const withS0 of [false, true]) {
          const x = inputs(T, 100 * T + (vector ? 10 : 0) + (withS0 ? 1 : 0), dtype, vector);
          const tag = `${dtype} vector=${vector} T=${T} S0=${withS0}`;
          // forward without a tape (only the running state is kept)
          const state = withS0 ? x.s0! : null;
          const spec = gatedLinearAttention(x.q!, x.k!, x.v!, x.g!, { impl: 'recurrent', state });
          const got = gatedLinearAttention(x.q!, x.k!, x.v!, x.g!, { impl: 'fused', state });
          assert.deepEqual(got.o.shape, spec.o.shape);
          assert.deepEqual(got.state.shape, spec.state.shape);
          assert.equal(got.o.dtype, dtype);
          assert.equal(got.state.dtype, dtype);
          closeScaled(got.o.data(), spec.o.data(), rel, `${tag} o`);
          closeScaled(got.state.data(), spec.state.data(), rel, `${tag} state`);
          // every gradient, through the tape
          const wrt = ['q', 'k', 'v', 'g', ...(withS0 ? ['s0'] : [])];
          const a = runGLA('recurrent', x, wrt, withS0), b = runGLA('fused', x, wrt, withS0);
          assert.ok(Math.abs(a.value - b.value) <= rel * (1 + Math.abs(a.value)) * 10, `${tag} value ${b.value} vs ${a.value}`);
          b.grads.forEach((gr, i) => closeScaled(gr, a.grads[i]!, rel, `${tag} d${wrt[i]}`));
          if (dtype === 'float32') b.grads.forEach((gr, i) => assert.ok(relRms(gr, a.grads[i]!) < 1e-5, `${tag} d${wrt[i]} rel-RMS`));
        }
      }
    }
  });
}

test('fused: gradients of a subset of inputs, only o or only the state used, dv multiple of 4 plus tail, dk > dv and dk < dv', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const rel = dtype === 'float64' ? 1e-10 : 1e-4;
    for (const [vector, dk, dv] of [[true, 8, 11], [false, 9, 4], [true, 3, 8]] as const) {
      const x = inputs(7, 5 + dk, dtype, vector, 2, 3, dk, dv);
      const tag = `${dtype} vector=${vector} dk=${dk} dv=${dv}`;
      // only o: the state's cotangent is absent
      const onlyO = (impl: GLAImpl) => {
        const r = vjp((p: Tensor[]) => sum(mul(gatedLinearAttention(p[0]!, x.k!, p[1]!, x.g!, { impl, state: x.s0! }).o, x.dO!)),
          [x.q!, x.v!], scalar(1, { dtype }));
        return (r.grads as Tensor[]).map((t) => Array.from(t.data()));
      };
      const a = onlyO('recurrent'), b = onlyO('fused');
      b.forEach((gr, i) => closeScaled(gr, a[i]!, rel, `${tag} only o: grad ${i}`));
      // only the state: o's cotangent is absent
      const onlyS = (impl: GLAImpl) => {
        const r = vjp((p: Tensor[]) => sum(mul(gatedLinearAttention(x.q!, p[0]!, p[1]!, p[2]!, { impl, state: p[3]! }).state, x.dS!)),
          [x.k!, x.v!, x.g!, x.s0!], scalar(1, { dtype }));
        return (r.grads as Tensor[]).map((t) => Array.from(t.data()));
      };
      const c = onlyS('recurrent'), d = onlyS('fused');
      d.forEach((gr, i) => closeScaled(gr, c[i]!, rel, `${tag} only state: grad ${i}`));
    }
  }
});

const STACKS = {
  GLA: (impl: GLAImpl) => new GLA({ inputSize: 3, hiddenSize: 8, numLayers: 2, heads: 2, impl, chunk: 4, rng: new Rng(1), dtype: 'float64' }),
  Mamba2: (impl: GLAImpl) => new Mamba2({ inputSize: 3, hiddenSize: 8, numLayers: 2, stateSize: 3, headDim: 4, nGroups: 2, impl, chunk: 4,
    rng: new Rng(1), dtype: 'float64' }),
} as const;

for (const [name, make] of Object.entries(STACKS)) {
  test(`${name} stack: fused = recurrent on outputs, final state and every parameter gradient (float64, ragged lengths)`, () => {
    const rng = new Rng(2);
    const x = randn([3, 9, 3], { rng, dtype: 'float64' }), dy = randn([3, 9, 8], { rng, dtype: 'float64' });
    const res = (['recurrent', 'fused'] as const).map((impl) => {
      const m = make(impl);
      assert.equal(m.impl, impl);
      const params = { ...m.parameterRecord(), __x: x };
      const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, null, { lengths: [9, 5, 1] }).output, params, dy);
      const st = m.forward(x, null, { lengths: [9, 5, 1] }).state as Record<string, Tensor>;
      return {
        y: Array.from(r.value.data()),
        S: Object.keys(st).sort().map((k) => [k, Array.from(st[k]!.data())] as const),
        g: Object.entries(r.grads as Record<string, Tensor>).map(([k, t]) => [k, Array.from(t.data())] as const),
      };
    });
    assertClose(res[1]!.y, res[0]!.y, 1e-10, 1e-10, 'y');
    assert.equal(res[1]!.S.length, res[0]!.S.length);
    res[1]!.S.forEach(([k, s], i) => assertClose(s, res[0]!.S[i]![1], 1e-10, 1e-10, `state ${k}`));
    assert.equal(res[1]!.g.length, res[0]!.g.length);
    res[1]!.g.forEach(([k, g], i) => {
      assert.equal(k, res[0]!.g[i]![0]);
      assertClose(g, res[0]!.g[i]![1], 1e-9, 1e-9, `grad ${k}`);
    });
    assert.ok(res[1]!.g.every(([, g]) => g.some((v) => v !== 0)), 'every parameter gets a gradient');
  });
}

test('GLA and Mamba2 default to impl fused; their streaming step (fused) equals the chunkwise batch', () => {
  assert.equal(new GLA({ inputSize: 3, hiddenSize: 8 }).impl, 'fused');
  assert.equal(new Mamba2({ inputSize: 3, hiddenSize: 8, headDim: 4 }).impl, 'fused');
  for (const make of Object.values(STACKS)) {
    const m = make('chunk');
    const xs = randn([2, 6, 3], { rng: new Rng(3), dtype: 'float64' });
    const full = m.forward(xs).output;
    let st = null;
    for (let t = 0; t < 6; t++) {
      const r = m.step(squeeze(narrow(xs, 1, t, 1), 1), st);
      st = r.state;
      assertClose(r.output, Array.from(squeeze(narrow(full, 1, t, 1), 1).data()), 1e-10, 1e-10, `t=${t}`);
    }
  }
});

test('gradcheck of the fused op (all five inputs; scalar and vector gate)', () => {
  for (const vector of [false, true]) {
    const x = inputs(4, vector ? 9 : 8, 'float64', vector, 1, 2, 3, 2);
    const w = randn([1, 2, 4, 2], { rng: new Rng(3), dtype: 'float64' }), w2 = randn([1, 2, 3, 2], { rng: new Rng(4), dtype: 'float64' });
    // milder gates for finite differences
    const g = mul(x.g!, 0.1);
    assertGradcheck((q, k, v, gg, s0) => {
      const r = glaFused(q!, k!, v!, gg!, { state: s0! });
      return add(sum(mul(r.o, w)), sum(mul(r.state, w2)));
    }, [x.q!, x.k!, x.v!, g, x.s0!]);
    assertGradcheck((q, k, v, gg) => sum(mul(gatedLinearAttention(q!, k!, v!, gg!, { impl: 'fused' }).o, w)), [x.q!, x.k!, x.v!, g]);
  }
});

test('fused: bad input gets a typed error', () => {
  const x = inputs(4, 1, 'float64', false, 1, 2, 3, 2);
  const { q, k, v, g, s0 } = x as Record<string, Tensor>;
  const f = { dtype: 'float64' as const };
  assert.throws(() => gatedLinearAttention(q!, k!, v!, randn([1, 2, 5], f), { impl: 'fused' }), ShapeError);
  assert.throws(() => gatedLinearAttention(q!, k!, v!, randn([1, 2, 4, 2], f), { impl: 'fused' }), ShapeError);
  assert.throws(() => gatedLinearAttention(q!, k!, v!, g!, { impl: 'fused', state: randn([1, 2, 2, 3], f) }), ShapeError);
  assert.throws(() => gatedLinearAttention(q!, k!, v!, g!, { impl: 'fast' as GLAImpl }), ArgumentError);
  assert.throws(() => glaFused(q!, k!, v!, g!, { state: randn([2, 2, 3, 2], f) }), ShapeError);
  assert.throws(() => glaFused(q!, randn([1, 2, 4, 4], f), v!, g!), ShapeError);
  assert.throws(() => glaFused(q!, k!, randn([1, 2, 3, 2], f), g!), ShapeError);
  assert.throws(() => glaFused(randn([2, 4, 3], f), k!, v!, g!), ShapeError);
  assert.throws(() => glaFused(randn([1, 2, 0, 3], f), randn([1, 2, 0, 3], f), randn([1, 2, 0, 2], f), randn([1, 2, 0], f)), ShapeError);
  assert.throws(() => glaFused(q!, k!, v!, cast(g!, 'float32')), DTypeError);
  assert.throws(() => glaFused(q!, k!, v!, g!, { state: cast(s0!, 'float32') }), DTypeError);
  assert.throws(() => glaFused(q!, k!, 'v' as unknown as Tensor, g!), ArgumentError);
  assert.throws(() => new GLA({ inputSize: 3, hiddenSize: 8, impl: 'fast' as GLAImpl }), ArgumentError);
  assert.throws(() => new Mamba2({ inputSize: 3, hiddenSize: 8, headDim: 4, impl: 'fast' as GLAImpl }), ArgumentError);
  assert.equal(new GLA({ inputSize: 3, hiddenSize: 8, impl: 'chunk' }).impl, 'chunk');
});

test('GLA kernels: every backend = ref on float32 buffers; 1 and 2 threads give identical bits; no unwritten output', () => {
  const ref = rc.setBackend('ref');
  const others: Backend[] = rc.listBackends().filter((n) => n !== 'ref').map((n) => rc.setBackend(n));
  rc.setBackend(process.env.RECURRENT_BACKEND ?? 'wasm');
  const rng = new Rng(77);
  const before = rc.wasmInfo()?.threads ?? 1;
  // BH = 7 (not a multiple of 4, uneven split), dv = 21 (f32x4 + tail); the first and last are big enough for 2 threads
  const cases = [[7, 64, 18, 21, true, true, true], [3, 5, 3, 2, false, false, false], [5, 9, 8, 4, true, false, true],
    [6, 96, 16, 16, false, true, true]] as const;
  for (const [BH, T, dk, dv, vector, withS0, withDS] of cases) {
    const rn = (n: number, f = (z: number) => z): Float32Array => Float32Array.from({ length: n }, () => f(rng.normal()));
    const host = {
      q: rn(BH * T * dk), k: rn(BH * T * dk, (z) => z * 0.5), v: rn(BH * T * dv), g: rn(BH * T * (vector ? dk : 1), (z) => -Math.abs(z) * 0.3),
      s0: rn(BH * dk * dv), dO: rn(BH * T * dv), dS: rn(BH * dk * dv),
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
      const args: GLAArgs = { BH, T, dk, dv, q: mk(host.q), k: mk(host.k), v: mk(host.v), g: mk(host.g), vectorGate: vector,
        s0: withS0 ? mk(host.s0) : null };
      const o = mk(null, BH * T * dv), states = mk(null, BH * T * dk * dv), sF = mk(null, BH * dk * dv);
      const o2 = mk(null, BH * T * dv), sF2 = mk(null, BH * dk * dv);
      b.glaForward(args, o, states, sF);
      b.glaForward(args, o2, null, sF2);
      const dq = mk(null, BH * T * dk), dk_ = mk(null, BH * T * dk), dv_ = mk(null, BH * T * dv);
      const dg = mk(null, host.g.length), dS0 = withS0 ? mk(null, BH * dk * dv) : null;
      b.glaBackward(args, states, mk(host.dO), withDS ? mk(host.dS) : null, dq, dk_, dv_, dg, dS0);
      // the same backward without dg and dS0 (the kernel's own workspace) must give the same other gradients
      const dq2 = mk(null, BH * T * dk), dk2 = mk(null, BH * T * dk), dv2 = mk(null, BH * T * dv);
      b.glaBackward(args, states, mk(host.dO), withDS ? mk(host.dS) : null, dq2, dk2, dv2, null, null);
      const outs = [o, states, sF, o2, sF2, dq, dk_, dv_, dg, ...(dS0 ? [dS0] : []), dq2, dk2, dv2]
        .map((x) => Float64Array.from(b.read(x)));
      for (const m of made) b.free(m);
      return outs;
    };
    const want = runOn(ref, 1);
    const tag = `BH=${BH} T=${T} dk=${dk} dv=${dv} vector=${vector} S0=${withS0} dS=${withDS}`;
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
  for (const vector of [false, true]) {
    const x = inputs(6, 3, 'float32', vector, 2, 2, 5, 4);
    const one = scalar(1);
    const before = rc.memory().numTensors;
    const r = vjp((p: Tensor[]) => {
      const out = gatedLinearAttention(p[0]!, p[1]!, p[2]!, p[3]!, { impl: 'fused', state: p[4]! });
      return add(sum(mul(out.o, x.dO!)), sum(out.state));
    }, [x.q!, x.k!, x.v!, x.g!, x.s0!], one);
    r.value.dispose();
    for (const t of r.grads as Tensor[]) t.dispose();
    assert.equal(rc.memory().numTensors, before, 'after vjp');
    const f = gatedLinearAttention(x.q!, x.k!, x.v!, x.g!, { impl: 'fused', state: x.s0! });
    assert.equal(rc.memory().numTensors, before + 2, 'forward without a tape makes only o and the state');
    f.o.dispose();
    f.state.dispose();
    assert.equal(rc.memory().numTensors, before);
    one.dispose();
  }
});
