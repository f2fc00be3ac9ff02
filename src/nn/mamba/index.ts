export { Mamba, MambaMixer } from './mamba.js';
export type { MambaOptions, MambaState, MambaMixerState } from './mamba.js';
export { selectiveScan } from './selective-scan.js';
export type { SelectiveImpl } from './selective-scan.js';
