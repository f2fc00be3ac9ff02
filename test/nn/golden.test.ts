// Classic recurrent layers (RNN, GRU, LSTM) against PyTorch golden fixtures.
//
// The fixtures in test/fixtures/rnn/ come from tools/golden/rnn_fixtures.py (torch, float64).
// Each holds the weights (`param.<pytorch name>`), inputs `x`, `h0` (`c0`), optional `lengths`,
// outputs `out`, `hn` (`cn`), cotangents `cot.*` and the gradients `grad.*` of
// loss = sum(out * cot.out) + sum(hn * cot.hn) (+ sum(cn * cot.cn)).
// Every fixture runs as float64 with impl 'recurrent' and 'fused' (1e-9 relative) and as float32 with
// impl 'fused' (1e-5 relative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import * as rc from '../../src/index.js';
import { loadSafetensorsFileSync } from '../../src/io/node.js';
import { readSafetensorsMetadata } from '../../src/io/tensors.js';
import { relRms } from '../helpers.js';

const FIXTURES = [
  'rnn_tanh',
  'rnn_relu',
  'gru',
  'lstm',
  'lstm_proj',
  'lstm_2layer_bidir',
  'gru_2layer_bidir_batchfirst',
  'rnn_tanh_nobias',
  'lstm_lengths',
  'gru_lengths',
  'lstm_t1',
  'lstm_proj_2layer_bidir',
] as const;

type Impl = 'recurrent' | 'fused';
type FloatDType = 'float32' | 'float64';

interface Variant {
  dtype: FloatDType;
  impl: Impl;
  rtol: number;
}

const VARIANTS: Variant[] = [
  { dtype: 'float64', impl: 'recurrent', rtol: 1e-9 },
  { dtype: 'float64', impl: 'fused', rtol: 1e-9 },
  { dtype: 'float32', impl: 'fused', rtol: 1e-5 },
];

type RecurrentState = rc.nn.LayerState;
type RecurrentLayer = rc.nn.RecurrentLayer<RecurrentState>;

interface Fixture {
  name: string;
  meta: Record<string, string>;
  tensors: Record<string, rc.Tensor>;
}

const fixtureDir = fileURLToPath(new URL('../fixtures/rnn/', import.meta.url));

function loadFixture(name: string): Fixture {
  const path = `${fixtureDir}${name}.safetensors`;
  const meta = readSafetensorsMetadata(new Uint8Array(readFileSync(path)));
  return { name, meta, tensors: loadSafetensorsFileSync(path) };
}

function need(fx: Fixture, key: string): rc.Tensor {
  const t = fx.tensors[key];
  assert.ok(t, `${fx.name}: fixture has no tensor '${key}'`);
  return t;
}

function metaInt(fx: Fixture, key: string): number {
  const v = fx.meta[key];
  assert.ok(v !== undefined && /^\d+$/.test(v), `${fx.name}: metadata '${key}' = ${String(v)}`);
  return Number(v);
}

function metaBool(fx: Fixture, key: string): boolean {
  const v = fx.meta[key];
  assert.ok(v === 'true' || v === 'false', `${fx.name}: metadata '${key}' = ${String(v)}`);
  return v === 'true';
}

/** Parameters in PyTorch order: per layer, per direction, w_ih, w_hh, b_ih, b_hh, w_hr. */
function expectedParamNames(fx: Fixture): string[] {
  const layers = metaInt(fx, 'numLayers');
  const dirs = metaBool(fx, 'bidirectional') ? 2 : 1;
  const bias = metaBool(fx, 'bias');
  const proj = metaInt(fx, 'projSize') > 0;
  const names: string[] = [];
  for (let l = 0; l < layers; l++) {
    for (let d = 0; d < dirs; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      names.push(`weight_ih${sfx}`, `weight_hh${sfx}`);
      if (bias) names.push(`bias_ih${sfx}`, `bias_hh${sfx}`);
      if (proj) names.push(`weight_hr${sfx}`);
    }
  }
  return names;
}

function buildLayer(fx: Fixture, dtype: FloatDType, impl: Impl): RecurrentLayer {
  const common = {
    inputSize: metaInt(fx, 'inputSize'),
    hiddenSize: metaInt(fx, 'hiddenSize'),
    numLayers: metaInt(fx, 'numLayers'),
    bias: metaBool(fx, 'bias'),
    batchFirst: metaBool(fx, 'batchFirst'),
    bidirectional: metaBool(fx, 'bidirectional'),
    dropout: 0,
    impl,
    dtype,
    rng: new rc.Rng(0),
  };
  const mode = fx.meta['mode'];
  switch (mode) {
    case 'RNN_TANH':
      return new rc.nn.RNN({ ...common, nonlinearity: 'tanh' });
    case 'RNN_RELU':
      return new rc.nn.RNN({ ...common, nonlinearity: 'relu' });
    case 'GRU':
      return new rc.nn.GRU(common);
    case 'LSTM':
      return new rc.nn.LSTM({ ...common, projSize: metaInt(fx, 'projSize') });
    default:
      throw new Error(`${fx.name}: unknown mode ${String(mode)}`);
  }
}

