import assert from 'node:assert/strict';
import { test } from 'node:test';
import { full, randn, tensor } from '../../src/ops/creation.js';
import { add, log, mul, neg, abs } from '../../src/ops/elementwise.js';
import { narrow, squeeze } from '../../src/ops/movement.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError } from '../../src/errors.js';
import { Mamba2, ssdScan } from '../../src/nn/mamba2/index.js';
import type { SSDMitigations } from '../../src/nn/mamba2/index.js';
import type { GLAImpl } from '../../src/nn/gla/index.js';
import { checkModelOptions } from '../../src/models/registry.js';
import { assertClose } from '../helpers.js';

const f64 = 'float64' as const;
const IMPLS: GLAImpl[] = ['recurrent', 'chunk', 'fused'];

test('ssdScan by hand: one head, N = P = 1, k = v = q = 1, decay 1/2 per step', () => {
  // S_t = a S_{t-1} + 1 with a = 1/2: off gives 1, 1.5, 1.75.
  const one = full([1, 1, 3, 1], 1, { dtype: f64 });
  const g = full([1, 1, 3], Math.log(0.5), { dtype: f64 });
  const cases: [SSDMitigations, number[]][] = [
    [{}, [1, 1.5, 1.75]],
    [{ decayScale: 2 }, [1, 1.25, 1.3125]], // a^2 = 1/4
    [{ stateNormMax: 1.2 }, [1, 1.2, 1.2]], // 1.5 → 1.2; then 0.6 + 1 = 1.6 → 1.2
    [{ stateWindow: 1 }, [1, 1, 1]], // S_t − a S_{t−1} = the last token alone
    [{ stateWindow: 2 }, [1, 1.5, 1.5]], // 1.75 − a²·1 = 1.5 (h before the first token is 0)
    [{ stateWindow: 2, decayScale: 2 }, [1, 1.25, 1.25]], // 1.3125 − (1/16)·1
  ];
  for (const impl of IMPLS) {
    for (const [m, want] of cases) {
      const r = ssdScan(one, one, one, g, { impl, chunk: 2, ...m });
      assertClose(r.o, want, 1e-12, 1e-12, `${impl} ${JSON.stringify(m)}`);
    }
  }
});

/** The mitigations written out literally: every state kept, the window read from the state r steps back. */
function reference(q: Tensor, k: Tensor, v: Tensor, g: Tensor, m: SSDMitigations): number[] {
  const [B, H, T, N] = q.shape as [number, number, number, number];
  const P = v.shape[3]!;
  const [qd, kd, vd, gd] = [q, k, v, g].map((t) => Array.from(t.data()));
  const gamma = m.decayScale ?? 1, tau = m.stateNormMax ?? 0, r = m.stateWindow ?? 0;
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const states: number[][] = [];
      const logA: number[] = [];
      let S = new Array<number>(N * P).fill(0);
      const o: number[][] = [];
      for (let t = 0; t < T; t++) {
        const la = gamma * gd[(b * H + h) * T + t]!;
        logA.push(la);
        S = S.map((s, i) => Math.exp(la) * s + kd[((b * H + h) * T + t) * N + Math.floor(i / P)]! * vd[((b * H + h) * T + t) * P + (i % P)]!);
        if (tau > 0) {
          const n = Math.sqrt(S.reduce((a, e) => a + e * e, 0));
          if (n > tau) S = S.map((e) => (e * tau) / n);
        }
        states.push(S);
        let read = S;
        if (r > 0 && t - r >= 0) {
          const f = Math.exp(logA.slice(t - r + 1, t + 1).reduce((a, e) => a + e, 0));
          read = S.map((e, i) => e - f * states[t - r]![i]!);
        }
        o.push(Array.from({ length: P }, (_, p) => Array.from({ length: N }, (_, n) => qd[((b * H + h) * T + t) * N + n]! * read[n * P + p]!).reduce((a, e) => a + e, 0)));
      }
      out.push(...o.flat());
    }
  }
  return out;
}

