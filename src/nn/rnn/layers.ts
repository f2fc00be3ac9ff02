import type { Tensor } from '../../tensor/tensor.js';
import { ArgumentError } from '../../errors.js';
import { RecurrentLayer } from './layer.js';
import type { RecurrentOptions } from './layer.js';
import type { HostArray } from '../../tensor/dtype.js';

/** State of RNN, GRU, LeakyRNN and ParaGRU: h [L*D, B, H]. */
export interface HState {
  /** Hidden state [L·D, B, H]. */
  h: Tensor;
  [k: string]: Tensor;
}
/** State of LSTM and ParaLSTM: h [L*D, B, Hout] and c [L*D, B, H]. */
export interface LSTMState {
  /** Hidden state [L·D, B, Hout]. */
  h: Tensor;
  /** Cell state [L·D, B, H]. */
  c: Tensor;
  [k: string]: Tensor;
}
/** State of sLSTM: h, cell c, normaliser n and stabiliser m, each [L*D, B, H]. */
export interface SLSTMState {
  /** Hidden state [L·D, B, H]. */
  h: Tensor;
  /** Cell state [L·D, B, H]. */
  c: Tensor;
  /** Normaliser [L·D, B, H]; h = o · c / n. */
  n: Tensor;
  /** Log-space stabiliser of the exponential gates [L·D, B, H]. */
  m: Tensor;
  [k: string]: Tensor;
}

/** Elman RNN, h = act(x W_ih^T + b_ih + h W_hh^T + b_hh) with act tanh (default) or relu. */
export class RNN extends RecurrentLayer<HState> {
  constructor(opts: RecurrentOptions & { nonlinearity?: 'tanh' | 'relu' }) {
    const nl = opts?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new ArgumentError('RNN', `nonlinearity must be 'tanh' or 'relu', got ${String(nl)}`);
    super(nl === 'tanh' ? 'rnnTanh' : 'rnnRelu', 'RNN', opts, []);
  }
}

/**
 * GRU in PyTorch's convention (gates r, z, n; b_hn inside the reset gate). `resetAfter: false`
 * gives the Keras/tfjs reset-before variant, n = tanh(x W_in + b_in + (r ⊙ h) W_hn + b_hn), which
 * runs on the recurrent (tape) implementation.
 */
export class GRU extends RecurrentLayer<HState> {
  constructor(opts: RecurrentOptions & { resetAfter?: boolean }) {
    super('gru', 'GRU', opts, []);
    const ra = opts.resetAfter ?? true;
    if (typeof ra !== 'boolean') throw new ArgumentError('GRU', `resetAfter must be a boolean, got ${String(ra)}`);
    this.resetBefore = !ra;
  }
}

/** LSTM (gates i, f, g, o) with optional projection (`projSize`, PyTorch's proj_size) and peepholes. */
export class LSTM extends RecurrentLayer<LSTMState> {
  constructor(opts: RecurrentOptions & { projSize?: number; peepholes?: boolean }) {
    super('lstm', 'LSTM', opts, ['c'], { projSize: opts?.projSize ?? 0, peepholes: opts?.peepholes ?? false });
  }
}

/**
 * sLSTM (xLSTM): gates i, f, z, o with exponential input gate and sigmoid forget gate in log space,
 * stabiliser m, normaliser n; h = o * c / n. With `heads` > 1 the recurrent matrix is block-diagonal.
 */
export class SLSTM extends RecurrentLayer<SLSTMState> {
  constructor(opts: RecurrentOptions) {
    super('slstm', 'SLSTM', opts, ['c', 'n', 'm']);
  }
}

/**
 * Leaky (tau-) RNN: h = (1 - 1/tau) h' + (1/tau) act(x W_ih^T + b_ih + h' W_hh^T + b_hh) with a
 * trainable time constant tau = 1 + exp(log_tau) >= 1 per neuron. `tauInit` picks the initial
 * time constants: 'spread' (default) draws tau uniformly in [1.5, 10]; 'paper' draws
 * tau = 1 + U(0, 1) as the timescale-curriculum paper (Khajehabdollahi et al., ICLR 2024) does,
 * so every neuron starts close to a plain RNN (tau = 1); U is floored at 1e-3 (log_tau finite).
 */
export class LeakyRNN extends RecurrentLayer<HState> {
  constructor(opts: RecurrentOptions & { nonlinearity?: 'tanh' | 'relu'; tauInit?: 'spread' | 'paper' }) {
    const nl = opts?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new ArgumentError('LeakyRNN', `nonlinearity must be 'tanh' or 'relu', got ${String(nl)}`);
    const ti = opts?.tauInit ?? 'spread';
    if (ti !== 'spread' && ti !== 'paper') throw new ArgumentError('LeakyRNN', `tauInit must be 'spread' or 'paper', got ${String(ti)}`);
    super(nl === 'tanh' ? 'leakyTanh' : 'leakyRelu', 'LeakyRNN', opts, []);
    if (ti === 'paper') {
      // Redrawn after the base init, so the default ('spread') keeps its exact random stream.
      const fresh: Record<string, HostArray> = {};
      for (const [name, t] of this.namedParameters()) {
        if (!name.startsWith('log_tau')) continue;
        const data = t.dtype === 'float64' ? new Float64Array(t.size) : new Float32Array(t.size);
        for (let j = 0; j < t.size; j++) data[j] = Math.log(Math.max(1e-3, this.rng.uniform()));
        fresh[name] = { data, shape: [...t.shape], dtype: t.dtype };
      }
      this.loadStateDict(fresh, { strict: false });
    }
  }
}
