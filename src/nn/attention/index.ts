export { Attention, CausalAttention } from './attention.js';
export type { AttentionOptions, AttentionState, CausalAttentionOptions, KVCache } from './attention.js';
