import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randn } from '../../src/ops/creation.js';
import { concat, narrow, squeeze } from '../../src/ops/movement.js';
import { Rng } from '../../src/tensor/rng.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { Attention, CausalAttention } from '../../src/nn/attention/index.js';
import type { AttentionOptions } from '../../src/nn/attention/index.js';
import type { LayerState } from '../../src/nn/sequence-layer.js';
import { getModel } from '../../src/models/registry.js';
import { assertClose, assertGradcheck } from '../helpers.js';

const f64 = 'float64' as const;

/** Rows of a [n, d] float tensor's data as arrays. */
function rows(t: Tensor, n: number, d: number): number[][] {
  const a = t.data();
  return Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => a[i * d + j]!));
}

/** W x for a Linear's weight [out, in]. */
function apply(w: Tensor, x: number[]): number[] {
  const [o, i] = w.shape as [number, number];
  const a = w.data();
  return Array.from({ length: o }, (_, r) => x.reduce((s, xv, c) => s + a[r * i + c]! * xv, 0));
}

/**
 * Softmax attention of one sequence, scalar by scalar: RoPE (rotate-half, θ^(-2j/r) with r the
 * even part of the head dim) on q and k at positions 0..T-1, causal softmax(q·k / sqrt(D)), o_proj.
 */
function byHand(m: CausalAttention, xs: number[][]): number[][] {
  const H = m.heads, D = m.headDim, r = D - (D % 2), half = r / 2;
  const rot = (vec: number[], pos: number): number[] => vec.map((val, c) => {
    if (c >= r) return val;
    const j = c < half ? c : c - half;
    const a = pos * Math.pow(m.ropeBase, -(2 * j) / r);
    return c < half ? val * Math.cos(a) - vec[c + half]! * Math.sin(a) : val * Math.cos(a) + vec[c - half]! * Math.sin(a);
  });
  const head = (v: number[], h: number): number[] => v.slice(h * D, (h + 1) * D);
  const q = xs.map((x) => apply(m.q_proj.weight, x)), k = xs.map((x) => apply(m.k_proj.weight, x)), v = xs.map((x) => apply(m.v_proj.weight, x));
  return xs.map((_, i) => {
    const o: number[] = [];
    for (let h = 0; h < H; h++) {
      const qi = rot(head(q[i]!, h), i);
      const s = Array.from({ length: i + 1 }, (_, j) => rot(head(k[j]!, h), j).reduce((acc, kv, c) => acc + kv * qi[c]!, 0) / Math.sqrt(D));
      const mx = Math.max(...s);
      const e = s.map((x) => Math.exp(x - mx));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < D; c++) o.push(e.reduce((acc, p, j) => acc + (p / z) * head(v[j]!, h)[c]!, 0));
    }
    return apply(m.o_proj.weight, o);
  });
}

const mk = (o: Partial<AttentionOptions> = {}): Attention =>
  new Attention({ inputSize: 3, hiddenSize: 8, numLayers: 2, heads: 2, rng: new Rng(1), dtype: f64, ...o });

test('CausalAttention by hand: T=3, 1 head, RoPE; 2 heads with an odd head dim; the stack adds it to the RMS-normed residual', () => {
  for (const [d, heads] of [[4, 1], [6, 2]] as const) {
    const m = new CausalAttention(d, { heads, rng: new Rng(d), dtype: f64 });
    const x = randn([3, 1, d], { rng: new Rng(7), dtype: f64 }); // [T, B, d]
    const xs = rows(x, 3, d);
    const r = m.forward(x);
    assertClose(r.y, byHand(m, xs).flat(), 1e-12, 1e-12, `d=${d} H=${heads}`);
    assert.deepEqual(r.state.k.shape, [1, heads, 3, d / heads]);
    assert.deepEqual(Array.from(r.state.mask.data()), [1, 1, 1]);
  }
  // the stack: y = x + attn(RMSNorm(x)) with the norm's weight at 1 (eps 1e-6)
  const s = new Attention({ inputSize: 4, hiddenSize: 4, heads: 1, rng: new Rng(3), dtype: f64 });
  const x = randn([1, 3, 4], { rng: new Rng(8), dtype: f64 });
  const xs = rows(x, 3, 4);
  const normed = xs.map((row) => {
    const rms = Math.sqrt(row.reduce((a, b) => a + b * b, 0) / 4 + 1e-6);
    return row.map((v) => v / rms);
  });
  const want = byHand(s.layers.list[0]!.attn, normed).map((row, t) => row.map((v, c) => v + xs[t]![c]!));
  assertClose(s.forward(x).output, want.flat(), 1e-12, 1e-12, 'stack');
});

