export { ParaGRU, ParaLSTM } from './layer.js';
export type { ParaGRUOptions, ParaLSTMOptions, ParaLayer, ParaInit } from './layer.js';
export { newtonLstmDiag } from './newton-lstm.js';
export { newtonGruDiag } from './newton.js';
export type { NewtonOptions } from './newton.js';
export { gruDiagStep } from './gru-diag.js';
