/** Optimizers, learning-rate schedules and gradient clipping. */
export type { ParamSet, FloatArray } from './util.js';
export type { OptimizerState, HyperParams, HyperSource } from './optimizer.js';
export { Optimizer } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions, SGDConfig } from './sgd.js';
export { Adam, AdamW, RAdam } from './adam.js';
export type { AdamOptions, AdamConfig, RAdamOptions, RAdamConfig } from './adam.js';
export type { Schedule, CosineLrOptions } from './schedule.js';
export { constantLr, linearWarmup, cosineLr, stepLr } from './schedule.js';
export { clipGradNorm, clipGradValue } from './clip.js';
