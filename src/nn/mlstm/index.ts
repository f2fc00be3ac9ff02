/** The mLSTM cell: the dispatcher and its three forms (recurrent = the spec, parallel, chunkwise). */
export { mlstm } from './mlstm-cell.js';
export { mlstmRecurrent } from './recurrent.js';
export { mlstmChunk, mlstmParallel } from './chunk.js';
export { MLSTM_NEG_BIG } from './inputs.js';
/** Types of the mLSTM cell: which form runs, its state, its options. */
export type { MLSTMImpl, MLSTMCellOptions } from './mlstm-cell.js';
export type { MLSTMState, MLSTMOutput, MLSTMFormOptions } from './inputs.js';
/** The xLSTM Large layer, its per-head norm and FFN, and the residual stack. */
export { MLSTM, MLSTMLayer, MultiHeadLayerNorm, MLSTMFeedForward } from './mlstm.js';
/** Options of the mLSTM layer and stack. */
export type { MLSTMLayerOptions, MLSTMOptions, MLSTMBlock } from './mlstm.js';