test('gradcheck w.r.t. the input: plain, ragged (lengths), and through a carried KV cache', () => {
  const m = mk({ hiddenSize: 4 });
  const rng = new Rng(4);
  const x = randn([2, 4, 3], { rng, dtype: f64 }), x2 = randn([2, 3, 3], { rng, dtype: f64 });
  assertGradcheck((a) => m.forward(a!).output, [x]);
  assertGradcheck((a) => m.forward(a!, null, { lengths: [4, 2] }).output, [x]);
  assertGradcheck((a, b) => m.forward(b!, m.forward(a!, null, { lengths: [3, 2] }).state).output, [x, x2]);
});

test('streaming: step() over a sequence = forward(); forward in pieces with the carried cache = one forward', () => {
  const m = mk();
  const x = randn([2, 7, 3], { rng: new Rng(5), dtype: f64 });
  const full = m.forward(x);
  let st: LayerState | null = null;
  for (let t = 0; t < 7; t++) {
    const r = m.step(squeeze(narrow(x, 1, t, 1), 1), st);
    st = r.state;
    assertClose(r.output, Array.from(squeeze(narrow(full.output, 1, t, 1), 1).data()), 1e-12, 1e-12, `step ${t}`);
  }
  assert.deepEqual(st!.k.shape, [2, 2, 2, 7, 4]);
  assert.deepEqual(st!.mask.shape, [2, 2, 7]);
  assertClose(st!.h, Array.from(full.state.h.data()), 1e-12, 1e-12, 'h');
  for (const cuts of [[4, 3], [1, 5, 1], [3, 1, 3]]) {
    let s: LayerState | null = null, at = 0;
    const outs: Tensor[] = [];
    for (const n of cuts) {
      const r = m.forward(narrow(x, 1, at, n), s);
      outs.push(r.output);
      s = r.state;
      at += n;
    }
    assertClose(concat(outs, 1), Array.from(full.output.data()), 1e-12, 1e-12, `cuts ${cuts.join('+')}`);
    assertClose(s!.k, Array.from(full.state.k.data()), 1e-12, 1e-12, `cache k, cuts ${cuts.join('+')}`);
  }
});

