export { deltaRule } from './delta-rule.js';
export type { DeltaImpl } from './delta-rule.js';
export { DeltaNet, DeltaNetAttention } from './deltanet.js';
export type { DeltaNetOptions } from './deltanet.js';
