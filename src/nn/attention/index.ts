export { Attention, CausalAttention } from './attention.js';
export type { AttentionBlock, AttentionOptions, AttentionState, CausalAttentionOptions, KVCache } from './attention.js';
