export { Aaren } from './layer.js';
export type { AarenBlock, AarenOptions, AarenState } from './layer.js';
export { prefixAttention, prefixAttentionQuadratic, prefixCombine } from './prefix.js';
export type { PrefixState, PrefixImpl } from './prefix.js';
