import { ArgumentError } from '../errors.js';
import { Module } from '../nn/module.js';
import { Embedding, LayerNorm, Linear, RMSNorm } from '../nn/layers.js';
import { concat, narrow, squeeze } from '../ops/movement.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Task } from '../tasks/types.js';
import { getCell } from './cells.js';
import type { LayerState, SequenceLayer } from './cells.js';

/** What a sequence model computes from its recurrent stack. */
export type HeadKind = 'classify' | 'tag' | 'regress';

/** A complete, JSON-serialisable description of a sequence model (stored in checkpoints). */
export interface ModelConfig {
  /** Recurrent cell (see `listCells`). */
  cell: string;
  hiddenSize: number;
  numLayers: number;
  /** Dropout between recurrent layers (training only). */
  dropout: number;
  /** Runs a second stack backwards; only for per-sequence heads (it would see the future). */
  bidirectional: boolean;
  /** Token inputs: vocabulary and embedding width. Real inputs: `inputDim`. */
  vocabSize?: number;
  embedDim?: number;
  inputDim?: number;
  /** Normalisation before the head. */
  norm: 'layer' | 'rms' | 'none';
  head: HeadKind;
  /** Outputs per step (tag, per-step regress) or per sequence (classify, regress). */
  perStep: boolean;
  /** Classes (classify, tag) or regression width. */
  outputs: number;
  /** Block-diagonal recurrent heads (1 = dense); heads of the attention-like layers. */
  heads: number;
  /** DeltaProduct's Householder steps per token. */
  householder?: number;
  /** Delta-rule layers: β ∈ (0, 2), so the state transition can have eigenvalue -1. */
  negEigval?: boolean;
  /** Short convolutions on q, k, v of GLA (default off) and the delta-rule layers (default on). */
  shortConv?: boolean;
}

/** Options a user sets; the rest comes from the task. */
export type ModelOptions = Partial<Pick<ModelConfig, 'cell' | 'hiddenSize' | 'numLayers' | 'dropout' | 'bidirectional' | 'embedDim' | 'norm' | 'heads' | 'householder' | 'negEigval' | 'shortConv'>>;

/** Fills a full config for `task` from user options (defaults: 1-layer LSTM of 64 units with LayerNorm). */
export function modelConfigFor(task: Task, opts: ModelOptions = {}): ModelConfig {
  const head = task.kind;
  const cfg: ModelConfig = {
    cell: opts.cell ?? 'lstm',
    hiddenSize: opts.hiddenSize ?? 64,
    numLayers: opts.numLayers ?? 1,
    dropout: opts.dropout ?? 0,
    bidirectional: opts.bidirectional ?? false,
    norm: opts.norm ?? 'layer',
    head,
    perStep: task.kind === 'tag' || (task.kind === 'regress' && task.perStep),
    outputs: task.kind === 'regress' ? task.outputDim! : task.numClasses!,
    heads: opts.heads ?? 1,
    ...(opts.householder !== undefined ? { householder: opts.householder } : {}),
    ...(opts.negEigval ? { negEigval: true } : {}),
    ...(opts.shortConv !== undefined ? { shortConv: opts.shortConv } : {}),
  };
  if (task.vocabSize !== undefined) {
    cfg.vocabSize = task.vocabSize;
    cfg.embedDim = opts.embedDim ?? cfg.hiddenSize;
  } else {
    cfg.inputDim = task.inputDim!;
  }
  return cfg;
}

function checkConfig(c: ModelConfig): void {
  const op = 'SequenceModel';
  getCell(c.cell);
  const posInt = (name: string, v: unknown): void => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new ArgumentError(op, `${name} must be a positive integer, got ${String(v)}`);
  };
  posInt('hiddenSize', c.hiddenSize);
  posInt('numLayers', c.numLayers);
  posInt('outputs', c.outputs);
  posInt('heads', c.heads);
  if (c.householder !== undefined) posInt('householder', c.householder);
  const parts = c.cell.split('+');
  if (c.householder !== undefined && !parts.includes('deltaproduct')) throw new ArgumentError(op, `householder applies to deltaproduct, not '${c.cell}'`);
  if (c.negEigval && !parts.some((p) => ['deltanet', 'gated-deltanet', 'deltaproduct'].includes(p))) {
    throw new ArgumentError(op, `negEigval applies to the delta-rule models (deltanet, gated-deltanet, deltaproduct), not '${c.cell}'`);
  }
  if (c.shortConv !== undefined && !parts.some((p) => ['gla', 'deltanet', 'gated-deltanet', 'deltaproduct'].includes(p))) {
    throw new ArgumentError(op, `shortConv applies to gla and the delta-rule models, not '${c.cell}'`);
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new ArgumentError(op, `dropout must be in [0, 1), got ${c.dropout}`);
  if (!['layer', 'rms', 'none'].includes(c.norm)) throw new ArgumentError(op, `norm must be layer, rms or none, got '${c.norm}'`);
  if (c.vocabSize !== undefined) { posInt('vocabSize', c.vocabSize); posInt('embedDim', c.embedDim); } else posInt('inputDim', c.inputDim);
  if (c.bidirectional && c.perStep) throw new ArgumentError(op, 'bidirectional needs a per-sequence head: a per-step head would read future inputs');
}

