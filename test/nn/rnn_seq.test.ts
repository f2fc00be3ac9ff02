// Recurrent layers over time: streaming `step` against `forward` (fast path under noGrad, tape path
// while recording), truncated BPTT, and the semantics of `lengths` (zero padding, frozen state,
// zero gradient into padding, length 0), for every layer kind.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';
import type { FloatDType, Host, Opts, State } from './rnn_common.js';
import {
  IMPLS, SPECS, assertNear, assertPlusZero, assertRunsNear, host, randCot, randState, randT, runGrads, spec, stateNames,
} from './rnn_common.js';

/** x[t] as [B, I] of a time-major x. */
const at = (x: rc.Tensor, t: number): rc.Tensor => rc.reshape(rc.narrow(x, 0, t, 1), x.shape.slice(1));

function hostState(st: State): Record<string, Host> {
  return Object.fromEntries(Object.entries(st).map(([k, t]) => [k, host(t)]));
}

function assertStatesNear(label: string, a: Record<string, Host>, e: Record<string, Host>, rtol: number): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${label}: state keys`);
  for (const k of Object.keys(e)) assertNear(`${label} state.${k}`, a[k]!, e[k]!, rtol);
}

interface StreamCase {
  label: string;
  H: number;
  numLayers: number;
  heads?: number;
  bias?: boolean;
  dtype: FloatDType;
  rtol: number;
}

const STREAM_CASES: StreamCase[] = [
  { label: 'float64, 2 layers, hidden 5', H: 5, numLayers: 2, dtype: 'float64', rtol: 1e-12 },
  { label: 'float64, heads 2', H: 6, numLayers: 1, heads: 2, dtype: 'float64', rtol: 1e-12 },
  { label: 'float32, 2 layers, hidden 8', H: 8, numLayers: 2, dtype: 'float32', rtol: 1e-5 },
  { label: 'float32, no bias, hidden 8', H: 8, numLayers: 1, bias: false, dtype: 'float32', rtol: 1e-5 },
];

describe('streaming step ≡ forward', () => {
  for (const s of SPECS) {
    for (const c of STREAM_CASES) {
      if (c.heads && !s.heads) continue;
      test(`${s.name}: ${c.label}`, () => {
        rc.tidy(() => {
          const T = 5, B = 3, I = 3;
          const rng = new rc.Rng(31);
          const o: Opts = { inputSize: I, hiddenSize: c.H, numLayers: c.numLayers, dtype: c.dtype, rng: new rc.Rng(6) };
          if (c.heads) o.heads = c.heads;
          if (c.bias !== undefined) o.bias = c.bias;
          const layer = s.make(o);
          try {
            const x = randT(rng, [T, B, I], c.dtype);
            const st0 = randState(rng, s, layer, B, c.dtype);
            const cot = randCot(rng, s, layer, T, B, c.dtype);
            const ref = runGrads(layer, x, st0, {}, cot);

            // Fast path: nothing records.
            assert.equal(rc.isRecording(), false);
            let st = st0;
            for (let t = 0; t < T; t++) {
              const r = layer.step(at(x, t), st);
              assert.deepEqual(r.output.shape, [B, layer.outSize]);
              assertNear(`${s.name} noGrad step ${t} output`, host(r.output), { shape: [B, layer.outSize], data: ref.out.data.slice(t * B * layer.outSize, (t + 1) * B * layer.outSize) }, c.rtol);
              st = r.state;
            }
            assertStatesNear(`${s.name} noGrad final`, hostState(st), ref.state, c.rtol);

            // Default initial state is zeros, as in forward.
            const z = layer.step(at(x, 0));
            const zf = rc.noGrad(() => layer.forward(rc.narrow(x, 0, 0, 1)));
            assertNear(`${s.name} step from the default state`, host(z.output), host(rc.reshape(zf.output, [B, layer.outSize])), c.rtol);

            // Tape path: stepping while recording gives forward's values and gradients.
            const tree: Record<string, rc.Tensor | Record<string, rc.Tensor>> = { x, state: st0, params: layer.parameterRecord() };
            const outs: Host[] = [];
            let fin: Record<string, Host> = {};
            const { grads } = rc.valueAndGrad((p: Record<string, rc.Tensor | Record<string, rc.Tensor>>) => {
              assert.equal(rc.isRecording(), true);
              let state = p['state'] as State;
              let loss: rc.Tensor | null = null;
              for (let t = 0; t < T; t++) {
                const r = layer.step(at(p['x'] as rc.Tensor, t), state);
                outs.push(host(r.output));
                const term = rc.sum(rc.mul(r.output, at(cot.out, t)));
                loss = loss ? rc.add(loss, term) : term;
                state = r.state;
              }
              fin = hostState(state);
              for (const [k, cs] of Object.entries(cot.state)) loss = rc.add(loss!, rc.sum(rc.mul(state[k]!, cs)));
              return loss!;
            })(tree);
            const flat: Record<string, Host> = {};
            for (const [k, g] of Object.entries(grads)) {
              if (rc.isTensor(g)) flat[k] = host(g);
              else for (const [k2, g2] of Object.entries(g)) flat[`${k}.${k2}`] = host(g2);
            }
            const outAll: Host = { shape: ref.out.shape, data: Float64Array.from(outs.flatMap((h) => Array.from(h.data))) };
            assertRunsNear(`${s.name} recorded steps vs forward`, { out: outAll, state: fin, grads: flat }, ref, c.rtol);
          } finally {
            layer.dispose();
          }
        });
      });
    }
  }

  test('a bidirectional layer cannot step', () => {
    const layer = new rc.nn.GRU({ inputSize: 2, hiddenSize: 3, bidirectional: true });
    try {
      rc.tidy(() => assert.throws(() => layer.step(rc.zeros([1, 2])), (e: unknown) => e instanceof rc.ArgumentError && /bidirectional/.test((e as Error).message)));
    } finally {
      layer.dispose();
    }
  });
});

describe('truncatedBptt', () => {
  for (const s of SPECS) {
    for (const batchFirst of [false, true]) {
      test(`${s.name}${batchFirst ? ', batchFirst' : ''}: chunks of 4 over 10 steps reproduce forward; gradients stop at chunk starts`, () => {
        rc.tidy(() => {
          const T = 10, B = 2, I = 3;
          const rng = new rc.Rng(41);
          const layer = s.make({ inputSize: I, hiddenSize: 4, numLayers: 2, batchFirst, dtype: 'float64', rng: new rc.Rng(7) });
          const ta = batchFirst ? 1 : 0;
          try {
            const x = randT(rng, batchFirst ? [B, T, I] : [T, B, I], 'float64');
            const full = rc.noGrad(() => layer.forward(x));
            const it = rc.nn.truncatedBptt(layer, x, 4);
            const starts: number[] = [];
            const outs: rc.Tensor[] = [];
            let last: State | null = null;
            for (let ch = it.first(); ch; ch = it.next(last!)) {
              assert.equal(ch.state === null, ch.start === 0, 'only the first chunk starts from the default state');
              starts.push(ch.start);
              const r = rc.noGrad(() => layer.forward(ch!.x, ch!.state));
              outs.push(r.output);
              last = r.state;
            }
            assert.deepEqual(starts, [0, 4, 8]);
            assertNear(`${s.name} tbptt outputs`, host(rc.concat(outs, ta)), host(full.output), 1e-12);
            assertStatesNear(`${s.name} tbptt final`, hostState(last!), hostState(full.state), 1e-12);

            // A loss on the last chunk only reaches that chunk's inputs.
            const lossOfLast = (detach: boolean) => (xx: rc.Tensor): rc.Tensor => {
              let r: rc.nn.RecurrentOutput<State> | null = null;
              if (detach) {
                const it2 = rc.nn.truncatedBptt(layer, xx, 4);
                for (let ch = it2.first(); ch; ch = it2.next(r!.state)) r = layer.forward(ch.x, ch.state);
              } else {
                // The same chunking with the state carried along with its history.
                for (let t0 = 0; t0 < T; t0 += 4) r = layer.forward(rc.narrow(xx, ta, t0, Math.min(4, T - t0)), r ? r.state : null);
              }
              return rc.sum(rc.mul(r!.output, r!.output));
            };
            const g = host(rc.grad(lossOfLast(true))(x));
            const gAttached = host(rc.grad(lossOfLast(false))(x));
            const step = (h: Host, t: number): number[] => {
              const v: number[] = [];
              for (let b = 0; b < B; b++) for (let i = 0; i < I; i++) v.push(h.data[(batchFirst ? (b * T + t) : (t * B + b)) * I + i]!);
              return v;
            };
            for (let t = 0; t < T; t++) {
              if (t < 8) assert.ok(step(g, t).every((v) => v === 0), `detached: gradient reached x[${t}] of an earlier chunk`);
              else assert.ok(step(g, t).some((v) => v !== 0), `gradient of x[${t}] in the last chunk is zero`);
            }
            // Without the detach the same loss does reach earlier chunks (the check above can fail).
            assert.ok(step(gAttached, 7).some((v) => v !== 0));
          } finally {
            layer.dispose();
          }
        });
      });
    }
  }

  test('chunk must be a positive integer', () => {
    const layer = new rc.nn.RNN({ inputSize: 2, hiddenSize: 3 });
    try {
      rc.tidy(() => {
        const x = rc.zeros([5, 1, 2]);
        for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => rc.nn.truncatedBptt(layer, x, bad), rc.ArgumentError);
      });
    } finally {
      layer.dispose();
    }
  });
});

describe('lengths', () => {
  const T = 6, B = 4, I = 3, H = 5;
  const LENGTHS = [6, 3, 1, 0];
  for (const s of SPECS) {
    for (const impl of IMPLS) {
      test(`${s.name} ${impl}: padding is +0, final state = last valid step, padded inputs get no gradient, length 0 keeps the state`, () => {
        rc.tidy(() => {
          const rng = new rc.Rng(51);
          const layer = s.make({ inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, impl, dtype: 'float64', rng: new rc.Rng(8) });
          try {
            const LD = layer.numLayers * layer.directions;
            const x = randT(rng, [T, B, I], 'float64');
            const st0 = randState(rng, s, layer, B, 'float64');
            const cot = randCot(rng, s, layer, T, B, 'float64');
            const run = runGrads(layer, x, st0, { lengths: LENGTHS }, cot);
            // The int32 tensor form gives the same bits.
            const runT = runGrads(layer, x, st0, { lengths: rc.tensor(LENGTHS, [B], { dtype: 'int32' }) }, cot);
            assertRunsNear(`${s.name} lengths tensor vs array`, runT, run, 0);
            const F = run.out.shape[2]!;
            for (let b = 0; b < B; b++) {
              const len = LENGTHS[b]!;
              for (let t = len; t < T; t++) {
                assertPlusZero(`output[${t}, ${b}] (padding)`, run.out.data.subarray((t * B + b) * F, (t * B + b + 1) * F));
                const gx = run.grads['x']!.data.subarray((t * B + b) * I, (t * B + b + 1) * I);
                assert.ok(gx.every((v) => v === 0), `grad x[${t}, ${b}] (padding) is ${Array.from(gx)}`);
              }
              const stateAt = (h: Host): Float64Array[] => {
                const W = h.shape[2]!;
                return Array.from({ length: LD }, (_, ld) => h.data.slice((ld * B + b) * W, (ld * B + b + 1) * W));
              };
              if (len === 0) {
                // Nothing ran: the state is the initial one (every entry, sLSTM's m included) ...
                for (const k of stateNames(s)) assert.deepEqual(stateAt(run.state[k]!), stateAt(host(st0[k]!)), `state.${k} of a length-0 sequence`);
                // ... so its gradient is exactly the cotangent of the final state.
                assert.deepEqual(stateAt(run.grads['state.h']!), stateAt(host(cot.state['h']!)));
                continue;
              }
              // The same sequence cut to its length, alone.
              const xb = rc.slice(x, [0, b, 0], [len, 1, I]);
              const stb = Object.fromEntries(stateNames(s).map((k) => [k, rc.slice(st0[k]!, [0, b, 0], [LD, 1, st0[k]!.shape[2]!])])) as State;
              const alone = rc.noGrad(() => layer.forward(xb, stb));
              assertNear(`${s.name} output of sequence ${b} vs alone`, { shape: [len, F], data: Float64Array.from({ length: len * F }, (_, i) => run.out.data[(Math.floor(i / F) * B + b) * F + (i % F)]!) },
                { shape: [len, F], data: Float64Array.from(alone.output.data()) }, 1e-12);
              for (const k of stateNames(s)) {
                const got = stateAt(run.state[k]!).flatMap((r) => Array.from(r));
                const want = host(alone.state[k]!);
                assertNear(`${s.name} final state.${k} of sequence ${b} vs alone`, { shape: want.shape, data: Float64Array.from(got) }, want, 1e-12);
              }
            }
          } finally {
            layer.dispose();
          }
        });
      });
    }
  }

  test('all lengths 0: output all +0 and the state is the initial one (LSTM projSize, fused and recurrent)', () => {
    rc.tidy(() => {
      const s = spec('LSTM projSize');
      const rng = new rc.Rng(52);
      const layer = s.make({ inputSize: 2, hiddenSize: 4, numLayers: 2, impl: 'fused', dtype: 'float64', rng: new rc.Rng(9) });
      try {
        const x = randT(rng, [3, 2, 2], 'float64');
        const st0 = randState(rng, s, layer, 2, 'float64');
        for (const impl of IMPLS) {
          layer.impl = impl;
          const r = rc.noGrad(() => layer.forward(x, st0, { lengths: [0, 0] }));
          assertPlusZero(`${impl} output`, r.output.data());
          for (const k of stateNames(s)) assert.deepEqual(Array.from(r.state[k]!.data()), Array.from(st0[k]!.data()), `${impl} state.${k}`);
        }
      } finally {
        layer.dispose();
      }
    });
  });
});