function inputs(seed: number, T = 7): [Tensor, Tensor, Tensor, Tensor] {
  const rng = new Rng(seed);
  const q = randn([2, 2, T, 3], { rng, dtype: f64 }), k = randn([2, 2, T, 3], { rng, dtype: f64 });
  const v = randn([2, 2, T, 2], { rng, dtype: f64 });
  const g = neg(abs(mul(randn([2, 2, T], { rng, dtype: f64 }), 0.5)));
  return [q, k, v, g];
}

test('ssdScan = the literal definition (2 batches, 2 heads, N 3, P 2, T 7) for each mitigation and every impl', () => {
  const [q, k, v, g] = inputs(1);
  const cases: SSDMitigations[] = [{}, { decayScale: 3 }, { decayScale: 0.5 }, { stateNormMax: 0.8 }, { stateNormMax: 0.8, decayScale: 2 },
    { stateWindow: 1 }, { stateWindow: 3 }, { stateWindow: 3, decayScale: 2 }, { stateWindow: 7 }];
  for (const impl of IMPLS) {
    for (const m of cases) assertClose(ssdScan(q, k, v, g, { impl, chunk: 4, ...m }).o, reference(q, k, v, g, m), 1e-10, 1e-10, `${impl} ${JSON.stringify(m)}`);
  }
});

test('ssdScan: a sequence cut in pieces (carried state, lag state and ring) = the whole, for norm and window', () => {
  const [q, k, v, g] = inputs(2, 9);
  const piece = (t: Tensor, s: number, n: number): Tensor => narrow(t, 2, s, n);
  for (const m of [{ stateNormMax: 0.7 }, { stateWindow: 3 }, { stateWindow: 5, decayScale: 1.5 }] as SSDMitigations[]) {
    const whole = ssdScan(q, k, v, g, { impl: 'chunk', chunk: 4, ...m });
    let state: Tensor | null = null;
    let window = null;
    const outs: number[] = [];
    for (const [s, n] of [[0, 2], [2, 1], [3, 6]] as const) {
      const r = ssdScan(piece(q, s, n), piece(k, s, n), piece(v, s, n), piece(g, s, n), { impl: 'fused', state, window, ...m });
      state = r.state; window = r.window ?? null;
      outs.push(...Array.from(r.o.data()));
    }
    // pieces are [B, H, n, P]: compare piece by piece
    let off = 0;
    for (const [s, n] of [[0, 2], [2, 1], [3, 6]] as const) {
      const size = 2 * 2 * n * 2;
      assertClose(outs.slice(off, off + size), Array.from(narrow(whole.o, 2, s, n).data()), 1e-10, 1e-10, `${JSON.stringify(m)} piece ${s}`);
      off += size;
    }
    assertClose(state!, Array.from(whole.state.data()), 1e-10, 1e-10, `${JSON.stringify(m)} final state`);
  }
});

const mk = (opts: SSDMitigations & { impl?: GLAImpl } = {}): Mamba2 =>
  new Mamba2({ inputSize: 3, hiddenSize: 8, numLayers: 2, stateSize: 3, headDim: 4, nGroups: 2, impl: opts.impl ?? 'chunk', chunk: 4, rng: new Rng(1), dtype: f64, ...opts });

test('Mamba2 mitigations off (explicit defaults) = the model without them: same parameters, bit-identical outputs and state', () => {
  const x = randn([2, 6, 3], { rng: new Rng(3), dtype: f64 });
  const a = mk(), b = mk({ decayScale: 1, stateNormMax: 0, stateWindow: 0 });
  assert.deepEqual(Object.keys(b.stateDict()), Object.keys(a.stateDict()));
  const ra = a.forward(x), rb = b.forward(x);
  assert.deepEqual(Array.from(rb.output.data()), Array.from(ra.output.data()));
  assert.deepEqual(Object.keys(rb.state).sort(), ['conv', 'h', 'ssm']);
  assert.deepEqual(Array.from(rb.state.ssm!.data()), Array.from(ra.state.ssm!.data()));
});

