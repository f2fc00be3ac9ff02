// Shared helpers of the recurrent-layer tests (rnn*.test.ts): the layer kinds under test, seeded
// inputs, a forward+backward runner that returns host copies, and tolerance checks.
import assert from 'node:assert/strict';
import * as rc from '../../src/index.js';
import { relRms } from '../helpers.js';

export type Impl = 'recurrent' | 'fused';
export type FloatDType = 'float32' | 'float64';
export type State = rc.nn.LayerState;
export type Layer = rc.nn.RecurrentLayer<State>;
export type Opts = rc.nn.RecurrentOptions;

export const IMPLS: readonly Impl[] = ['recurrent', 'fused'];

/** A layer kind under test. */
export interface Spec {
  name: string;
  /** Cell states besides h, in the layer's order. */
  states: readonly string[];
  /** Accepts heads > 1 (everything but the projected LSTM). */
  heads: boolean;
  /**
   * Final states whose value is a smooth function of the inputs. sLSTM's c, n (and m) depend on the
   * stabiliser, which carries no gradient by design, so only h and the outputs are checked there.
   */
  smoothStates: readonly string[];
  make(o: Opts): Layer;
}

const proj = (h: number): number => Math.max(1, Math.floor(h / 2));

export const SPECS: readonly Spec[] = [
  { name: 'RNN tanh', states: [], heads: true, smoothStates: [], make: (o) => new rc.nn.RNN({ ...o, nonlinearity: 'tanh' }) },
  { name: 'RNN relu', states: [], heads: true, smoothStates: [], make: (o) => new rc.nn.RNN({ ...o, nonlinearity: 'relu' }) },
  { name: 'GRU', states: [], heads: true, smoothStates: [], make: (o) => new rc.nn.GRU(o) },
  { name: 'LSTM', states: ['c'], heads: true, smoothStates: ['c'], make: (o) => new rc.nn.LSTM(o) },
  { name: 'LSTM projSize', states: ['c'], heads: false, smoothStates: ['c'], make: (o) => new rc.nn.LSTM({ ...o, projSize: proj(o.hiddenSize) }) },
  { name: 'LSTM peepholes', states: ['c'], heads: true, smoothStates: ['c'], make: (o) => new rc.nn.LSTM({ ...o, peepholes: true }) },
  {
    name: 'LSTM projSize+peepholes', states: ['c'], heads: false, smoothStates: ['c'],
    make: (o) => new rc.nn.LSTM({ ...o, projSize: proj(o.hiddenSize), peepholes: true }),
  },
  { name: 'SLSTM', states: ['c', 'n', 'm'], heads: true, smoothStates: [], make: (o) => new rc.nn.SLSTM(o) },
  { name: 'LeakyRNN tanh', states: [], heads: true, smoothStates: [], make: (o) => new rc.nn.LeakyRNN({ ...o, nonlinearity: 'tanh' }) },
  { name: 'LeakyRNN relu', states: [], heads: true, smoothStates: [], make: (o) => new rc.nn.LeakyRNN({ ...o, nonlinearity: 'relu' }) },
];

export function spec(name: string): Spec {
  const s = SPECS.find((v) => v.name === name);
  assert.ok(s, `no spec ${name}`);
  return s;
}

/** Seeded normal tensor (values rounded to the dtype), `scale * N(0, 1)`, or `shift + scale |N|` with abs. */
export function randT(rng: rc.Rng, shape: readonly number[], dtype: FloatDType, scale = 1, opts: { abs?: boolean; shift?: number } = {}): rc.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = rng.normal();
    d[i] = (opts.shift ?? 0) + scale * (opts.abs ? Math.abs(v) : v);
  }
  return rc.tensor(d, shape, { dtype });
}

/** Names of a layer's state entries, h first. */
export function stateNames(s: Spec): string[] {
  return ['h', ...s.states];
}

/** Shape of state entry `k` of `layer` for batch `B`. */
export function stateShape(layer: Layer, k: string, B: number): number[] {
  return [layer.numLayers * layer.directions, B, k === 'h' ? layer.outSize : layer.hiddenSize];
}

