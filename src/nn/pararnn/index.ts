export { ParaGRU } from './layer.js';
export type { ParaGRUOptions } from './layer.js';
export { newtonGruDiag } from './newton.js';
export type { NewtonOptions } from './newton.js';
export { gruDiagStep } from './gru-diag.js';
