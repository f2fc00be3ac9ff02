// The leaky tau-RNN's `tauInit` option: which initial time constants it draws, and that the
// default keeps its random stream (the math of the cell does not change).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LeakyRNN } from '../../src/nn/rnn/layers.js';
import { checkModelOptions } from '../../src/models/registry.js';
import { SequenceModel, modelConfigFor } from '../../src/models/sequence-model.js';
import { nParity } from '../../src/tasks/nparity.js';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/tensor/rng.js';

function taus(l: LeakyRNN, name = 'log_tau_l0'): number[] {
  return Array.from(l.stateDict()[name]!.data(), (v) => 1 + Math.exp(v));
}

describe('LeakyRNN tauInit', () => {
  test("'spread' (default): tau in [1.5, 10]; 'paper': tau = 1 + U(0, 1), every other weight the same", () => {
    const make = (tauInit?: 'spread' | 'paper'): LeakyRNN => new LeakyRNN({ inputSize: 3, hiddenSize: 200, bidirectional: true, rng: new Rng(5), ...(tauInit ? { tauInit } : {}) });
    const d = make(), s = make('spread'), p = make('paper');
    assert.deepEqual(taus(s), taus(d), 'spread is the default');
    for (const t of taus(d)) assert.ok(t >= 1.5 - 1e-5 && t <= 10 + 1e-4, `spread tau ${t}`);
    for (const name of ['log_tau_l0', 'log_tau_l0_reverse']) {
      const tp = taus(p, name);
      for (const t of tp) assert.ok(t >= 1.001 - 1e-6 && t <= 2 + 1e-5, `paper tau ${t}`);
      const m = tp.reduce((a, b) => a + b, 0) / tp.length;
      assert.ok(Math.abs(m - 1.5) < 0.1, `mean paper tau ${m} ≈ 1.5`);
    }
    const sd = d.stateDict(), sp = p.stateDict();
    for (const k of Object.keys(sd)) if (!k.startsWith('log_tau')) assert.deepEqual(Array.from(sp[k]!.data()), Array.from(sd[k]!.data()), k);
    [d, s, p].forEach((l) => l.dispose());
  });

  test('through the registry: --model-opt tauInit=paper, and bad values', () => {
    assert.deepEqual(checkModelOptions('leaky', { tauInit: 'paper' }), { tauInit: 'paper' });
    assert.throws(() => checkModelOptions('leaky', { tauInit: 'wide' }), /tauInit/);
    assert.throws(() => new LeakyRNN({ inputSize: 1, hiddenSize: 2, tauInit: 'wide' as never }), ArgumentError);
    const m = new SequenceModel(modelConfigFor(nParity(), { name: 'leaky', hiddenSize: 16, options: { tauInit: 'paper' } }), { rng: new Rng(1) });
    for (const v of m.stateDict()['rnn.log_tau_l0']!.data()) assert.ok(1 + Math.exp(v) <= 2 + 1e-5);
    m.dispose();
  });
});