/** A random, valid initial state (sLSTM: n > 0). */
export function randState(rng: rc.Rng, s: Spec, layer: Layer, B: number, dtype: FloatDType): State {
  const st: Record<string, rc.Tensor> = {};
  for (const k of stateNames(s)) {
    st[k] = k === 'n' ? randT(rng, stateShape(layer, k, B), dtype, 0.5, { abs: true, shift: 0.5 }) : randT(rng, stateShape(layer, k, B), dtype, 0.5);
  }
  return st as State;
}

/** Casts every tensor of a record. */
export function castRec(r: Record<string, rc.Tensor>, dtype: FloatDType): Record<string, rc.Tensor> {
  return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, rc.cast(t, dtype)]));
}

/** A float64 layer with exactly the weights of `layer` (float32 values are exact in float64). */
export function twin64(s: Spec, layer: Layer, o: Opts): Layer {
  const l64 = s.make({ ...o, dtype: 'float64' });
  l64.loadStateDict(layer.stateDict());
  return l64;
}

/** A host copy of a tensor, as float64. */
export interface Host {
  shape: number[];
  data: Float64Array;
}

export function host(t: rc.Tensor): Host {
  return { shape: [...t.shape], data: Float64Array.from(t.data()) };
}

/** What `runGrads` returns: host copies of the forward results and of every gradient. */
export interface Run {
  out: Host;
  state: Record<string, Host>;
  /** Keyed 'x', 'state.<k>', 'params.<name>'. */
  grads: Record<string, Host>;
}

/** Cotangents of the outputs: loss = sum(out * out) + sum_k sum(state[k] * state[k]). */
export interface Cot {
  out: rc.Tensor;
  state: Record<string, rc.Tensor>;
}

/** A random cotangent for every output of `layer` on [T, B] (time-major or batch-first as the layer). */
export function randCot(rng: rc.Rng, s: Spec, layer: Layer, T: number, B: number, dtype: FloatDType): Cot {
  const D = layer.directions;
  const outShape = layer.batchFirst ? [B, T, D * layer.outSize] : [T, B, D * layer.outSize];
  const state: Record<string, rc.Tensor> = {};
  for (const k of stateNames(s)) state[k] = randT(rng, stateShape(layer, k, B), dtype);
  return { out: randT(rng, outShape, dtype), state };
}

/**
 * One rc.valueAndGrad over {x, state, params: layer.parameterRecord()} (state left out when null)
 * of loss = sum(output * cot.out) + sum_k sum(finalState[k] * cot.state[k]).
 */
export function runGrads(layer: Layer, x: rc.Tensor, state: State | null, fopts: rc.nn.ForwardOptions, cot: Cot): Run {
  return rc.tidy(() => {
    const tree: Record<string, rc.Tensor | Record<string, rc.Tensor>> = { x, params: layer.parameterRecord() };
    if (state) tree['state'] = state;
    let seen: { out: Host; state: Record<string, Host> } | null = null;
    const { value, grads } = rc.valueAndGrad((p: Record<string, rc.Tensor | Record<string, rc.Tensor>>) => {
      const r = layer.forward(p['x'] as rc.Tensor, (p['state'] as State | undefined) ?? null, fopts);
      seen = { out: host(r.output), state: Object.fromEntries(Object.entries(r.state).map(([k, t]) => [k, host(t)])) };
      let loss = rc.sum(rc.mul(r.output, cot.out));
      for (const [k, c] of Object.entries(cot.state)) {
        const t = r.state[k];
        assert.ok(t, `forward returned no state.${k}`);
        loss = rc.add(loss, rc.sum(rc.mul(t, c)));
      }
      return loss;
    })(tree);
    assert.ok(Number.isFinite(value.item()), 'loss is not finite');
    const flat: Record<string, Host> = {};
    for (const [k, g] of Object.entries(grads)) {
      if (rc.isTensor(g)) flat[k] = host(g);
      else for (const [k2, g2] of Object.entries(g as Record<string, rc.Tensor>)) flat[`${k}.${k2}`] = host(g2);
    }
    assert.ok(seen, 'forward did not run');
    return { ...(seen as { out: Host; state: Record<string, Host> }), grads: flat };
  });
}

