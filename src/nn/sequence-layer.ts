import type { Module } from './module.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The state every sequence layer carries from one call to the next: each layer's last output
 * h [L·D, B, H] plus the family's own tensors (LSTM c; SSM states; conv windows; KV caches), each
 * with the layer index first. A plain object of tensors, so it serialises and slices the same way
 * for every family.
 */
export type LayerState = {
  /** Each layer's last output [L·D, B, H]. */
  h: Tensor;
} & Record<string, Tensor>;

/** Per-call options of a sequence layer's `forward`. */
export interface SequenceForwardOptions {
  /** Valid steps per sequence: the state freezes past each length. */
  lengths?: readonly number[];
}

/**
 * What a sequence layer's `forward` and `step` return: the output (top layer's [B, T, H] from
 * `forward`, [B, H] from `step`) and the state to continue from.
 */
export interface SequenceOutput {
  /** Top layer's output: [B, T, H] from `forward`, [B, H] from `step`. */
  output: Tensor;
  /** The final state, to pass back in to continue the sequence. */
  state: LayerState;
}

/**
 * What a time-major mixer inside a block returns (an attention or SSM layer, an SSM kernel, the
 * selective scan): its output y and the state it ends in, `S` being the family's state type.
 */
export interface MixerOutput<S> {
  /** The output, time-major: [T, B, width] (or [B, width] for a single step). */
  y: Tensor;
  /** The state after the last step, to continue from. */
  state: S;
}

/**
 * What a linear-recurrence op returns (`deltaRule`, `gatedLinearAttention`, `prefixAttention` and
 * their forms): the outputs o for every step and the final state, by default one tensor.
 */
export interface RecurrenceOutput<S = Tensor> {
  /** Outputs of every step: [B, H, T, dv] for the multi-head ops, [T, ..., dv] for `prefixAttention`. */
  o: Tensor;
  /** The state after the last step; pass it back as the initial state to continue the sequence. */
  state: S;
}

/**
 * What every recurrent stack offers (classic RNN layers, the residual stacks, hybrids): a
 * batch-first forward over [B, T, F] that continues from a state and returns the final one, and
 * `step` for one streaming token [B, F].
 */
export interface SequenceLayer extends Module {
  /** Runs x [B, T, F] from `state` (zeros when absent) and returns the outputs and the final state. */
  forward(x: Tensor, state?: LayerState | null, opts?: SequenceForwardOptions): SequenceOutput;
  /** One streaming step: x [B, F] → output [B, H] and the next state. */
  step(x: Tensor, state?: LayerState | null): SequenceOutput;
}
