// Recurrent layers, every kind (RNN tanh/relu, GRU, LSTM plain/projSize/peepholes, SLSTM,
// LeakyRNN tanh/relu): the fused whole-sequence kernels with their hand-written backward against the
// recurrent tape implementation (the spec) (outputs, final states and all gradients: x, every initial state tensor,
// every parameter), in float64 and float32, and gradchecks of both implementations.
// Streaming, TBPTT and lengths: rnn_seq.test.ts; errors, dropout and leaks: rnn_api.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';
import { assertGradcheck } from '../helpers.js';
import type { Impl, Layer, Spec, State } from './rnn_common.js';
import { IMPLS, SPECS, assertRunsNear, randCot, randState, randT, runGrads, stateNames, twin64, withParams } from './rnn_common.js';

interface Case {
  label: string;
  T: number;
  B: number;
  I: number;
  H: number;
  numLayers?: number;
  bidirectional?: boolean;
  batchFirst?: boolean;
  heads?: number;
  bias?: boolean;
  lengths?: number[];
  /** Pass lengths as an int32 tensor instead of an array. */
  lengthsTensor?: boolean;
  /** Pass an explicit (random) initial state and differentiate w.r.t. it. */
  state: boolean;
}

const F64_CASES: Case[] = [
  { label: 'T=1, explicit state', T: 1, B: 3, I: 3, H: 5, state: true },
  { label: 'T=7, bidirectional, no lengths', T: 7, B: 3, I: 3, H: 5, bidirectional: true, state: true },
  {
    label: 'T=7, 2 layers, bidirectional, batchFirst, lengths [7, 1, 4]', T: 7, B: 3, I: 3, H: 5, numLayers: 2, bidirectional: true,
    batchFirst: true, lengths: [7, 1, 4], state: true,
  },
  { label: 'T=7, default state, lengths tensor [3, 7, 1]', T: 7, B: 3, I: 4, H: 5, lengths: [3, 7, 1], lengthsTensor: true, state: false },
  { label: 'T=7, heads 2, 2 layers, lengths [7, 2, 5]', T: 7, B: 3, I: 3, H: 6, heads: 2, numLayers: 2, lengths: [7, 2, 5], state: true },
  { label: 'T=7, no bias, 2 layers, lengths [4, 7, 1]', T: 7, B: 3, I: 3, H: 5, bias: false, numLayers: 2, lengths: [4, 7, 1], state: true },
];

// hidden 8 exercises the backends' vectorised float32 cell kernels (hidden % 4 == 0), hidden 5 the tails.
const F32_CASES: Case[] = [
  { label: 'T=7, hidden 5, explicit state', T: 7, B: 3, I: 3, H: 5, state: true },
  {
    label: 'T=7, hidden 8, 2 layers, bidirectional, lengths [7, 1, 4]', T: 7, B: 3, I: 3, H: 8, numLayers: 2, bidirectional: true,
    lengths: [7, 1, 4], state: true,
  },
  { label: 'T=7, hidden 8, heads 2, batchFirst', T: 7, B: 3, I: 3, H: 8, heads: 2, batchFirst: true, state: true },
  { label: 'T=7, hidden 8, no bias, lengths [2, 7, 1]', T: 7, B: 3, I: 3, H: 8, bias: false, lengths: [2, 7, 1], state: true },
];

function layerOpts(c: Case, impl: Impl, dtype: 'float32' | 'float64', seed: number): rc.nn.RecurrentOptions {
  const o: rc.nn.RecurrentOptions = { inputSize: c.I, hiddenSize: c.H, impl, dtype, rng: new rc.Rng(seed) };
  if (c.numLayers !== undefined) o.numLayers = c.numLayers;
  if (c.bidirectional !== undefined) o.bidirectional = c.bidirectional;
  if (c.batchFirst !== undefined) o.batchFirst = c.batchFirst;
  if (c.heads !== undefined) o.heads = c.heads;
  if (c.bias !== undefined) o.bias = c.bias;
  return o;
}

function forwardOpts(c: Case): rc.nn.ForwardOptions {
  if (!c.lengths) return {};
  return { lengths: c.lengthsTensor ? rc.tensor(c.lengths, [c.lengths.length], { dtype: 'int32' }) : c.lengths };
}

function applies(s: Spec, c: Case): boolean {
  return !c.heads || s.heads;
}