/**
 * Elementwise |a - e| <= rtol * (|e| + max|e|) (the floor keeps near-zero entries from demanding
 * more than the tensor's precision); NaN or Inf anywhere fails; shapes must be equal.
 */
export function assertNear(label: string, actual: Host, expected: Host, rtol: number): void {
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const a = actual.data;
  const e = expected.data;
  let scale = 0;
  for (let i = 0; i < e.length; i++) scale = Math.max(scale, Math.abs(e[i]!));
  let bad = 0;
  let worst = -1;
  let worstErr = -1;
  const badAt: number[] = [];
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i]! - e[i]!);
    if (!(err <= rtol * (Math.abs(e[i]!) + scale))) {
      bad++;
      if (badAt.length < 8) badAt.push(i);
    }
    if (!(err <= worstErr)) {
      worstErr = err;
      worst = i;
    }
  }
  assert.ok(bad === 0, `${label}: ${bad}/${e.length} elements off (rtol ${rtol}, max|expected| ${scale}) at [${badAt.join(', ')}${bad > 8 ? ', ...' : ''}] of ${fmt(actual.shape)}; worst at ${worst}: ` +
    `got ${a[worst]}, expected ${e[worst]}; relRms ${relRms(a, e)}`);
}

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Compares everything two runs produced (same keys, same shapes, close values). */
export function assertRunsNear(label: string, actual: Run, expected: Run, rtol: number): void {
  assertNear(`${label} output`, actual.out, expected.out, rtol);
  assert.deepEqual(Object.keys(actual.state).sort(), Object.keys(expected.state).sort(), `${label}: state keys`);
  for (const k of Object.keys(expected.state)) assertNear(`${label} state.${k}`, actual.state[k]!, expected.state[k]!, rtol);
  assert.deepEqual(Object.keys(actual.grads).sort(), Object.keys(expected.grads).sort(), `${label}: gradient keys`);
  for (const k of Object.keys(expected.grads)) assertNear(`${label} grad ${k}`, actual.grads[k]!, expected.grads[k]!, rtol);
}

/** Asserts that every entry of `t` is exactly +0. */
export function assertPlusZero(label: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) assert.ok(Object.is(data[i], 0), `${label}: element ${i} is ${data[i]}, expected +0`);
}

/**
 * Runs `fn` with `layer` reading the given tensors as its parameters (test-only: swaps entries of the
 * module's private parameter map, and drops the layer's private lookup cache, so a gradcheck can
 * perturb the weights through `layer.forward`).
 */
export function withParams<T>(layer: Layer, ps: Record<string, rc.Tensor>, fn: () => T): T {
  const priv = layer as unknown as { _params: unknown; paramCache?: unknown };
  assert.ok(priv._params instanceof Map, 'Module keeps its parameters in a private Map named _params');
  const params = priv._params as Map<string, rc.Tensor>;
  const saved = new Map(params);
  for (const [k, t] of Object.entries(ps)) {
    assert.ok(params.has(k), `no parameter ${k}`);
    params.set(k, t);
  }
  if ('paramCache' in priv) priv.paramCache = null;
  try {
    return fn();
  } finally {
    for (const [k, t] of saved) params.set(k, t);
    if ('paramCache' in priv) priv.paramCache = null;
  }
}

/** Rows [t, b] of a time-major [T, B, F] host tensor (or [B, T, F] with batchFirst). */
export function rowOf(h: Host, t: number, b: number, batchFirst: boolean): Float64Array {
  const [d0, d1, F] = h.shape as [number, number, number];
  const idx = batchFirst ? b * d1 + t : t * d1 + b;
  void d0;
  return h.data.subarray(idx * F, (idx + 1) * F);
}
