export { gatedLinearAttention } from './gated-linear-attention.js';
export type { GLAImpl, GLAOpOptions } from './gated-linear-attention.js';
export { GLA, GLAAttention } from './gla.js';
export type { GLAAttentionOptions, GLAOptions } from './gla.js';
