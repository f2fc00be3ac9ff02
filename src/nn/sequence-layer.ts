import type { Module } from './module.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The state every sequence layer carries from one call to the next: each layer's last output
 * h [L·D, B, H] plus the family's own tensors (LSTM c; SSM states; conv windows; KV caches), each
 * with the layer index first. A plain object of tensors, so it serialises and slices the same way
 * for every family.
 */
export type LayerState = { h: Tensor } & Record<string, Tensor>;

/** Per-call options of a sequence layer's `forward`. */
export interface SequenceForwardOptions {
  /** Valid steps per sequence: the state freezes past each length. */
  lengths?: readonly number[];
}

/**
 * What every recurrent stack offers (classic RNN layers, the residual stacks, hybrids): a
 * batch-first forward over [B, T, F] that continues from a state and returns the final one, and
 * `step` for one streaming token [B, F].
 */
export interface SequenceLayer extends Module {
  forward(x: Tensor, state?: LayerState | null, opts?: SequenceForwardOptions): { output: Tensor; state: LayerState };
  step(x: Tensor, state?: LayerState | null): { output: Tensor; state: LayerState };
}
