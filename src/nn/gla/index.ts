export { gatedLinearAttention } from './gated-linear-attention.js';
export type { GLAImpl, GLAOpOptions } from './gated-linear-attention.js';
export { glaRecurrent } from './recurrent.js';
export { glaChunk } from './chunk.js';
export { glaFused } from './fused.js';
export type { GLAFormOptions } from './inputs.js';
export { GLA, GLAAttention } from './gla.js';
export type { GLAAttentionOptions, GLAAttentionOutput, GLABlock, GLAOptions } from './gla.js';
