export { Mamba2, Mamba2Mixer, RMSNormGated } from './mamba2.js';
export type { Mamba2Block, Mamba2MixerOptions, Mamba2MixerState, Mamba2Options, Mamba2State } from './mamba2.js';
export { ssdScan, checkMitigations } from './mitigations.js';
export type { SSDMitigations, SSDScanOutput, SSDWindowState } from './mitigations.js';
