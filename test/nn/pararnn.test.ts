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
import { ParaGRU, ParaLSTM } from '../../src/nn/pararnn/index.js';
import { assertClose, assertGradcheck, relRms } from '../helpers.js';

function pair(opts: { I: number; H: number; L?: number; iterations?: number; dtype?: 'float32' | 'float64'; seed?: number }): [ParaGRU, ParaGRU] {
  const mk = (impl: 'newton' | 'recurrent'): ParaGRU => new ParaGRU({ inputSize: opts.I, hiddenSize: opts.H, numLayers: opts.L ?? 1, impl,
    iterations: opts.iterations ?? 3, rng: new Rng(opts.seed ?? 1), ...(opts.dtype ? { dtype: opts.dtype } : {}) });
  return [mk('newton'), mk('recurrent')];
}

function run(m: ParaGRU, x: Tensor, dy: Tensor, h0?: Tensor, lengths?: number[]): { y: number[]; grads: number[][]; h: number[] } {
  const params = { ...m.parameterRecord(), __x: x, ...(h0 ? { __h0: h0 } : {}) };
  const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, p.__h0 ? { h: p.__h0 } : null, lengths ? { lengths } : {}).output, params, dy);
  const g = r.grads as Record<string, Tensor>;
  return { y: Array.from(r.value.data()), grads: Object.keys(params).map((k) => Array.from(g[k]!.data())), h: Array.from(m.forward(x, h0 ? { h: h0 } : null, lengths ? { lengths } : {}).state.h.data()) };
}

describe('ParaGRU: Newton in parallel equals the sequential pass', () => {
  for (const [T, L, withH0, lengths] of [[1, 1, false, null], [6, 1, true, null], [17, 2, false, [17, 9, 1]], [40, 1, true, [40, 31, 12]]] as const) {
    test(`T=${T} layers=${L} h0=${withH0} lengths=${lengths ? 'ragged' : 'none'}: outputs, final state, every gradient (float64, T iterations)`, () => {
      const B = lengths ? lengths.length : 2;
      // T iterations make the Newton trajectory exact (the system is triangular in time).
      const [nw, sq] = pair({ I: 3, H: 5, L, iterations: T, dtype: 'float64', seed: T });
      const rng = new Rng(T + 1);
      const x = randn([B, T, 3], { rng, dtype: 'float64' }), dy = randn([B, T, 5], { rng, dtype: 'float64' });
      const h0 = withH0 ? randn([L, B, 5], { rng, dtype: 'float64' }) : undefined;
      const a = run(nw, x, dy, h0, lengths ? [...lengths] : undefined), b = run(sq, x, dy, h0, lengths ? [...lengths] : undefined);
      assertClose(a.y, b.y, 1e-10, 1e-10, 'output');
      assertClose(a.h, b.h, 1e-10, 1e-10, 'final state');
      a.grads.forEach((g, i) => assertClose(g, b.grads[i]!, 1e-9, 1e-9, `grad ${i}`));
    });
  }

  test('3 iterations reach the sequential trajectory to ~eps*T at T = 4096 (float32), residual reported', () => {
    const [nw, sq] = pair({ I: 4, H: 8, iterations: 3, seed: 3 });
    const x = randn([1, 4096, 4], { rng: new Rng(5) });
    const a = nw.forward(x).output, b = sq.forward(x).output;
    const err = relRms(a.data(), b.data());
    assert.ok(err < 1.2e-7 * 4096, `relative RMS error ${err}`);
    const res = nw.residuals[0]!;
    assert.equal(res.length, 4);
    assert.ok(res[3]! < res[0]! * 1e-3, `residuals ${res}`);
  });

  test('gradcheck of the Newton form (float64) w.r.t. inputs', () => {
    const [nw] = pair({ I: 2, H: 3, iterations: 8, dtype: 'float64' });
    const w = randn([2, 8, 3], { rng: new Rng(2), dtype: 'float64' });
    assertGradcheck((x) => sum(mul(nw.forward(x!).output, w)), [randn([2, 8, 2], { rng: new Rng(1), dtype: 'float64' })]);
  });

  test('streaming step equals the batch output', () => {
    const [nw] = pair({ I: 3, H: 4, L: 2, iterations: 10 });
    const x = randn([2, 10, 3], { rng: new Rng(9) });
    const y = nw.forward(x).output;
    let state = null;
    for (let t = 0; t < 10; t++) {
      const r = nw.step(squeeze(narrow(x, 1, t, 1), 1), state);
      state = r.state;
      assertClose(r.output, Array.from(squeeze(narrow(y, 1, t, 1), 1).data()), 1e-5, 1e-5, `t=${t}`);
    }
  });

  test('bad input', () => {
    assert.throws(() => new ParaGRU({ inputSize: 3, hiddenSize: 4, iterations: 0 }), ArgumentError);
    assert.throws(() => new ParaGRU({ inputSize: 3, hiddenSize: 4, impl: 'x' as 'newton' }), ArgumentError);
    const m = new ParaGRU({ inputSize: 3, hiddenSize: 4 });
    assert.throws(() => m.forward(randn([2, 5, 2])), ShapeError);
    assert.throws(() => m.forward(randn([2, 5, 3]), { h: randn([1, 3, 4]) }), ShapeError);
    assert.throws(() => m.forward(randn([2, 5, 3]), null, { lengths: [5, 6] }), ArgumentError);
  });
});

