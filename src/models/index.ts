export { SequenceModel, modelConfigFor, upgradeModelOptions } from './sequence-model.js';
export type { ModelConfig, ModelOptions, ModelIO, HeadKind } from './sequence-model.js';
export { listModels, getModel, checkModelOptions, describeModel } from './registry.js';
export type { ModelSpec, StackSizes } from './registry.js';
export { HybridStack } from './hybrid.js';
