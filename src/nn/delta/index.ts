export { deltaRule } from './delta-rule.js';
export type { DeltaImpl } from './delta-rule.js';