describe('ParaLSTM: Newton with 2×2 block Jacobians equals the sequential pass', () => {
  const mk = (impl: 'newton' | 'recurrent', o: { L?: number; iterations?: number; dtype?: 'float32' | 'float64'; seed?: number }): ParaLSTM =>
    new ParaLSTM({ inputSize: 3, hiddenSize: 5, numLayers: o.L ?? 1, impl, iterations: o.iterations ?? 3, rng: new Rng(o.seed ?? 1), ...(o.dtype ? { dtype: o.dtype } : {}) });
  function everything(m: ParaLSTM, x: Tensor, dy: Tensor, st: { h: Tensor; c: Tensor } | null, lengths?: number[]): { y: number[]; h: number[]; c: number[]; g: number[][] } {
    const params: Record<string, Tensor> = { ...m.parameterRecord(), __x: x, ...(st ? { __h: st.h, __c: st.c } : {}) };
    const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, p.__h ? { h: p.__h, c: p.__c! } : null, lengths ? { lengths } : {}).output, params, dy);
    const g = r.grads as Record<string, Tensor>;
    const s = m.forward(x, st, lengths ? { lengths } : {}).state;
    return { y: Array.from(r.value.data()), h: Array.from(s.h.data()), c: Array.from(s.c.data()), g: Object.keys(params).map((k) => Array.from(g[k]!.data())) };
  }
  for (const [T, L, withState, lengths] of [[1, 1, false, null], [6, 1, true, null], [15, 2, true, [15, 8, 1]], [30, 1, false, [30, 22]]] as const) {
    test(`T=${T} layers=${L} state=${withState} lengths=${lengths ? 'ragged' : 'none'} (float64, T iterations)`, () => {
      const B = lengths ? lengths.length : 2;
      const rng = new Rng(T + 7);
      const x = randn([B, T, 3], { rng, dtype: 'float64' }), dy = randn([B, T, 5], { rng, dtype: 'float64' });
      const st = withState ? { h: randn([L, B, 5], { rng, dtype: 'float64' }), c: randn([L, B, 5], { rng, dtype: 'float64' }) } : null;
      const a = everything(mk('newton', { L, iterations: T, dtype: 'float64', seed: T }), x, dy, st, lengths ? [...lengths] : undefined);
      const b = everything(mk('recurrent', { L, dtype: 'float64', seed: T }), x, dy, st, lengths ? [...lengths] : undefined);
      assertClose(a.y, b.y, 1e-10, 1e-10, 'output');
      assertClose(a.h, b.h, 1e-10, 1e-10, 'final h');
      assertClose(a.c, b.c, 1e-10, 1e-10, 'final c');
      a.g.forEach((g, i) => assertClose(g, b.g[i]!, 1e-9, 1e-9, `grad ${i}`));
    });
  }

  test('3 iterations at T = 4096 (float32) reach the sequential trajectory to ~eps*T', () => {
    const nw = mk('newton', { seed: 3 }), sq = mk('recurrent', { seed: 3 });
    const x = randn([1, 4096, 3], { rng: new Rng(6) });
    const err = relRms(nw.forward(x).output.data(), sq.forward(x).output.data());
    assert.ok(err < 1.2e-7 * 4096, `relative RMS error ${err}`);
    const res = nw.residuals[0]!;
    assert.ok(res[3]! < res[0]! * 1e-3, `residuals ${res}`);
  });

  test('streaming step equals the batch output; bad input', () => {
    const m = mk('newton', { L: 2, iterations: 8 });
    const x = randn([2, 8, 3], { rng: new Rng(9) });
    const y = m.forward(x).output;
    let state = null;
    for (let t = 0; t < 8; t++) {
      const r = m.step(squeeze(narrow(x, 1, t, 1), 1), state);
      state = r.state;
      assertClose(r.output, Array.from(squeeze(narrow(y, 1, t, 1), 1).data()), 1e-5, 1e-5, `t=${t}`);
    }
    assert.throws(() => m.forward(randn([2, 5, 3]), { h: randn([2, 2, 5]), c: randn([1, 2, 5]) }), ShapeError);
    assert.throws(() => new ParaLSTM({ inputSize: 3, hiddenSize: 4, dropout: 1 }), ArgumentError);
  });
});