/**
 * Embedding (or the raw features) → a stack of recurrent layers → norm → linear head.
 * `forward(x, lengths)` returns logits or predictions: [B, outputs] per sequence (read from the
 * final state, which freezes at each sequence's length) or [B, T, outputs] per step.
 */
export class SequenceModel extends Module {
  readonly config: ModelConfig;
  readonly embed: Embedding | null;
  readonly rnn: SequenceLayer;
  readonly norm: LayerNorm | RMSNorm | null;
  readonly head: Linear;

  constructor(config: ModelConfig, opts: { rng?: Rng } = {}) {
    super();
    checkConfig(config);
    this.config = { ...config };
    const rng = opts.rng ?? new Rng(0);
    const c = config;
    this.embed = c.vocabSize !== undefined ? this.registerModule('embed', new Embedding(c.vocabSize, c.embedDim!, { rng })) : null;
    this.rnn = this.registerModule('rnn', getCell(c.cell).create({
      inputSize: c.vocabSize !== undefined ? c.embedDim! : c.inputDim!, hiddenSize: c.hiddenSize, numLayers: c.numLayers,
      dropout: c.dropout, bidirectional: c.bidirectional, heads: c.heads, batchFirst: true, rng,
      ...(c.householder !== undefined ? { householder: c.householder } : {}), ...(c.negEigval ? { negEigval: true } : {}),
      ...(c.shortConv !== undefined ? { shortConv: c.shortConv } : {}),
    }));
    const width = c.hiddenSize * (c.bidirectional ? 2 : 1);
    this.norm = c.norm === 'layer' ? this.registerModule('norm', new LayerNorm(width)) : c.norm === 'rms' ? this.registerModule('norm', new RMSNorm(width)) : null;
    this.head = this.registerModule('head', new Linear(width, c.outputs, { rng }));
  }

  /** x: int32 ids [B, T] or features [B, T, inputDim]; lengths: valid steps per sequence. */
  forward(x: Tensor, lengths?: readonly number[]): Tensor {
    const c = this.config;
    const inp = this.embed ? this.embed.forward(x) : x;
    const { output, state } = this.rnn.forward(inp, null, lengths ? { lengths } : {});
    let feat: Tensor;
    if (c.perStep) {
      feat = output;
    } else {
      // Final state of the last layer, both directions side by side: [B, D*H].
      const D = c.bidirectional ? 2 : 1;
      const last = narrow(state.h, 0, (c.numLayers - 1) * D, D);
      feat = D === 1 ? squeeze(last, 0) : concat([squeeze(narrow(last, 0, 0, 1), 0), squeeze(narrow(last, 0, 1, 1), 0)], 1);
    }
    if (this.norm) feat = this.norm.forward(feat);
    return this.head.forward(feat);
  }

  /**
   * Streaming: one step for a batch of tokens [B] (int32) or features [B, inputDim], carrying the
   * recurrent state. Returns the per-step head output [B, outputs] and the new state.
   */
  step(x: Tensor, state?: LayerState | null): { output: Tensor; state: LayerState } {
    if (!this.config.perStep) throw new ArgumentError('SequenceModel.step', 'streaming needs a per-step head (tag or per-step regression)');
    const inp = this.embed ? this.embed.forward(x) : x;
    const r = this.rnn.step(inp, state ?? null);
    let feat = r.output;
    if (this.norm) feat = this.norm.forward(feat);
    return { output: this.head.forward(feat), state: r.state };
  }
}
