export { deltaProduct, deltaRule } from './delta-rule.js';
export type { DeltaImpl, DeltaOptions } from './delta-rule.js';
export { deltaRuleRecurrent } from './recurrent.js';
export { deltaRuleChunk } from './chunk.js';
export { deltaRuleFused } from './fused.js';
export type { DeltaFormOptions } from './inputs.js';
export { DeltaAttention, DeltaNet, DeltaProduct, DeltaStack, GatedDeltaNet } from './deltanet.js';
export type { DeltaBlock, DeltaLayerConfig, DeltaNetOptions, DeltaProductOptions } from './deltanet.js';
