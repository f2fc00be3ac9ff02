export { deltaProduct, deltaRule } from './delta-rule.js';
export type { DeltaImpl, DeltaOptions } from './delta-rule.js';
export { DeltaAttention, DeltaNet, DeltaProduct, DeltaStack, GatedDeltaNet } from './deltanet.js';
export type { DeltaLayerConfig, DeltaNetOptions, DeltaProductOptions } from './deltanet.js';
