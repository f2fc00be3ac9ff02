export { SSM } from './stack.js';
export type { SSMOptions, SSMState } from './stack.js';
export { S4DKernel } from './s4d.js';
export type { SSMImpl } from './s4d.js';
export { LRUKernel } from './lru.js';
export { causalConv } from './causal-conv.js';
export { complexRecurrence } from './complex.js';
export type { Complex } from './complex.js';
