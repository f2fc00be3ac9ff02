import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { where } from '../ops/elementwise.js';
import { narrow, squeeze, stack, transpose, unsqueeze } from '../ops/movement.js';
import { dropout } from '../ops/random.js';
import { Module } from './module.js';
import { ModuleList } from './module-list.js';
import { Linear } from './layers.js';
import { checkLengths, dropoutRate, dtypeOpt, lastValid, lengthMask, positiveInt } from './sequence-util.js';
import { globalGenerator } from '../tensor/rng.js';
import type { Rng } from '../tensor/rng.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { LayerState, SequenceOutput } from './sequence-layer.js';

/** Options every residual stack takes. */
export interface StackOptions {
  /** Features per input step; a Linear projects them to hiddenSize when they differ. */
  inputSize: number;
  /** Model width d. */
  hiddenSize: number;
  /** Number of residual blocks (default 1). */
  numLayers?: number;
  /** Dropout on the outputs of every block but the last, in training mode (default 0). */
  dropout?: number;
  /** Generator for the initial weights and dropout masks (default: the global one). */
  rng?: Rng;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}


/** What one block returns: the new residual stream [T, B, d] and its carried state (each [B, ...]). */
export interface BlockResult {
  /** The block's output stream [T, B, d] (its input plus the block's residual branch). */
  y: Tensor;
  /** The block's carried state, each tensor [B, ...]; null when the block carries nothing but h. */
  state: Record<string, Tensor> | null;
}

/**
 * The shared shell of the sequence-mixing stacks (Aaren, SSM, Mamba, DeltaNet): an optional input
 * projection, blocks by index (`layers.{i}`), inter-block dropout, per-sequence lengths (a
 * [T, B, 1] validity mask handed to the blocks; outputs exactly +0 past each end), carried state
 * per layer, and `step` as a one-token forward. Batch-first: forward(x [B, T, inputSize]).
 */
export abstract class ResidualStack<B extends Module> extends Module {
  /** Features per input step. */
  readonly inputSize: number;
  /** Model width d. */
  readonly hiddenSize: number;
  /** Number of residual blocks. */
  readonly numLayers: number;
  /** Dropout rate between blocks, in training mode. */
  readonly dropoutP: number;
  /** Projection inputSize → d (state-dict `in_proj`); null when the two are equal. */
  readonly inProj: Linear | null;
  /** The blocks, in order (state-dict `layers.{i}`). */
  readonly layers: ModuleList<B>;
  /** Generator for the initial weights and inter-block dropout masks. */
  protected readonly rng: Rng;

  protected constructor(
    /** Class name used in error messages. */
    readonly opName: string,
    opts: StackOptions, makeBlock: (rng: Rng) => B) {
    super();
    const op = opName;
    this.inputSize = positiveInt(op, 'inputSize', opts.inputSize);
    this.hiddenSize = positiveInt(op, 'hiddenSize', opts.hiddenSize);
    this.numLayers = positiveInt(op, 'numLayers', opts.numLayers ?? 1);
    this.dropoutP = dropoutRate(op, opts.dropout);
    this.rng = opts.rng ?? globalGenerator();
    const o = { rng: this.rng, ...dtypeOpt(opts.dtype) };
    this.inProj = this.inputSize !== this.hiddenSize ? this.registerModule('in_proj', new Linear(this.inputSize, this.hiddenSize, o)) : null;
    this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: this.numLayers }, () => makeBlock(this.rng))));
  }

  /**
   * The checks every stack constructor runs before it builds blocks: the model width d and the
   * head count, which d must divide when `divides` (stacks whose heads split other widths pass
   * false and check those). Static, so a subclass can call it before `super`.
   *
   * @internal
   */
  protected static widths(op: string, opts: { hiddenSize: number; heads?: number | undefined }, divides = true): { d: number; heads: number } {
    const d = positiveInt(op, 'hiddenSize', opts.hiddenSize);
    const heads = positiveInt(op, 'heads', opts.heads ?? 1);
    if (divides && d % heads !== 0) throw new ArgumentError(op, `hiddenSize ${d} must be divisible by heads ${heads}`);
    return { d, heads };
  }

  /**
   * Runs one block on the time-major stream; `prev` is its carried state; `stepping` asks for a
   * state; `lengths` (with `valid`) are the per-sequence lengths, for windows that must end there.
   */
  protected abstract runBlock(block: B, seq: Tensor, valid: Tensor | null, prev: Record<string, Tensor> | null,
    stepping: boolean, lengths: readonly number[] | null): BlockResult;

  /** Runs x [B, T, inputSize] → output [B, T, d], continuing from `state` when given. */
  forward(x: Tensor, state?: LayerState | null, opts: { lengths?: readonly number[] } = {}): SequenceOutput {
    return this.run(x, state ?? null, opts.lengths ?? null, false);
  }

  /** One streaming step: x [B, inputSize] → output [B, d]. */
  step(x: Tensor, state?: LayerState | null): SequenceOutput {
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) throw new ShapeError(`${this.opName}.step`, `x must be [batch, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const r = this.run(unsqueeze(x, 1), state ?? null, null, true);
    return { output: squeeze(r.output, 1), state: r.state };
  }

  private run(x: Tensor, state: LayerState | null, lengthList: readonly number[] | null, stepping: boolean): SequenceOutput {
    const op = this.opName;
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) throw new ShapeError(op, `x must be [batch, time, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const [B, T] = x.shape as [number, number];
    const lengths = lengthList ? checkLengths(op, lengthList, B, T) : null;
    const valid = lengths ? lengthMask(lengths, T, x.dtype) : null;
    let seq = transpose(this.inProj ? this.inProj.forward(x) : x, 0, 1); // [T, B, d]
    const hs: Tensor[] = [];
    const states: Record<string, Tensor>[] = [];
    this.layers.list.forEach((blk, l) => {
      if (l > 0 && this.dropoutP > 0 && this.training) seq = dropout(seq, this.dropoutP, { rng: this.rng });
      const r = this.runBlock(blk, seq, valid, layerState(state, l), stepping, lengths);
      seq = r.y;
      hs.push(lastValid(seq, lengths));
      if (r.state) states.push(r.state);
    });
    let out = transpose(seq, 0, 1);
    // where, not a product: padding is exactly +0, as in the recurrent layers
    if (valid) out = where(transpose(valid, 0, 1), out, 0);
    const st: LayerState = { h: stack(hs, 0) };
    if (states.length === this.numLayers) for (const k of Object.keys(states[0]!)) st[k] = stack(states.map((s) => s[k]!), 0);
    return { output: out, state: st };
  }
}

/** Layer l's slice of every carried state tensor (null when the state holds only h). */
function layerState(state: LayerState | null, l: number): Record<string, Tensor> | null {
  if (!state) return null;
  const keys = Object.keys(state).filter((k) => k !== 'h');
  if (keys.length === 0) return null;
  return Object.fromEntries(keys.map((k) => [k, squeeze(narrow(state[k]!, 0, l, 1), 0)]));
}
