// Recurrent layers' API edges: typed errors for bad inputs and options, dropout between layers
// (training only, never after the last layer), and no tensor leaks over training steps.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';
import type { Impl, Layer, State } from './rnn_common.js';
import { IMPLS, SPECS, randT, spec, stateNames } from './rnn_common.js';

type ErrorClass = typeof rc.ShapeError | typeof rc.ArgumentError | typeof rc.DTypeError;

function throwsTyped(fn: () => unknown, cls: ErrorClass, re: RegExp, label: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `${label}: expected ${cls.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.match((e as Error).message, re, label);
    return true;
  }, label);
}

describe('bad inputs raise typed errors', () => {
  for (const s of SPECS) {
    test(`${s.name}: x, state, lengths and dtype`, () => {
      const layer = s.make({ inputSize: 3, hiddenSize: 4, numLayers: 2, rng: new rc.Rng(1) });
      const op = layer.opName;
      try {
        rc.tidy(() => {
          const LD = 2, B = 2, T = 5;
          const x = rc.zeros([T, B, 3]);
          throwsTyped(() => layer.forward(rc.zeros([T, 3])), rc.ShapeError, new RegExp(`^${op}: x must be \\[time, batch, 3\\], got \\[5, 3\\]`), 'rank 2 x');
          throwsTyped(() => layer.forward(rc.zeros([T, B, 4])), rc.ShapeError, /got \[5, 2, 4\]/, 'wrong feature size');
          throwsTyped(() => layer.forward([1, 2, 3] as unknown as rc.Tensor), rc.ArgumentError, /x must be a Tensor/, 'x not a tensor');
          throwsTyped(() => layer.forward(rc.zeros([T, B, 3], { dtype: 'int32' })), rc.DTypeError, /int32/, 'int32 x');
          throwsTyped(() => layer.forward(rc.zeros([T, B, 3], { dtype: 'float64' })), rc.DTypeError, /float64 but the layer's weights are float32/, 'dtype mismatch');

          // State: every entry [L*D, B, size].
          const good = layer.initialState(B);
          const bad = (k: string, shape: number[]): State => ({ ...good, [k]: rc.zeros(shape) }) as State;
          for (const k of stateNames(s)) {
            const size = good[k]!.shape[2]!;
            throwsTyped(() => layer.forward(x, bad(k, [1, B, size])), rc.ShapeError, new RegExp(`state\\.${k} must be \\[${LD}, ${B}, ${size}\\], got \\[1, ${B}, ${size}\\]`), `state.${k} layers`);
            throwsTyped(() => layer.forward(x, bad(k, [LD, B + 1, size])), rc.ShapeError, new RegExp(`state\\.${k} must be`), `state.${k} batch`);
            throwsTyped(() => layer.forward(x, bad(k, [LD, B, size + 1])), rc.ShapeError, new RegExp(`state\\.${k} must be`), `state.${k} size`);
            throwsTyped(() => layer.forward(x, bad(k, [LD * B * size])), rc.ShapeError, new RegExp(`state\\.${k} must be`), `state.${k} rank`);
            const missing = { ...good } as Record<string, rc.Tensor>;
            delete missing[k];
            throwsTyped(() => layer.forward(x, missing as State), rc.ShapeError, new RegExp(`state\\.${k} must be .*got undefined`), `state.${k} missing`);
            throwsTyped(() => layer.step(rc.zeros([B, 3]), bad(k, [LD, B, size + 1])), rc.ShapeError, new RegExp(`state\\.${k} must be`), `step state.${k}`);
          }

          // Lengths.
          throwsTyped(() => layer.forward(x, null, { lengths: [5] }), rc.ShapeError, /lengths has 1 entries for a batch of 2/, 'lengths count');
          throwsTyped(() => layer.forward(x, null, { lengths: rc.tensor([5, 5, 5], [3], { dtype: 'int32' }) }), rc.ShapeError, /lengths has 3 entries/, 'lengths tensor count');
          throwsTyped(() => layer.forward(x, null, { lengths: [6, 1] }), rc.ArgumentError, /lengths\[0\] = 6 is not an integer in \[0, 5\]/, 'lengths > T');
          throwsTyped(() => layer.forward(x, null, { lengths: [2, 1.5] }), rc.ArgumentError, /lengths\[1\] = 1.5/, 'non-integer lengths');
          throwsTyped(() => layer.forward(x, null, { lengths: [-1, 1] }), rc.ArgumentError, /lengths\[0\] = -1/, 'negative lengths');
          throwsTyped(() => layer.forward(x, null, { lengths: [Number.NaN, 1] }), rc.ArgumentError, /lengths\[0\] = NaN/, 'NaN lengths');
          throwsTyped(() => layer.forward(x, null, { lengths: rc.tensor([2, 1], [2]) }), rc.DTypeError, /lengths must be int32, got float32/, 'float lengths tensor');

          // Streaming step.
          throwsTyped(() => layer.step(rc.zeros([T, B, 3])), rc.ShapeError, /step: x must be \[batch, 3\], got \[5, 2, 3\]/, 'step rank');
          throwsTyped(() => layer.step(rc.zeros([B, 4])), rc.ShapeError, /step: x must be \[batch, 3\]/, 'step feature size');
        });
      } finally {
        layer.dispose();
      }
    });
  }

  test('a batchFirst layer names its layout in the message', () => {
    const layer = new rc.nn.GRU({ inputSize: 3, hiddenSize: 4, batchFirst: true });
    try {
      rc.tidy(() => throwsTyped(() => layer.forward(rc.zeros([2, 5, 2])), rc.ShapeError, /x must be \[batch, time, 3\]/, 'batchFirst'));
    } finally {
      layer.dispose();
    }
  });
});

describe('bad constructor options raise ArgumentError (and allocate nothing)', () => {
  const base = { inputSize: 3, hiddenSize: 4 };
  const common: [string, Record<string, unknown>, RegExp][] = [
    ['hiddenSize 0', { hiddenSize: 0 }, /hiddenSize must be a positive integer, got 0/],
    ['hiddenSize 2.5', { hiddenSize: 2.5 }, /hiddenSize must be a positive integer/],
    ['inputSize 0', { inputSize: 0 }, /inputSize must be a positive integer/],
    ['inputSize missing', { inputSize: undefined }, /inputSize must be a positive integer, got undefined/],
    ['numLayers 0', { numLayers: 0 }, /numLayers must be a positive integer/],
    ['heads 0', { heads: 0 }, /heads must be a positive integer/],
    ['heads 3 with hiddenSize 4', { heads: 3 }, /hiddenSize 4 is not divisible by heads 3/],
    ['dropout 2', { dropout: 2 }, /dropout must be in \[0, 1\], got 2/],
    ['dropout -0.1', { dropout: -0.1 }, /dropout must be in \[0, 1\]/],
    ['dropout NaN', { dropout: Number.NaN }, /dropout must be in \[0, 1\]/],
    ["impl 'x'", { impl: 'x' }, /impl must be fused or recurrent, got 'x'/],
  ];
  for (const s of SPECS) {
    test(s.name, () => {
      const before = rc.memory();
      for (const [label, o, re] of common) {
        throwsTyped(() => s.make({ ...base, ...o } as unknown as rc.nn.RecurrentOptions), rc.ArgumentError, re, `${s.name} ${label}`);
      }
      assert.deepEqual(rc.memory(), before);
    });
  }

  test('LSTM projSize and heads', () => {
    const before = rc.memory();
    for (const p of [4, 5, -1, 1.5]) {
      throwsTyped(() => new rc.nn.LSTM({ ...base, projSize: p }), rc.ArgumentError, new RegExp(`^LSTM: projSize must be an integer in \\[0, hiddenSize\\), got ${p}`), `projSize ${p}`);
    }
    throwsTyped(() => new rc.nn.LSTM({ ...base, projSize: 2, heads: 2 }), rc.ArgumentError, /heads > 1 cannot be combined with projSize/, 'heads with projSize');
    assert.deepEqual(rc.memory(), before);
  });

  test('options that are not an object', () => {
    const ctors: [string, (o: rc.nn.RecurrentOptions) => unknown][] = [
      ['RNN', (o) => new rc.nn.RNN(o)], ['GRU', (o) => new rc.nn.GRU(o)], ['LSTM', (o) => new rc.nn.LSTM(o)],
      ['SLSTM', (o) => new rc.nn.SLSTM(o)], ['LeakyRNN', (o) => new rc.nn.LeakyRNN(o)],
    ];
    for (const [name, make] of ctors) {
      for (const o of [null, undefined, 5]) {
        throwsTyped(() => make(o as unknown as rc.nn.RecurrentOptions), rc.ArgumentError, new RegExp(`^${name}: expected an options object`), `${name}(${String(o)})`);
      }
    }
  });

  test("nonlinearity 'sigmoid'", () => {
    const o = { ...base, nonlinearity: 'sigmoid' } as unknown as rc.nn.RecurrentOptions & { nonlinearity: 'tanh' };
    throwsTyped(() => new rc.nn.RNN(o), rc.ArgumentError, /^RNN: nonlinearity must be 'tanh' or 'relu', got sigmoid/, 'RNN');
    throwsTyped(() => new rc.nn.LeakyRNN(o), rc.ArgumentError, /^LeakyRNN: nonlinearity must be 'tanh' or 'relu', got sigmoid/, 'LeakyRNN');
  });
});

describe('dropout between layers', () => {
  for (const s of [spec('GRU'), spec('LSTM'), spec('SLSTM'), spec('LeakyRNN tanh')]) {
    for (const impl of IMPLS) {
      test(`${s.name} ${impl}: training only, never after the last layer`, () => {
        rc.tidy(() => {
          const rng = new rc.Rng(61);
          const mk = (numLayers: number, dropout: number, bidirectional = false): Layer =>
            s.make({ inputSize: 3, hiddenSize: 8, numLayers, dropout, bidirectional, impl, dtype: 'float64', rng: new rc.Rng(10) });
          const x = randT(rng, [5, 4, 3], 'float64');
          const out = (l: Layer): number[] => Array.from(rc.noGrad(() => l.forward(x)).output.data());
          const layers: Layer[] = [];
          try {
            const deep = mk(2, 0.5, true);
            const plain = mk(2, 0, true);
            const single = mk(1, 0.5);
            layers.push(deep, plain, single);
            plain.loadStateDict(deep.stateDict());
            assert.equal(deep.training, true);
            // Training: a fresh mask every call, and different from no dropout.
            const t1 = out(deep);
            const t2 = out(deep);
            assert.notDeepEqual(t1, t2);
            assert.notDeepEqual(t1, out(plain));
            // ... but the last layer's output is never dropped (no exact zeros).
            assert.ok(t1.every((v) => v !== 0), 'an output of the last layer was zeroed');
            // eval(): deterministic and equal to the same weights without dropout.
            deep.eval();
            const e1 = out(deep);
            assert.deepEqual(out(deep), e1);
            assert.deepEqual(out(plain), e1);
            // One layer: nothing to drop even in training.
            const singleTrain = out(single);
            assert.deepEqual(out(single), singleTrain);
            single.eval();
            assert.deepEqual(out(single), singleTrain);

            // Streaming: dropout between layers in training as well, none in eval.
            const uni = mk(2, 0.5);
            layers.push(uni);
            const x0 = rc.reshape(rc.narrow(x, 0, 0, 1), [4, 3]);
            const st = (): number[] => Array.from(rc.noGrad(() => uni.step(x0)).output.data());
            assert.notDeepEqual(st(), st());
            uni.eval();
            const se = st();
            assert.deepEqual(st(), se);
            const fe = Array.from(rc.noGrad(() => uni.forward(rc.narrow(x, 0, 0, 1))).output.data());
            assert.equal(se.length, fe.length);
            se.forEach((v, i) => assert.ok(Math.abs(v - fe[i]!) <= 1e-12, `eval step vs forward at ${i}: ${v} vs ${fe[i]}`));
          } finally {
            for (const l of layers) l.dispose();
          }
        });
      });
    }
  }
});

describe('memory', () => {
  for (const impl of IMPLS) {
    test(`no leaks: 20 AdamW steps of a 2-layer bidirectional LSTM with lengths (${impl})`, () => {
      const start = rc.memory();
      const rng = new rc.Rng(71);
      const layer = new rc.nn.LSTM({ inputSize: 3, hiddenSize: 8, numLayers: 2, bidirectional: true, impl, rng: new rc.Rng(11) });
      const x = randT(rng, [6, 3, 3], 'float32');
      const y = randT(rng, [6, 3, 16], 'float32');
      const lengths = rc.tensor([6, 2, 4], [3], { dtype: 'int32' });
      const h0 = rc.zeros([4, 3, 8]);
      const opt = new rc.optim.AdamW(layer.parameterRecord(), { lr: 1e-2 });
      const lossFn = rc.valueAndGrad((p: Record<string, rc.Tensor>) => {
        void p;
        const r = layer.forward(x, { h: h0, c: h0 }, { lengths });
        return rc.add(rc.mse(r.output, y), rc.mean(rc.square(r.state.c)));
      });
      const trainStep = (): number => {
        const { value, grads } = lossFn(layer.parameterRecord());
        opt.step(grads);
        const v = value.item();
        rc.dispose([value, grads]);
        return v;
      };
      const first = trainStep();
      const before = rc.memory();
      let last = first;
      for (let k = 0; k < 20; k++) last = trainStep();
      assert.deepEqual(rc.memory(), before);
      assert.ok(last < first, `loss did not decrease: ${first} -> ${last}`);
      opt.dispose();
      layer.dispose();
      rc.dispose([x, y, lengths, h0]);
      assert.deepEqual(rc.memory(), start);
    });
  }

  for (const s of SPECS) {
    test(`${s.name}: forward and step inside tidy free everything (fused, recurrent, heads)`, () => {
      const o: rc.nn.RecurrentOptions = { inputSize: 3, hiddenSize: 4, numLayers: 2, rng: new rc.Rng(12) };
      if (s.heads) o.heads = 2;
      const layer = s.make(o);
      const x = rc.zeros([3, 2, 3]);
      try {
        const before = rc.memory();
        for (const impl of ['fused', 'recurrent'] as Impl[]) {
          layer.impl = impl;
          rc.tidy(() => {
            layer.forward(x, null, { lengths: [3, 1] });
            let st = layer.step(rc.zeros([2, 3])).state;
            st = layer.step(rc.zeros([2, 3]), st).state;
            rc.valueAndGrad((p: Record<string, rc.Tensor>) => {
              void p;
              return rc.sum(layer.step(rc.zeros([2, 3]), st).output);
            })(layer.parameterRecord());
          });
          assert.deepEqual(rc.memory(), before, impl);
        }
      } finally {
        layer.dispose();
        x.dispose();
      }
    });
  }
});
