import { ArgumentError } from '../errors.js';
import type { OptionValue } from '../options.js';
import { Module } from '../nn/module.js';
import { Embedding, LayerNorm, Linear, RMSNorm } from '../nn/layers.js';
import { ModuleList } from '../nn/module-list.js';
import { NgramLayer } from '../nn/ngram.js';
import { concat, narrow, squeeze } from '../ops/movement.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { LayerState, SequenceLayer, SequenceOutput } from '../nn/sequence-layer.js';
import { checkModelOptions, getModel } from './registry.js';

/** What a sequence model computes from its recurrent stack. */
export type HeadKind = 'classify' | 'tag' | 'regress';

/**
 * The sizes a sequence model is built for: its inputs (token ids or feature vectors) and its head.
 * A task (`rc.tasks.createTask(...)`) has exactly these fields, so it can be passed as is.
 */
export interface ModelIO {
  /** classify: one label per sequence; tag: one label per step; regress: real outputs. */
  readonly kind: HeadKind;
  /** regress: one output vector per step (true) or per sequence. */
  readonly perStep?: boolean;
  /** Token inputs: vocabulary size. Without it, inputs are feature vectors of `inputDim`. */
  readonly vocabSize?: number;
  /** Feature-vector inputs: features per step. */
  readonly inputDim?: number;
  /** classify and tag: number of classes. */
  readonly numClasses?: number;
  /** regress: output width. */
  readonly outputDim?: number;
}

/** A complete, JSON-serialisable description of a sequence model (stored in checkpoints). */
export interface ModelConfig {
  /** Registry name of the recurrent stack (see `listModels`), or a hybrid such as 'deltanet+lstm'. */
  name: string;
  /** Width of every recurrent layer. */
  hiddenSize: number;
  /** Number of recurrent layers. */
  numLayers: number;
  /** Dropout between recurrent layers (training only). */
  dropout: number;
  /** Runs a second stack backwards; only for per-sequence heads (it would see the future). */
  bidirectional: boolean;
  /** Token inputs: vocabulary size. Real inputs leave it unset and give `inputDim`. */
  vocabSize?: number;
  /** Token inputs: embedding width. */
  embedDim?: number;
  /** Real inputs: features per step. */
  inputDim?: number;
  /** Normalisation before the head. */
  norm: 'layer' | 'rms' | 'none';
  /** What the head computes. */
  head: HeadKind;
  /** Outputs per step (tag, per-step regress) or per sequence (classify, regress). */
  perStep: boolean;
  /** Classes (classify, tag) or regression width. */
  outputs: number;
  /**
   * The model's own options as given (`recurrent models NAME` lists them), checked and typed;
   * the registry fills the defaults when the stack is built.
   */
  options: Record<string, OptionValue>;
}

/** Options a user sets; the rest comes from the task. `options` may hold strings (`'3'`, `'true'`): they are parsed. */
export type ModelOptions = Partial<Pick<ModelConfig, 'name' | 'hiddenSize' | 'numLayers' | 'dropout' | 'bidirectional' | 'embedDim' | 'norm'>>
  & {
    /** The model's own options (see `describeModel`), typed or as strings. */
    options?: Readonly<Record<string, unknown>>;
  };

/** Fills a full config for a task's sizes from user options (defaults: 1-layer LSTM of 64 units with LayerNorm). */
export function modelConfigFor(io: ModelIO, opts: ModelOptions = {}): ModelConfig {
  const name = opts.name ?? 'lstm';
  const cfg: ModelConfig = {
    name,
    hiddenSize: opts.hiddenSize ?? 64,
    numLayers: opts.numLayers ?? 1,
    dropout: opts.dropout ?? 0,
    bidirectional: opts.bidirectional ?? false,
    norm: opts.norm ?? 'layer',
    head: io.kind,
    perStep: io.kind === 'tag' || (io.kind === 'regress' && !!io.perStep),
    outputs: io.kind === 'regress' ? io.outputDim! : io.numClasses!,
    options: checkModelOptions(name, opts.options ?? {}),
  };
  if (io.vocabSize !== undefined) {
    cfg.vocabSize = io.vocabSize;
    cfg.embedDim = opts.embedDim ?? cfg.hiddenSize;
  } else {
    cfg.inputDim = io.inputDim!;
  }
  return cfg;
}