test("solver 'parallel' (the associative-scan reduction) gives the fused solver's results, values and gradients", () => {
  const rng = new Rng(21);
  const x = randn([2, 13, 3], { rng, dtype: 'float64' }), dyH = randn([2, 13, 5], { rng, dtype: 'float64' });
  for (const Cls of [ParaGRU, ParaLSTM]) {
    const res = (['fused', 'parallel'] as const).map((solver) => {
      const m = new Cls({ inputSize: 3, hiddenSize: 5, iterations: 4, solver, rng: new Rng(2), dtype: 'float64' });
      const params = { ...m.parameterRecord(), __x: x };
      const r = vjp((p: Record<string, Tensor>) => m.forward(p.__x!, null, { lengths: [13, 6] }).output, params, dyH);
      return { y: Array.from(r.value.data()), g: Object.values(r.grads as Record<string, Tensor>).map((t) => Array.from(t.data())), res: m.residuals[0]! };
    });
    assertClose(res[1]!.y, res[0]!.y, 1e-10, 1e-10, `${Cls.name} y`);
    res[1]!.g.forEach((g, i) => assertClose(g, res[0]!.g[i]!, 1e-9, 1e-9, `${Cls.name} grad ${i}`));
    assertClose(res[1]!.res, res[0]!.res, 1e-9, 1e-6, `${Cls.name} residuals`);
  }
  assert.throws(() => new ParaGRU({ inputSize: 3, hiddenSize: 4, solver: 'cg' as 'fused' }), ArgumentError);
});