test('Mamba2 decayScale γ = the same model with A_log + log γ (the decay a_t = exp(Δ A) becomes a_t^γ)', () => {
  const x = randn([2, 6, 3], { rng: new Rng(4), dtype: f64 });
  const scaled = mk({ decayScale: 2.5 }), shifted = mk();
  const sd = shifted.stateDict();
  const moved: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(sd)) moved[k] = k.endsWith('A_log') ? add(t, log(tensor([2.5], [1], { dtype: f64 }))) : t;
  shifted.loadStateDict(moved);
  assertClose(scaled.forward(x).output, Array.from(shifted.forward(x).output.data()), 1e-12, 1e-12, 'decayScale');
});

test('Mamba2 stateWindow ≥ T and a huge stateNormMax change nothing from a zero state; each mitigation streams: step = forward = carried pieces', () => {
  const x = randn([2, 7, 3], { rng: new Rng(5), dtype: f64 });
  const base = mk().forward(x).output;
  assertClose(mk({ stateWindow: 7 }).forward(x).output, Array.from(base.data()), 1e-12, 1e-12, 'window 7');
  assertClose(mk({ stateNormMax: 1e9 }).forward(x).output, Array.from(base.data()), 1e-12, 1e-12, 'norm cap 1e9');
  for (const m of [{ decayScale: 2 }, { stateNormMax: 1e-3 }, { stateWindow: 2 }, { stateWindow: 3, decayScale: 0.5 }] as SSDMitigations[]) {
    for (const impl of ['chunk', 'fused'] as const) {
      const model = mk({ impl, ...m });
      const whole = model.forward(x).output;
      assert.ok(Array.from(whole.data()).some((e, i) => Math.abs(e - base.data()[i]!) > 1e-6), `${JSON.stringify(m)} changes the output`);
      let st = null;
      for (let t = 0; t < 7; t++) {
        const r = model.step(squeeze(narrow(x, 1, t, 1), 1), st);
        st = r.state;
        assertClose(r.output, Array.from(squeeze(narrow(whole, 1, t, 1), 1).data()), 1e-10, 1e-10, `${impl} ${JSON.stringify(m)} step t=${t}`);
      }
      const a = model.forward(narrow(x, 1, 0, 3));
      const b = model.forward(narrow(x, 1, 3, 4), a.state);
      assertClose(b.output, Array.from(narrow(whole, 1, 3, 4).data()), 1e-10, 1e-10, `${impl} ${JSON.stringify(m)} carried`);
    }
  }
});

test('Mamba2 mitigations: bad values throw ArgumentError (constructor, ssdScan, registry)', () => {
  for (const bad of [{ decayScale: 0 }, { decayScale: -1 }, { decayScale: Number.NaN }, { stateNormMax: -1 }, { stateWindow: 1.5 }, { stateWindow: -2 },
    { stateNormMax: 1, stateWindow: 4 }] as SSDMitigations[]) {
    assert.throws(() => mk(bad), ArgumentError, JSON.stringify(bad));
  }
  const [q, k, v, g] = inputs(6);
  const r = ssdScan(q, k, v, g, { stateWindow: 3 });
  assert.throws(() => ssdScan(q, k, v, g, { stateWindow: 4, window: r.window! }), ArgumentError);
  assert.throws(() => checkModelOptions('mamba2', { stateWindow: -1 }), ArgumentError);
  assert.throws(() => checkModelOptions('mamba2', { stateNormMax: -0.5 }), ArgumentError);
  assert.deepEqual(checkModelOptions('mamba2', { decayScale: '2', stateWindow: '64' }), { decayScale: 2, stateWindow: 64 });
});
