export { RNN, GRU, LSTM, SLSTM, LeakyRNN } from './layers.js';
export type { HState, LSTMState, SLSTMState } from './layers.js';
export { RecurrentLayer } from './layer.js';
export type { RecurrentOptions, ForwardOptions, RecurrentOutput } from './layer.js';
export { truncatedBptt } from './tbptt.js';
export type { TbpttChunk, TbpttIterator } from './tbptt.js';