interface HostTensor {
  shape: number[];
  data: ArrayLike<number>;
}

function host(t: rc.Tensor): HostTensor {
  return { shape: [...t.shape], data: t.data() };
}

/**
 * Elementwise |a - e| <= rtol * |e| + rtol * max|e| (the floor keeps near-zero entries from
 * demanding more than the tensor's precision); NaN or Inf anywhere fails.
 */
function assertNear(label: string, actual: HostTensor, expected: rc.Tensor, rtol: number): void {
  assert.deepEqual(actual.shape, [...expected.shape], `${label}: shape`);
  const e = expected.data();
  const a = actual.data;
  let scale = 0;
  for (let i = 0; i < e.length; i++) scale = Math.max(scale, Math.abs(e[i]!));
  const floor = rtol * scale;
  let bad = 0;
  let worst = -1;
  let worstRatio = -1;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i]! - e[i]!);
    const allowed = rtol * Math.abs(e[i]!) + floor;
    const ok = err <= allowed;
    const ratio = ok ? err / Math.max(allowed, Number.MIN_VALUE) : Number.POSITIVE_INFINITY;
    if (!ok) bad++;
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worst = i;
    }
  }
  assert.ok(
    bad === 0,
    `${label}: ${bad}/${e.length} elements off (rtol ${rtol}, max|expected| ${scale}); ` +
      `worst at ${worst}: got ${a[worst]}, expected ${e[worst]}; relRms ${relRms(a, e)}`,
  );
}

/** Positions (flat offsets of the first feature) of padded time steps: t >= lengths[b]. */
function assertPaddedZero(label: string, t: HostTensor, lengths: ArrayLike<number>, batchFirst: boolean): void {
  const [d0, d1, feat] = t.shape as [number, number, number];
  const [steps, batch] = batchFirst ? [d1, d0] : [d0, d1];
  for (let b = 0; b < batch; b++) {
    for (let s = lengths[b]!; s < steps; s++) {
      const base = (batchFirst ? b * steps + s : s * batch + b) * feat;
      for (let f = 0; f < feat; f++) {
        assert.equal(t.data[base + f], 0, `${label}: batch ${b} step ${s} feature ${f} is padding and must be exactly 0`);
      }
    }
  }
}

interface Leaves {
  x: rc.Tensor;
  h0: rc.Tensor;
  params: Record<string, rc.Tensor>;
  [extra: string]: rc.Tensor | Record<string, rc.Tensor>;
}

