/** The mLSTM cell (recurrent, parallel and chunkwise stabilised forms). */
export { mlstm, MLSTM_NEG_BIG } from './mlstm-cell.js';
/** Types of the mLSTM cell: which form runs, its state, its options. */
export type { MLSTMImpl, MLSTMState, MLSTMCellOptions } from './mlstm-cell.js';
/** The xLSTM Large layer, its per-head norm and FFN, and the residual stack. */
export { MLSTM, MLSTMLayer, MultiHeadLayerNorm, MLSTMFeedForward } from './mlstm.js';
/** Options of the mLSTM layer and stack. */
export type { MLSTMLayerOptions, MLSTMOptions } from './mlstm.js';
