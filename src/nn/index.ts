export { Module, isModule } from './module.js';
export type { ParameterTree, LoadStateDictOptions } from './module.js';
export { Linear, Embedding, LayerNorm, RMSNorm, Dropout, Sequential, ReLU, Tanh, Sigmoid, GELU, SiLU } from './layers.js';
export type { LayerOptions, TensorLayer } from './layers.js';
export * as init from './init.js';
export { RNN, GRU, LSTM, SLSTM, LeakyRNN, RecurrentLayer, truncatedBptt } from './rnn/index.js';
export type { HState, LSTMState, SLSTMState, RecurrentOptions, ForwardOptions, RecurrentOutput, TbpttChunk, TbpttIterator } from './rnn/index.js';
export { Aaren, prefixAttention, prefixAttentionQuadratic } from './aaren/index.js';
export type { AarenBlock, AarenOptions, AarenState, PrefixState, PrefixImpl } from './aaren/index.js';
export { ParaGRU, ParaLSTM } from './pararnn/index.js';
export type { ParaGRUOptions, ParaLSTMOptions, ParaLayer, ParaInit, NewtonOptions } from './pararnn/index.js';
export { SSM, causalConv } from './ssm/index.js';
export type {
  SSMOptions, SSMState, SSMImpl, SSMBlock, S4DKernel, LRUKernel, LSSLKernel, Complex, Discretization, Discretized, S4DDiscretized,
} from './ssm/index.js';
export { Mamba, MambaMixer, selectiveScan, selectiveScanRecurrent, selectiveScanAssociative, selectiveScanFused } from './mamba/index.js';
export type { MambaBlock, MambaMixerState, MambaOptions, MambaState, SelectiveImpl, SelectiveOptions, SelectiveScanOptions } from './mamba/index.js';
export { deltaProduct, deltaRule, deltaRuleRecurrent, deltaRuleChunk, deltaRuleFused, DeltaNet, DeltaProduct, GatedDeltaNet } from './delta/index.js';
export type {
  DeltaImpl, DeltaFormOptions, DeltaNetOptions, DeltaOptions, DeltaProductOptions, DeltaLayerConfig, DeltaBlock, DeltaAttention,
} from './delta/index.js';
export { GLA, GLAAttention, gatedLinearAttention, glaRecurrent, glaChunk, glaFused } from './gla/index.js';
export type { GLAImpl, GLAOpOptions, GLAFormOptions, GLAAttentionOptions, GLAAttentionOutput, GLABlock, GLAOptions } from './gla/index.js';
export { Mamba2, Mamba2Mixer, RMSNormGated } from './mamba2/index.js';
export type { Mamba2Block, Mamba2MixerOptions, Mamba2MixerState, Mamba2Options, Mamba2State, SSDMitigations } from './mamba2/index.js';
export { MLSTM, MLSTMLayer, MultiHeadLayerNorm, MLSTMFeedForward, mlstm, mlstmRecurrent, mlstmParallel, mlstmChunk } from './mlstm/index.js';
export type {
  MLSTMImpl, MLSTMState, MLSTMOutput, MLSTMCellOptions, MLSTMFormOptions, MLSTMLayerOptions, MLSTMOptions, MLSTMBlock,
} from './mlstm/index.js';
export type { LayerState, SequenceLayer, SequenceForwardOptions, SequenceOutput, MixerOutput, RecurrenceOutput } from './sequence-layer.js';
export type { ModuleList } from './module-list.js';
export type { StackOptions, BlockResult } from './residual-stack.js';
export { ShortConv } from './short-conv.js';
export type { ShortConvOptions, ShortConvOutput } from './short-conv.js';
export { Attention, CausalAttention } from './attention/index.js';
export type { AttentionBlock, AttentionOptions, AttentionState, CausalAttentionOptions, KVCache } from './attention/index.js';
export { NgramLayer, ngramWeights, MAX_NGRAM_ORDER } from './ngram.js';
export type { NgramLayerOptions } from './ngram.js';