function runVariant(fx: Fixture, v: Variant): void {
  rc.tidy(() => {
    const isLstm = fx.meta['mode'] === 'LSTM';
    const batchFirst = metaBool(fx, 'batchFirst');
    const conv = (t: rc.Tensor): rc.Tensor => (v.dtype === 'float64' ? t : rc.cast(t, 'float32'));
    const layer = buildLayer(fx, v.dtype, v.impl);
    try {
      const weights: Record<string, rc.Tensor> = {};
      for (const [k, t] of Object.entries(fx.tensors)) {
        if (k.startsWith('param.')) weights[k.slice('param.'.length)] = conv(t);
      }
      layer.loadStateDict(weights);

      const cotOut = conv(need(fx, 'cot.out'));
      const cotHn = conv(need(fx, 'cot.hn'));
      const cotCn = isLstm ? conv(need(fx, 'cot.cn')) : undefined;
      const lengthsT = fx.tensors['lengths'];
      // Both accepted forms of lengths: a plain array for 'recurrent', the int32 tensor for 'fused'.
      const lengths = lengthsT === undefined ? undefined : v.impl === 'recurrent' ? Array.from(lengthsT.data()) : lengthsT;
      const opts = lengths === undefined ? undefined : { lengths };

      const leaves: Leaves = { x: conv(need(fx, 'x')), h0: conv(need(fx, 'h0')), params: layer.parameterRecord() };
      if (isLstm) leaves['c0'] = conv(need(fx, 'c0'));

      // Host copies of the forward results (the tensors inside valueAndGrad are freed with it).
      const seen: { out?: HostTensor; hn?: HostTensor; cn?: HostTensor } = {};
      const loss = (p: Leaves): rc.Tensor => {
        const c0 = p['c0'] as rc.Tensor | undefined;
        const state: RecurrentState = c0 ? { h: p.h0, c: c0 } : { h: p.h0 };
        const r = layer.forward(p.x, state, opts);
        seen.out = host(r.output);
        seen.hn = host(r.state.h);
        let l = rc.add(rc.sum(rc.mul(r.output, cotOut)), rc.sum(rc.mul(r.state.h, cotHn)));
        if (isLstm) {
          assert.ok(r.state.c, 'LSTM forward must return state.c');
          seen.cn = host(r.state.c);
          l = rc.add(l, rc.sum(rc.mul(r.state.c, cotCn!)));
        }
        return l;
      };
      const { grads } = rc.valueAndGrad(loss)(leaves);

      const tag = `${fx.name} [${v.dtype} ${v.impl}]`;
      const { out, hn, cn } = seen;
      assert.ok(out && hn, `${tag}: forward did not run`);
      assertNear(`${tag} out`, out, need(fx, 'out'), v.rtol);
      assertNear(`${tag} hn`, hn, need(fx, 'hn'), v.rtol);
      if (isLstm) {
        assert.ok(cn);
        assertNear(`${tag} cn`, cn, need(fx, 'cn'), v.rtol);
      }
      assertNear(`${tag} grad.x`, host(grads.x), need(fx, 'grad.x'), v.rtol);
      assertNear(`${tag} grad.h0`, host(grads.h0), need(fx, 'grad.h0'), v.rtol);
      if (isLstm) assertNear(`${tag} grad.c0`, host(grads['c0'] as rc.Tensor), need(fx, 'grad.c0'), v.rtol);
      const gparams = grads.params;
      assert.deepEqual(Object.keys(gparams).sort(), expectedParamNames(fx).sort(), `${tag}: gradient keys`);
      for (const name of expectedParamNames(fx)) {
        assertNear(`${tag} grad.param.${name}`, host(gparams[name]!), need(fx, `grad.param.${name}`), v.rtol);
      }
      if (lengthsT) {
        // PyTorch zeroes padded outputs and never reads padded inputs: both must be exact zeros here.
        const lens = lengthsT.data();
        assertPaddedZero(`${tag} out`, out, lens, batchFirst);
        assertPaddedZero(`${tag} grad.x`, host(grads.x), lens, batchFirst);
      }
    } finally {
      layer.dispose();
    }
  });
}

test('every fixture is present with the expected metadata and tensors', () => {
  for (const name of FIXTURES) {
    const fx = loadFixture(name);
    const mode = fx.meta['mode'];
    assert.ok(mode === 'RNN_TANH' || mode === 'RNN_RELU' || mode === 'GRU' || mode === 'LSTM', `${name}: mode ${String(mode)}`);
    for (const k of ['inputSize', 'hiddenSize', 'numLayers', 'projSize']) metaInt(fx, k);
    for (const k of ['bidirectional', 'batchFirst', 'bias']) metaBool(fx, k);
    assert.ok(fx.meta['torch'], `${name}: torch version`);
    const isLstm = mode === 'LSTM';
    const want = ['x', 'h0', 'out', 'hn', 'cot.out', 'cot.hn', 'grad.x', 'grad.h0'];
    if (isLstm) want.push('c0', 'cn', 'cot.cn', 'grad.c0');
    for (const p of expectedParamNames(fx)) want.push(`param.${p}`, `grad.param.${p}`);
    if (name.endsWith('_lengths')) want.push('lengths');
    assert.deepEqual(Object.keys(fx.tensors).sort(), want.sort(), `${name}: tensor names`);
    for (const [k, t] of Object.entries(fx.tensors)) {
      assert.equal(t.dtype, k === 'lengths' ? 'int32' : 'float64', `${name}: ${k} dtype`);
      t.dispose();
    }
  }
});

for (const name of FIXTURES) {
  test(`${name} stateDict keys and shapes match PyTorch`, () => {
    const fx = loadFixture(name);
    const layer = buildLayer(fx, 'float64', 'fused');
    try {
      const sd = layer.stateDict();
      // Same names in the same order as PyTorch's named_parameters().
      assert.deepEqual(Object.keys(sd), expectedParamNames(fx));
      const fromFixture = Object.fromEntries(
        Object.entries(fx.tensors)
          .filter(([k]) => k.startsWith('param.'))
          .map(([k, t]) => [k.slice('param.'.length), [...t.shape]]),
      );
      const ours = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, [...t.shape]]));
      assert.deepEqual(ours, fromFixture);
      for (const t of Object.values(sd)) assert.equal(t.dtype, 'float64');
      assert.deepEqual(Object.keys(layer.parameterRecord()), expectedParamNames(fx));
    } finally {
      layer.dispose();
      for (const t of Object.values(fx.tensors)) t.dispose();
    }
  });

  for (const v of VARIANTS) {
    test(`${name} [${v.dtype} ${v.impl}]`, () => {
      const fx = loadFixture(name);
      try {
        runVariant(fx, v);
      } finally {
        for (const t of Object.values(fx.tensors)) t.dispose();
      }
    });
  }
}
