import type { Tensor } from '../../tensor/tensor.js';
import { narrow } from '../../ops/movement.js';
import { clone } from '../../ops/movement.js';
import { noGrad } from '../../tensor/tape.js';
import { ArgumentError } from '../../errors.js';
import type { RecurrentLayer } from './layer.js';
import type { LayerState } from '../sequence-layer.js';

/** One chunk handed out by {@link truncatedBptt}. */
export interface TbpttChunk<S extends LayerState> {
  /** The chunk's steps: x narrowed along the time axis (at most `chunk` steps). */
  x: Tensor;
  /** The detached state the previous chunk ended with; null for the first chunk. */
  state: S | null;
  /** Index of the chunk's first step in the full sequence. */
  start: number;
}

/** The iterator {@link truncatedBptt} returns; both methods return null once the sequence is used up. */
export interface TbpttIterator<S extends LayerState> {
  /** The first chunk, starting from no state. */
  first(): TbpttChunk<S> | null;
  /** The next chunk, carrying a detached copy of `state` (the state the previous chunk produced). */
  next(state: S): TbpttChunk<S> | null;
}

/**
 * Truncated BPTT: yields chunks of `chunk` steps of a long sequence together with the state from
 * the previous chunk, detached (a copy made without recording), so each chunk's backward stops at
 * its start. Call `next(state)` with the state your chunk produced.
 *
 *   const it = truncatedBptt(layer, x, 64);
 *   for (let c = it.first(); c; c = it.next(c.state)) { ... train on layer.forward(c.x, c.state) ... }
 */
export function truncatedBptt<S extends LayerState>(layer: RecurrentLayer<S>, x: Tensor, chunk: number): TbpttIterator<S> {
  if (!Number.isInteger(chunk) || chunk < 1) throw new ArgumentError('truncatedBptt', `chunk must be a positive integer, got ${chunk}`);
  const timeAxis = layer.batchFirst ? 1 : 0;
  const T = x.shape[timeAxis]!;
  let start = 0;
  const make = (state: S | null): TbpttChunk<S> | null => {
    if (start >= T) return null;
    const len = Math.min(chunk, T - start);
    const c = { x: narrow(x, timeAxis, start, len), state, start };
    start += len;
    return c;
  };
  return {
    first: () => make(null),
    next: (state: S) => make(detach(state)),
  };
}

/** A copy of every tensor of a state, made without recording (gradients stop here). */
export function detach<S extends LayerState>(state: S): S {
  return noGrad(() => Object.fromEntries(Object.entries(state).map(([k, t]) => [k, clone(t)]))) as S;
}