describe("init 'paper' (ParaRNN's cell defaults) and 'uniform' (the original draw)", () => {
  const stats = (v: ArrayLike<number>): { mean: number; std: number; maxAbs: number } => {
    const a = Array.from(v);
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    const std = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length);
    return { mean, std, maxAbs: a.reduce((m, x) => Math.max(m, Math.abs(x)), 0) };
  };

  test('biases by hand (H = 4): first gate −linspace(0, 1, H), the other gates 0; H = 1 gives 0', () => {
    for (const Cls of [ParaGRU, ParaLSTM]) {
      const m = new Cls({ inputSize: 3, hiddenSize: 4, init: 'paper', rng: new Rng(1), dtype: 'float64' });
      // `+ 0` folds −0 (from −linspace's first entry) into 0.
      assert.deepEqual(Array.from(m.parameterRecord()['layers.0.b']!.data(), (x) => x + 0), [0, -1 / 3, -2 / 3, -1, 0, 0, 0, 0, 0, 0, 0, 0], Cls.name);
      const one = new Cls({ inputSize: 2, hiddenSize: 1, init: 'paper', rng: new Rng(1) });
      assert.deepEqual(Array.from(one.parameterRecord()['layers.0.b']!.data()), [0, 0, 0], `${Cls.name} H=1`);
    }
  });

  test('A and peepholes ~ N(0, (2/√(5H))²), B ~ U(±√(6/(I+H))) (statistics at H = 512)', () => {
    const I = 96, H = 512;
    const m = new ParaLSTM({ inputSize: I, hiddenSize: H, numLayers: 2, init: 'paper', rng: new Rng(7) });
    const p = m.parameterRecord();
    const std = 2 / Math.sqrt(5 * H);
    for (const k of ['layers.0.A', 'layers.0.P', 'layers.1.A']) {
      const v = p[k]!.data();
      const s = stats(v);
      // Four standard errors of the sample mean and std, so the check fails on a wrong scale, not on sampling noise.
      const se = 4 / Math.sqrt(v.length);
      assert.ok(Math.abs(s.mean) < se * std && Math.abs(s.std / std - 1) < se / Math.SQRT2, `${k}: mean ${s.mean} std ${s.std} want ${std}`);
    }
    for (const [k, fanIn] of [['layers.0.B', I], ['layers.1.B', H]] as const) {
      const w = Math.sqrt(6 / (fanIn + H));
      const s = stats(p[k]!.data());
      assert.ok(s.maxAbs <= w && s.maxAbs > 0.99 * w && Math.abs(s.std / (w / Math.sqrt(3)) - 1) < 0.02, `${k}: ${JSON.stringify(s)} bound ${w}`);
    }
    const g = new ParaGRU({ inputSize: I, hiddenSize: H, init: 'paper', rng: new Rng(7) }).parameterRecord();
    assert.ok(Math.abs(stats(g['layers.0.A']!.data()).std / std - 1) < 0.05);
    assert.equal(g['layers.0.P'], undefined);
  });

  test("'uniform' is the default and draws what the layer always drew; a bad init is an ArgumentError", () => {
    const a = new ParaGRU({ inputSize: 3, hiddenSize: 4, rng: new Rng(5) }).parameterRecord();
    const b = new ParaGRU({ inputSize: 3, hiddenSize: 4, init: 'uniform', rng: new Rng(5) }).parameterRecord();
    for (const k of Object.keys(a)) assert.deepEqual(Array.from(a[k]!.data()), Array.from(b[k]!.data()), k);
    assert.ok(stats(a['layers.0.A']!.data()).maxAbs <= 0.5 && stats(a['layers.0.b']!.data()).maxAbs <= 0.5);
    assert.throws(() => new ParaGRU({ inputSize: 3, hiddenSize: 4, init: 'xlstm' as 'paper' }), (e: unknown) => e instanceof ArgumentError && /init must be paper or uniform/.test(e.message));
    assert.throws(() => new ParaLSTM({ inputSize: 3, hiddenSize: 4, init: '' as 'paper' }), ArgumentError);
  });

  test('with the paper init 3 Newton iterations still reach the sequential trajectory at T = 1024', () => {
    for (const Cls of [ParaGRU, ParaLSTM]) {
      const mk = (impl: 'newton' | 'recurrent'): ParaGRU | ParaLSTM => new Cls({ inputSize: 4, hiddenSize: 8, impl, init: 'paper', rng: new Rng(3) });
      const x = randn([1, 1024, 4], { rng: new Rng(5) });
      const nw = mk('newton');
      const err = relRms(nw.forward(x).output.data(), mk('recurrent').forward(x).output.data());
      assert.ok(err < 1.2e-7 * 1024, `${Cls.name}: relative RMS error ${err}`);
      assert.ok(nw.residuals[0]![3]! < nw.residuals[0]![0]! * 1e-3, `${Cls.name} residuals ${nw.residuals[0]}`);
    }
  });
});
