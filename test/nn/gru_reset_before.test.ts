import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';
import { assertClose, assertGradcheck } from '../helpers.js';

// Keras/tfjs GRU with reset_after=False: n = tanh(x W_in + b_in + (r * h) W_hn + b_hn).
function manual(x: number[][], h0: number[], w: { wih: number[][]; whh: number[][]; bih: number[]; bhh: number[] }): number[][] {
  const H = h0.length;
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  const dot = (row: number[], v: number[]): number => row.reduce((s, a, i) => s + a * v[i]!, 0);
  let h = h0;
  const out: number[][] = [];
  for (const xt of x) {
    const gx = w.wih.map((row, i) => dot(row, xt) + w.bih[i]!);
    const r = Array.from({ length: H }, (_, j) => sig(gx[j]! + dot(w.whh[j]!, h) + w.bhh[j]!));
    const z = Array.from({ length: H }, (_, j) => sig(gx[H + j]! + dot(w.whh[H + j]!, h) + w.bhh[H + j]!));
    const rh = h.map((v, j) => v * r[j]!);
    const n = Array.from({ length: H }, (_, j) => Math.tanh(gx[2 * H + j]! + dot(w.whh[2 * H + j]!, rh) + w.bhh[2 * H + j]!));
    h = h.map((v, j) => (1 - z[j]!) * n[j]! + z[j]! * v);
    out.push(h);
  }
  return out;
}

test('GRU resetAfter: false matches the reset-before formula, differs from PyTorch GRU', () => {
  const gru = new rc.nn.GRU({ inputSize: 2, hiddenSize: 3, resetAfter: false, rng: new rc.Rng(4), dtype: 'float64' });
  const sd = gru.stateDict();
  const w = {
    wih: sd['weight_ih_l0']!.toArray() as number[][], whh: sd['weight_hh_l0']!.toArray() as number[][],
    bih: sd['bias_ih_l0']!.toArray() as number[], bhh: sd['bias_hh_l0']!.toArray() as number[],
  };
  const x = rc.randn([4, 1, 2], { rng: new rc.Rng(5), dtype: 'float64' });
  const xs = (x.toArray() as number[][][]).map((s) => s[0]!);
  const want = manual(xs, [0, 0, 0], w);
  const { output } = gru.forward(x);
  assertClose(output, want.flat(), 1e-12, 1e-12);
  const after = new rc.nn.GRU({ inputSize: 2, hiddenSize: 3, rng: new rc.Rng(4), dtype: 'float64' });
  assert.notDeepEqual(Array.from(after.forward(x).output.data()), Array.from(output.data()));
  // Streaming equals batch, with and without recording.
  let st = gru.initialState(1);
  const steps: number[] = [];
  for (let t = 0; t < 4; t++) {
    const r = gru.step(rc.reshape(rc.narrow(x, 0, t, 1), [1, 2]), st);
    steps.push(...Array.from(r.output.data()));
    st = r.state;
  }
  assertClose(steps, want.flat(), 1e-12, 1e-12);
});

test('GRU resetAfter: false gradchecks and rejects a non-boolean flag', () => {
  const gru = new rc.nn.GRU({ inputSize: 2, hiddenSize: 3, resetAfter: false, rng: new rc.Rng(6), dtype: 'float64' });
  assertGradcheck((x) => gru.forward(x).output, [rc.randn([3, 2, 2], { rng: new rc.Rng(7), dtype: 'float64' })]);
  assert.throws(() => new rc.nn.GRU({ inputSize: 2, hiddenSize: 3, resetAfter: 'no' as unknown as boolean }), rc.ArgumentError);
});
