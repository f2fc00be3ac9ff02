export { Mamba, MambaMixer } from './mamba.js';
export type { MambaBlock, MambaOptions, MambaState, MambaMixerState } from './mamba.js';
export { selectiveScan, selectiveScanRecurrent, selectiveScanAssociative, selectiveScanFused } from './selective-scan.js';
export type { SelectiveImpl, SelectiveOptions, SelectiveScanOptions } from './selective-scan.js';