test('padded batch (lengths [5, 3]): valid outputs = each sequence alone, padding is +0 and does not leak; ragged caches continue exactly', () => {
  const m = mk();
  const rng = new Rng(6);
  const x = randn([2, 5, 3], { rng, dtype: f64 });
  const lengths = [5, 3];
  const r = m.forward(x, null, { lengths });
  // other padding values: same valid outputs, same continuation
  const xOther = concat([narrow(x, 1, 0, 3), randn([2, 2, 3], { rng, dtype: f64 })], 1);
  const xPad = concat([narrow(x, 0, 0, 1), narrow(xOther, 0, 1, 1)], 0);
  const rPad = m.forward(xPad, null, { lengths });
  assertClose(r.output, Array.from(rPad.output.data()), 1e-12, 1e-12, 'padding values do not matter');
  assert.deepEqual(Array.from(narrow(r.state.mask, 0, 0, 1).data()), [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
  const alone = lengths.map((n, b) => m.forward(narrow(narrow(x, 0, b, 1), 1, 0, n)));
  lengths.forEach((n, b) => {
    assertClose(narrow(narrow(r.output, 0, b, 1), 1, 0, n), Array.from(alone[b]!.output.data()), 1e-12, 1e-12, `sequence ${b}`);
    if (n < 5) assert.ok(Array.from(narrow(narrow(r.output, 0, b, 1), 1, n, 5 - n).data()).every((v) => Object.is(v, 0)), 'padding is +0');
    assertClose(narrow(r.state.h, 1, b, 1), Array.from(alone[b]!.state.h.data()), 1e-12, 1e-12, `h ${b}`);
  });
  // continue the ragged batch: a second ragged chunk, then single steps; each sequence = its own unpadded stream
  const x2 = randn([2, 4, 3], { rng, dtype: f64 });
  const lengths2 = [2, 4];
  const r2 = m.forward(x2, r.state, { lengths: lengths2 });
  const r2Pad = m.forward(x2, rPad.state, { lengths: lengths2 });
  assertClose(r2.output, Array.from(r2Pad.output.data()), 1e-12, 1e-12, 'padding does not leak through the cache');
  const x3 = randn([2, 1, 3], { rng, dtype: f64 });
  const r3 = m.step(squeeze(x3, 1), r2.state);
  lengths2.forEach((n2, b) => {
    const seq = (t: Tensor, n: number): Tensor => narrow(narrow(t, 0, b, 1), 1, 0, n);
    const a2 = m.forward(seq(x2, n2), alone[b]!.state);
    assertClose(seq(r2.output, n2), Array.from(a2.output.data()), 1e-12, 1e-12, `second chunk, sequence ${b}`);
    const once = m.forward(concat([seq(x, lengths[b]!), seq(x2, n2), narrow(x3, 0, b, 1)], 1));
    assertClose(narrow(r3.output, 0, b, 1), Array.from(narrow(once.output, 1, lengths[b]! + n2, 1).data()), 1e-12, 1e-12, `step, sequence ${b}`);
  });
});

test('fla names and shapes; state shapes; typed errors on bad input; the attention cell and a deltanet+attention hybrid', () => {
  const m = mk({ hiddenSize: 8, heads: 2 });
  const shapes = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape.join('x')]));
  assert.deepEqual(shapes, {
    'in_proj.weight': '8x3', 'in_proj.bias': '8',
    'layers.0.attn_norm.weight': '8', 'layers.0.attn.q_proj.weight': '8x8', 'layers.0.attn.k_proj.weight': '8x8',
    'layers.0.attn.v_proj.weight': '8x8', 'layers.0.attn.o_proj.weight': '8x8',
    'layers.1.attn_norm.weight': '8', 'layers.1.attn.q_proj.weight': '8x8', 'layers.1.attn.k_proj.weight': '8x8',
    'layers.1.attn.v_proj.weight': '8x8', 'layers.1.attn.o_proj.weight': '8x8',
  });
  const x = randn([2, 3, 3], { rng: new Rng(9), dtype: f64 });
  const r = m.forward(x);
  assert.deepEqual(r.output.shape, [2, 3, 8]);
  assert.deepEqual(Object.fromEntries(Object.entries(r.state).map(([k, t]) => [k, t.shape])), { h: [2, 2, 8], k: [2, 2, 2, 3, 4], v: [2, 2, 2, 3, 4], mask: [2, 2, 3] });
  assert.equal(m.layers.list[0]!.attn.headDim, 4);
  assert.equal(m.layers.list[0]!.attn.ropeBase, 10000);
  assert.equal(mk({ ropeBase: 500 }).layers.list[1]!.attn.ropeBase, 500);

  assert.throws(() => mk({ hiddenSize: 6, heads: 4 }), ArgumentError);
  assert.throws(() => mk({ heads: 0 }), ArgumentError);
  assert.throws(() => mk({ ropeBase: -1 }), ArgumentError);
  assert.throws(() => new CausalAttention(6, { heads: 4 }), ArgumentError);
  assert.throws(() => m.forward(randn([2, 3, 4], { dtype: f64 })), ShapeError);
  assert.throws(() => m.forward(randn([2, 3], { dtype: f64 })), ShapeError);
  assert.throws(() => m.step(randn([2, 1, 3], { dtype: f64 })), ShapeError);
  assert.throws(() => m.forward(x, null, { lengths: [3] }), ShapeError);
  assert.throws(() => m.forward(x, null, { lengths: [3, 0] }), ArgumentError);
  assert.throws(() => m.forward(narrow(x, 0, 0, 1), r.state), ShapeError); // cache for a batch of 2
  assert.throws(() => m.forward(x, { h: r.state.h, S: r.state.k }), ArgumentError); // not a KV cache
  assert.throws(() => m.forward(x, { ...r.state, mask: narrow(r.state.mask, 2, 0, 2) }), ShapeError);
  assert.throws(() => mk({ heads: 4 }).forward(x, r.state), ShapeError); // cache of another head count

  const spec = getModel('attention');
  assert.match(spec.description, /KV-cache/);
  assert.equal(spec.bidirectional, false);
  const sizes = { inputSize: 3, hiddenSize: 8, numLayers: 2, dropout: 0, bidirectional: false };
  const a = spec.create({ ...sizes, rng: new Rng(1) }, { heads: 2 });
  assert.ok(a instanceof Attention);
  assert.equal((a as Attention).heads, 2);
  const hybrid = getModel('deltanet+attention').create({ ...sizes, rng: new Rng(1), dtype: f64 }, { heads: 2 });
  const xs = randn([2, 5, 3], { rng: new Rng(10), dtype: f64 });
  const full = hybrid.forward(xs);
  const first = hybrid.forward(narrow(xs, 1, 0, 2));
  const rest = hybrid.forward(narrow(xs, 1, 2, 3), first.state);
  assertClose(rest.output, Array.from(narrow(full.output, 1, 2, 3).data()), 1e-12, 1e-12, 'hybrid continues exactly');
  assert.deepEqual(full.state['l1.k']!.shape, [1, 2, 2, 5, 4]);
});
