import { dropout } from '../ops/random.js';
import { concat, narrow } from '../ops/movement.js';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { dropoutRate } from '../nn/sequence-util.js';
import { globalGenerator } from '../tensor/rng.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { LayerState, SequenceLayer, SequenceOutput } from '../nn/sequence-layer.js';

/**
 * A stack of different one-layer sequence stacks run in order (hybrids such as Gated DeltaNet
 * interleaved with LSTM layers). Each layer is batch-first [B, T, F]; the state keeps each layer's
 * h in order (h [L, B, H]) and its other tensors under `l{i}.{name}`, so a checkpointed stream
 * resumes layer by layer. Dropout goes between layers in training mode.
 */
export class HybridStack extends Module {
  /** The one-layer stacks, in order (state-dict `layers.{i}`). */
  readonly layers: ModuleList<SequenceLayer>;
  /** Dropout rate between layers, in training mode. */
  readonly dropoutP: number;
  private readonly rng: Rng;

  constructor(layers: SequenceLayer[], opts: { dropout?: number; rng?: Rng } = {}) {
    super();
    this.layers = this.registerModule('layers', new ModuleList(layers));
    this.dropoutP = dropoutRate('HybridStack', opts.dropout);
    this.rng = opts.rng ?? globalGenerator();
  }

  /** x [B, T, F] → output [B, T, H], continuing from `state`. */
  forward(x: Tensor, state?: LayerState | null, opts: { lengths?: readonly number[] } = {}): SequenceOutput {
    return this.run(x, state ?? null, (layer, inp, st) => layer.forward(inp, st, opts));
  }

  /** One streaming step: x [B, F] → output [B, H]. */
  step(x: Tensor, state?: LayerState | null): SequenceOutput {
    return this.run(x, state ?? null, (layer, inp, st) => layer.step(inp, st));
  }

  private run(x: Tensor, state: LayerState | null,
    call: (layer: SequenceLayer, inp: Tensor, st: LayerState | null) => SequenceOutput): SequenceOutput {
    let seq = x;
    const hs: Tensor[] = [];
    const rest: Record<string, Tensor> = {};
    this.layers.list.forEach((layer, i) => {
      if (i > 0 && this.dropoutP > 0 && this.training) seq = dropout(seq, this.dropoutP, { rng: this.rng });
      const r = call(layer, seq, state ? sliceState(state, i) : null);
      seq = r.output;
      hs.push(r.state.h);
      for (const [k, t] of Object.entries(r.state)) if (k !== 'h') rest[`l${i}.${k}`] = t;
    });
    return { output: seq, state: { ...rest, h: concat(hs, 0) } };
  }
}

/** Layer i's own state: its row of h and its `l{i}.` tensors. */
function sliceState(state: LayerState, i: number): LayerState {
  const own: Record<string, Tensor> = {};
  const prefix = `l${i}.`;
  for (const [k, t] of Object.entries(state)) if (k.startsWith(prefix)) own[k.slice(prefix.length)] = t;
  return { ...own, h: narrow(state.h, 0, i, 1) };
}