describe('recurrent ≡ fused, float64 (outputs, final states, all gradients)', () => {
  for (const s of SPECS) {
    for (const c of F64_CASES) {
      if (!applies(s, c)) continue;
      test(`${s.name}: ${c.label}`, () => {
        rc.tidy(() => {
          const rng = new rc.Rng(11);
          const layer = s.make(layerOpts(c, 'recurrent', 'float64', 3));
          try {
            const x = randT(rng, c.batchFirst ? [c.B, c.T, c.I] : [c.T, c.B, c.I], 'float64');
            const st = c.state ? randState(rng, s, layer, c.B, 'float64') : null;
            const cot = randCot(rng, s, layer, c.T, c.B, 'float64');
            const fo = forwardOpts(c);
            const spec = runGrads(layer, x, st, fo, cot);
            layer.impl = 'fused';
            const fused = runGrads(layer, x, st, fo, cot);
            // Every gradient is there: x, each initial state tensor, each parameter.
            const want = ['x', ...(c.state ? stateNames(s).map((k) => `state.${k}`) : []), ...Object.keys(layer.parameterRecord()).map((k) => `params.${k}`)];
            assert.deepEqual(Object.keys(fused.grads).sort(), want.sort());
            assertRunsNear(`${s.name} fused vs recurrent`, fused, spec, 1e-10);
            // Gradients are not trivially zero.
            for (const k of ['x', 'params.weight_ih_l0', 'params.weight_hh_l0', ...(c.state ? ['state.h'] : [])]) {
              assert.ok(fused.grads[k]!.data.some((v) => v !== 0), `${k} gradient is all zeros`);
            }
          } finally {
            layer.dispose();
          }
        });
      });
    }
  }
});

describe('float32 fused and recurrent vs float64 recurrent', () => {
  for (const s of SPECS) {
    for (const c of F32_CASES) {
      if (!applies(s, c)) continue;
      test(`${s.name}: ${c.label}`, () => {
        rc.tidy(() => {
          const rng = new rc.Rng(12);
          const opts = layerOpts(c, 'fused', 'float32', 4);
          const l32 = s.make(opts);
          const l64 = twin64(s, l32, { ...opts, impl: 'recurrent' });
          try {
            const x = randT(rng, c.batchFirst ? [c.B, c.T, c.I] : [c.T, c.B, c.I], 'float32');
            const st = c.state ? randState(rng, s, l32, c.B, 'float32') : null;
            const cot = randCot(rng, s, l32, c.T, c.B, 'float32');
            const fo = forwardOpts(c);
            const st64 = st ? (Object.fromEntries(Object.entries(st).map(([k, t]) => [k, rc.cast(t, 'float64')])) as State) : null;
            const cot64 = { out: rc.cast(cot.out, 'float64'), state: Object.fromEntries(Object.entries(cot.state).map(([k, t]) => [k, rc.cast(t, 'float64')])) };
            const ref = runGrads(l64, rc.cast(x, 'float64'), st64, fo, cot64);
            for (const impl of IMPLS) {
              l32.impl = impl;
              assertRunsNear(`${s.name} float32 ${impl} vs float64 recurrent`, runGrads(l32, x, st, fo, cot), ref, 1e-5);
            }
          } finally {
            l32.dispose();
            l64.dispose();
          }
        });
      });
    }
  }
});

interface GcCase {
  label: string;
  H: number;
  heads?: number;
  bidirectional?: boolean;
  lengths?: number[];
}

const GC_CASES: GcCase[] = [
  { label: 'T=3 B=2 I=2 H=3', H: 3 },
  { label: 'bidirectional, lengths [3, 1]', H: 3, bidirectional: true, lengths: [3, 1] },
  { label: 'heads 2 (H=4)', H: 4, heads: 2 },
];

describe('gradcheck through layer.forward (float64; x, initial state, weights)', () => {
  for (const s of SPECS) {
    for (const c of GC_CASES) {
      if (c.heads && !s.heads) continue;
      for (const impl of IMPLS) {
        test(`${s.name} ${impl}: ${c.label}`, () => {
          rc.tidy(() => {
            const rng = new rc.Rng(21);
            const o: rc.nn.RecurrentOptions = { inputSize: 2, hiddenSize: c.H, impl, dtype: 'float64', rng: new rc.Rng(5) };
            if (c.heads) o.heads = c.heads;
            if (c.bidirectional) o.bidirectional = true;
            const layer: Layer = s.make(o);
            try {
              const names = Object.keys(layer.parameterRecord());
              const keys = stateNames(s);
              const x = randT(rng, [3, 2, 2], 'float64');
              const st = randState(rng, s, layer, 2, 'float64');
              const fo: rc.nn.ForwardOptions = c.lengths ? { lengths: c.lengths } : {};
              const f = (xx: rc.Tensor, ...rest: rc.Tensor[]): rc.Tensor => {
                const state = Object.fromEntries(keys.map((k, i) => [k, rest[i]!])) as State;
                const ps = Object.fromEntries(names.map((n, i) => [n, rest[keys.length + i]!]));
                return withParams(layer, ps, () => {
                  const r = layer.forward(xx, state, fo);
                  const parts = [r.output, r.state.h, ...s.smoothStates.map((k) => r.state[k]!)];
                  return rc.concat(parts.map((t) => rc.flatten(t)), 0);
                });
              };
              const inputs = [x, ...keys.map((k) => st[k]!), ...names.map((n) => layer.parameterRecord()[n]!)];
              assertGradcheck(f, inputs, { atol: 1e-6, rtol: 1e-5 });
            } finally {
              layer.dispose();
            }
          });
        });
      }
    }
  }
});
