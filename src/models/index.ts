export { SequenceModel, modelConfigFor } from './sequence-model.js';
export type { ModelConfig, ModelOptions, HeadKind } from './sequence-model.js';
export { listCells, getCell } from './cells.js';
export type { CellSpec } from './cells.js';
