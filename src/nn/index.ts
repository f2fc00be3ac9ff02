export { Module, isModule } from './module.js';
export type { ParameterTree, LoadStateDictOptions } from './module.js';
export { Linear, Embedding, LayerNorm, RMSNorm, Dropout, Sequential, ReLU, Tanh, Sigmoid, GELU, SiLU } from './layers.js';
export type { LayerOptions, TensorLayer } from './layers.js';
export * as init from './init.js';
export { RNN, GRU, LSTM, SLSTM, LeakyRNN, RecurrentLayer, truncatedBptt } from './rnn/index.js';
export type { HState, LSTMState, SLSTMState, RecurrentOptions, ForwardOptions, RecurrentState, RecurrentOutput } from './rnn/index.js';
export { Aaren, prefixAttention, prefixAttentionQuadratic } from './aaren/index.js';
export type { AarenOptions, AarenState, PrefixState } from './aaren/index.js';