// Checkpoints written before models owned their options kept four knobs at the top level under
// other names, and called the model `cell`.
const LEGACY_KNOBS: Readonly<Record<string, string>> = { heads: 'heads', householder: 'householder', negEigval: 'allowNegEigval', shortConv: 'shortConv' };

/**
 * Brings model options from an older checkpoint to today's shape (`cell` → `name`, the top-level
 * heads / householder / negEigval / shortConv → `options`); today's shape passes unchanged.
 * A legacy `heads: 1` on a model without heads (every old config had one) is dropped.
 */
export function upgradeModelOptions<T extends Record<string, unknown>>(raw: T): T {
  if (!raw || typeof raw !== 'object' || !('cell' in raw || Object.keys(LEGACY_KNOBS).some((k) => k in raw))) return raw;
  const { cell, heads, householder, negEigval, shortConv, ...rest } = raw as Record<string, unknown>;
  const name = typeof cell === 'string' ? cell : typeof rest.name === 'string' ? rest.name : 'lstm';
  const spec = getModel(name);
  const options: Record<string, unknown> = { ...(rest.options as Record<string, unknown> | undefined) };
  const legacy: Record<string, unknown> = { heads, householder, negEigval, shortConv };
  for (const [old, now] of Object.entries(LEGACY_KNOBS)) {
    const v = legacy[old];
    if (v === undefined || (old === 'negEigval' && v === false)) continue;
    if (now in spec.options) options[now] = v;
    else if (!(old === 'heads' && v === 1)) throw new ArgumentError('checkpoint', `model ${name} has no option '${now}' (stored as ${old}: ${String(v)})`);
  }
  const out: Record<string, unknown> = cell !== undefined ? { name, ...rest } : { ...rest };
  // A full model config always has options; a user's partial options only when any were set.
  if (Object.keys(options).length || 'head' in rest) out.options = options;
  return out as T;
}

function checkConfig(c: ModelConfig): void {
  const op = 'SequenceModel';
  const spec = getModel(c.name);
  const posInt = (name: string, v: unknown): void => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new ArgumentError(op, `${name} must be a positive integer, got ${String(v)}`);
  };
  posInt('hiddenSize', c.hiddenSize);
  posInt('numLayers', c.numLayers);
  posInt('outputs', c.outputs);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new ArgumentError(op, `dropout must be in [0, 1), got ${c.dropout}`);
  if (!['layer', 'rms', 'none'].includes(c.norm)) throw new ArgumentError(op, `norm must be layer, rms or none, got '${c.norm}'`);
  if (c.vocabSize !== undefined) { posInt('vocabSize', c.vocabSize); posInt('embedDim', c.embedDim); } else posInt('inputDim', c.inputDim);
  if (c.bidirectional && !spec.bidirectional) throw new ArgumentError(`model ${c.name}`, 'is causal: bidirectional is not supported');
  if (c.bidirectional && c.perStep) throw new ArgumentError(op, 'bidirectional needs a per-sequence head: a per-step head would read future inputs');
}

/** The n-gram layers' requirements (model option `ngram`, P33). */
function checkNgram(c: ModelConfig, order: number): void {
  const op = `model ${c.name}`;
  if (order < 2) throw new ArgumentError(op, `ngram must be 0 (off) or an order of 2 or more, got ${order}`);
  if (c.name.includes('+')) throw new ArgumentError(op, 'ngram is not supported in hybrids');
  if (c.vocabSize === undefined) throw new ArgumentError(op, 'ngram matches token ids: it needs token inputs');
  if (!c.perStep) throw new ArgumentError(op, 'ngram needs a per-step head (tag or per-step regression)');
}

/**
 * Embedding (or the raw features) → a stack of recurrent layers → norm → linear head. With the
 * model option `ngram` (P33), the stack's first layer is followed by static n-gram layers, then
 * its other layers.
 * `forward(x, lengths)` returns logits or predictions: [B, outputs] per sequence (read from the
 * final state, which freezes at each sequence's length) or [B, T, outputs] per step.
 */
