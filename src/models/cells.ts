import { ArgumentError } from '../errors.js';
import { GRU, LSTM, LeakyRNN, RNN, SLSTM } from '../nn/rnn/layers.js';
import type { RecurrentLayer, RecurrentOptions, RecurrentState } from '../nn/rnn/layer.js';

/** A recurrent stack a sequence model can be built on, by its CLI name. */
export interface CellSpec {
  readonly name: string;
  /** One line for `recurrent models`. */
  readonly description: string;
  create(opts: RecurrentOptions): RecurrentLayer<RecurrentState>;
}

const SPECS: CellSpec[] = [
  { name: 'lstm', description: 'LSTM (PyTorch gates i,f,g,o), fused whole-sequence kernels', create: (o) => new LSTM(o) },
  { name: 'gru', description: 'GRU in PyTorch convention (b_hn inside the reset gate), fused kernels', create: (o) => new GRU(o) },
  { name: 'rnn', description: 'Elman RNN with tanh, fused kernels', create: (o) => new RNN(o) },
  { name: 'rnn-relu', description: 'Elman RNN with ReLU, fused kernels', create: (o) => new RNN({ ...o, nonlinearity: 'relu' }) },
  { name: 'slstm', description: 'sLSTM (xLSTM): exponential input gate with stabiliser and normaliser states', create: (o) => new SLSTM(o) },
  { name: 'leaky', description: 'leaky tau-RNN with a trainable time constant per neuron', create: (o) => new LeakyRNN(o) },
];

/** Every recurrent cell usable as `--model`. */
export function listCells(): readonly CellSpec[] {
  return SPECS;
}

/** Looks a cell up by name; the error lists the valid names. */
export function getCell(name: string): CellSpec {
  const spec = SPECS.find((s) => s.name === name);
  if (!spec) throw new ArgumentError('model', `unknown model '${name}'; valid models: ${SPECS.map((s) => s.name).join(', ')}`);
  return spec;
}