export class SequenceModel extends Module {
  /** The config it was built from, with the model options checked and typed. */
  readonly config: ModelConfig;
  /** Token embedding; null for feature-vector inputs. */
  readonly embed: Embedding | null;
  /** The recurrent stack the registry built for `config.name` (only its first layer when `ngram` is on). */
  readonly rnn: SequenceLayer;
  /** P33's static n-gram layers of orders 2..N after the first layer (model option `ngram`); null when off. */
  readonly ngram: ModuleList<NgramLayer> | null;
  /** With `ngram` on: the stack's layers after the first (null with one layer, or when off). */
  readonly rnnRest: SequenceLayer | null;
  /** Normalisation before the head; null with norm 'none'. */
  readonly norm: LayerNorm | RMSNorm | null;
  /** The linear head (D·hiddenSize → outputs). */
  readonly head: Linear;

  constructor(config: ModelConfig, opts: { rng?: Rng } = {}) {
    super();
    checkConfig(config);
    const rng = opts.rng ?? new Rng(0);
    const c = config;
    this.embed = c.vocabSize !== undefined ? this.registerModule('embed', new Embedding(c.vocabSize, c.embedDim!, { rng })) : null;
    const options = checkModelOptions(c.name, c.options ?? {});
    this.config = { ...config, options };
    const spec = getModel(c.name);
    const order = typeof options.ngram === 'number' ? options.ngram : 0;
    if (order > 0) checkNgram(c, order);
    const sizes = {
      inputSize: c.vocabSize !== undefined ? c.embedDim! : c.inputDim!, hiddenSize: c.hiddenSize, numLayers: c.numLayers,
      dropout: c.dropout, bidirectional: c.bidirectional, rng,
    };
    // Without n-gram layers the stack is built exactly as before (same modules, same draws: old checkpoints load).
    this.rnn = this.registerModule('rnn', spec.create(order > 0 ? { ...sizes, numLayers: 1 } : sizes, options));
    this.ngram = order > 0
      ? this.registerModule('ngram', new ModuleList(Array.from({ length: order - 1 }, (_, k) => new NgramLayer(c.hiddenSize, k + 2, { rng }))))
      : null;
    this.rnnRest = order > 0 && c.numLayers > 1
      ? this.registerModule('rnnRest', spec.create({ ...sizes, inputSize: c.hiddenSize, numLayers: c.numLayers - 1 }, options))
      : null;
    const width = c.hiddenSize * (c.bidirectional ? 2 : 1);
    this.norm = c.norm === 'layer' ? this.registerModule('norm', new LayerNorm(width)) : c.norm === 'rms' ? this.registerModule('norm', new RMSNorm(width)) : null;
    this.head = this.registerModule('head', new Linear(width, c.outputs, { rng }));
  }

  /** x: int32 ids [B, T] or features [B, T, inputDim]; lengths: valid steps per sequence. */
  forward(x: Tensor, lengths?: readonly number[]): Tensor {
    const c = this.config;
    const inp = this.embed ? this.embed.forward(x) : x;
    if (this.ngram) {
      // Per-step heads only (checked at construction): the n-gram layers sit between the first layer and the rest.
      const ids = x.data();
      let h = this.rnn.forward(inp, null, lengths ? { lengths } : {}).output;
      for (const layer of this.ngram.list) h = layer.forward(ids, h);
      if (this.rnnRest) h = this.rnnRest.forward(h, null, lengths ? { lengths } : {}).output;
      return this.head.forward(this.norm ? this.norm.forward(h) : h);
    }
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
  step(x: Tensor, state?: LayerState | null): SequenceOutput {
    if (!this.config.perStep) throw new ArgumentError('SequenceModel.step', 'streaming needs a per-step head (tag or per-step regression)');
    if (this.ngram) throw new ArgumentError('SequenceModel.step', 'streaming is not supported with n-gram layers (they read the whole prefix); use forward');
    const inp = this.embed ? this.embed.forward(x) : x;
    const r = this.rnn.step(inp, state ?? null);
    let feat = r.output;
    if (this.norm) feat = this.norm.forward(feat);
    return { output: this.head.forward(feat), state: r.state };
  }
}
