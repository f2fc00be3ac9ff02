import { ArgumentError } from '../errors.js';
import { checkOptions, describeOption, optionTable, withDefaults } from '../options.js';
import type { OptionSpec, OptionSpecs, OptionValue, OptionValues } from '../options.js';
import { GRU, LSTM, LeakyRNN, RNN, SLSTM } from '../nn/rnn/layers.js';
import { Aaren } from '../nn/aaren/layer.js';
import { ParaGRU, ParaLSTM } from '../nn/pararnn/layer.js';
import { SSM } from '../nn/ssm/stack.js';
import { Mamba } from '../nn/mamba/mamba.js';
import { DeltaNet, DeltaProduct, GatedDeltaNet } from '../nn/delta/deltanet.js';
import { GLA } from '../nn/gla/gla.js';
import { Mamba2 } from '../nn/mamba2/mamba2.js';
import { MLSTM } from '../nn/mlstm/mlstm.js';
import { Attention } from '../nn/attention/attention.js';
import { MAX_NGRAM_ORDER } from '../nn/ngram.js';
import type { SequenceLayer } from '../nn/sequence-layer.js';
import type { DType } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import { HybridStack } from './hybrid.js';

/** What every model is built from, whatever its family: the sizes and the random stream. */
export interface StackSizes {
  /** Features per input step (the embedding width for token inputs). */
  inputSize: number;
  /** Width of every layer. */
  hiddenSize: number;
  /** Number of layers (for a hybrid, spread over its parts in turn). */
  numLayers: number;
  /** Dropout between layers (training only). */
  dropout: number;
  /** A second stack reading backwards (only where the spec says `bidirectional: true`). */
  bidirectional: boolean;
  /** Generator for the initial weights and dropout masks. */
  rng: Rng;
  /** Element type of the parameters (default float32). */
  dtype?: DType;
}

/**
 * A sequence model by its CLI name, with the options it owns. Option names are the layer's own
 * option names, so a value travels unrenamed from `--model-opt k=v` (or the config) to the layer;
 * adding a knob is one line in `options` here.
 */
export interface ModelSpec {
  /** The CLI name (`--model NAME`, `ModelConfig.name`), e.g. 'lstm' or 'deltanet+lstm'. */
  readonly name: string;
  /** One line for `recurrent models`. */
  readonly description: string;
  /** The model's knobs: type, default, range, help. */
  readonly options: OptionSpecs;
  /** Whether it can read a sequence in both directions (classic RNNs only; the rest are causal). */
  readonly bidirectional: boolean;
  /** A hybrid's models, in layer order (absent for a single model). */
  readonly parts?: readonly ModelSpec[];
  /**
   * Builds the stack. `options` are the given ones, checked (`checkModelOptions`); the spec fills
   * its own defaults, so a hybrid hands each part only what the user set.
   */
  create(sizes: StackSizes, options: Readonly<Record<string, OptionValue>>): SequenceLayer;
}

/** A spec whose `create` receives every option typed and defaulted. */
function model<const S extends OptionSpecs>(spec: {
  name: string; description: string; options: S; bidirectional?: boolean;
  create: (sizes: StackSizes, o: OptionValues<S>) => SequenceLayer;
}): ModelSpec {
  return {
    name: spec.name, description: spec.description, options: spec.options, bidirectional: spec.bidirectional ?? false,
    create: (sizes, given) => spec.create(sizes, withDefaults(spec.options, given)),
  };
}

/** The sizes a residual stack takes (no bidirectional: those stacks are causal). */
function stack(s: StackSizes): { inputSize: number; hiddenSize: number; numLayers: number; dropout: number; rng: Rng; dtype?: DType } {
  return { inputSize: s.inputSize, hiddenSize: s.hiddenSize, numLayers: s.numLayers, dropout: s.dropout, rng: s.rng, ...(s.dtype ? { dtype: s.dtype } : {}) };
}

/** The sizes a classic RNN layer takes (batch-first, PyTorch's options). */
function rnn(s: StackSizes): ReturnType<typeof stack> & { bidirectional: boolean; batchFirst: true } {
  return { ...stack(s), bidirectional: s.bidirectional, batchFirst: true };
}

// Options several families share (same name, same meaning).
const heads = (help: string): OptionSpec => ({ type: 'int', default: 1, min: 1, help });
const attnHeads = heads('heads per layer; hiddenSize must divide by it');
const chunk: OptionSpec = { type: 'int', default: 16, min: 1, help: "tokens per chunk of impl 'chunk'" };
const classic = {
  heads: heads('block-diagonal recurrent matrix with this many heads (FlashRNN); 1 = dense'),
  impl: { type: 'choice', default: 'fused', choices: ['fused', 'recurrent'], help: 'fused: whole-sequence kernels with a hand-written backward; recurrent: the step op by op through the tape (the spec)' },
} as const satisfies OptionSpecs;
const para = {
  impl: { type: 'choice', default: 'newton', choices: ['newton', 'recurrent'], help: 'newton: parallel in time by Newton iterations; recurrent: the step through the tape (the spec)' },
  iterations: { type: 'int', default: 3, min: 1, help: 'Newton iterations per forward' },
  init: { type: 'choice', default: 'uniform', choices: ['uniform', 'paper'], help: "initial weights: uniform (A, P ~ U(±0.5), B, b ~ U(±1/sqrt(H))); paper: ParaRNN's (A, P ~ N(0, 4/(5H)), B Xavier-uniform, first-gate bias -linspace(0, 1, H))" },
} as const satisfies OptionSpecs;
const ssmImpl = <const C extends readonly string[]>(fallback: C[number], choices: C) => ({
  type: 'choice', default: fallback, choices,
  help: 'conv: FFT convolution; scan: associative scan; fused: the linear-recurrence kernel; recurrent: the loop (the spec)',
}) as const;
const delta = {
  heads: attnHeads,
  allowNegEigval: { type: 'boolean', default: false, help: 'beta in (0, 2): state-transition eigenvalues down to -1 (state tracking)' },
  shortConv: { type: 'boolean', default: true, help: 'short causal convolutions on q, k, v (fla default)' },
  impl: { type: 'choice', default: 'fused', choices: ['fused', 'chunk', 'recurrent'], help: 'fused: one kernel each way; chunk: the chunkwise UT form; recurrent: the token loop (the spec)' },
  chunk,
} as const satisfies OptionSpecs;

// P33's static n-gram layers, built by SequenceModel (they read the token ids) after the first
// layer; the stack itself never sees the option.
const ngram = {
  ngram: {
    type: 'int', default: 0, min: 0, max: MAX_NGRAM_ORDER,
    help: `static n-gram layers (P33) after the first layer, of orders 2..N (N = 2: one induction-head layer); 0 = off; token inputs and per-step heads only`,
  },
} as const satisfies OptionSpecs;

const SPECS: ModelSpec[] = [
  model({ name: 'lstm', description: 'LSTM (PyTorch gates i,f,g,o), fused whole-sequence kernels', bidirectional: true, options: { ...classic, ...ngram },
    create: (s, { ngram: _, ...o }) => new LSTM({ ...rnn(s), ...o }) }),
  model({ name: 'gru', description: 'GRU in PyTorch convention (b_hn inside the reset gate), fused kernels', bidirectional: true, options: classic,
    create: (s, o) => new GRU({ ...rnn(s), ...o }) }),
  model({ name: 'rnn', description: 'Elman RNN with tanh, fused kernels', bidirectional: true, options: classic,
    create: (s, o) => new RNN({ ...rnn(s), ...o }) }),
  model({ name: 'rnn-relu', description: 'Elman RNN with ReLU, fused kernels', bidirectional: true, options: classic,
    create: (s, o) => new RNN({ ...rnn(s), ...o, nonlinearity: 'relu' }) }),
  model({ name: 'slstm', description: 'sLSTM (xLSTM): exponential input gate with stabiliser and normaliser states', bidirectional: true, options: classic,
    create: (s, o) => new SLSTM({ ...rnn(s), ...o }) }),
  model({ name: 'leaky', description: 'leaky tau-RNN with a trainable time constant per neuron', bidirectional: true, options: {
    ...classic,
    tauInit: { type: 'choice', default: 'spread', choices: ['spread', 'paper'], help: 'initial tau: spread = U(1.5, 10); paper = 1 + U(0, 1), near a plain RNN (Khajehabdollahi et al. 2024)' },
  },
    create: (s, o) => new LeakyRNN({ ...rnn(s), ...o }) }),
  model({ name: 'paragru', description: 'ParaGRU (ParaRNN): diagonal-recurrence GRU trained parallel in time by 3 Newton iterations', options: para,
    create: (s, o) => new ParaGRU({ ...stack(s), ...o }) }),
  model({ name: 'paralstm', description: 'ParaLSTM (ParaRNN): CIFG LSTM with diagonal recurrences and peepholes, Newton-parallel in time', options: para,
    create: (s, o) => new ParaLSTM({ ...stack(s), ...o }) }),
  model({
    name: 's4d', description: 'S4D / diagonal linear RNN: complex diagonal state-space blocks, trained as an FFT convolution',
    options: { stateSize: { type: 'int', default: 32, min: 1, help: 'complex modes per channel' }, impl: ssmImpl('conv', ['conv', 'fused', 'scan', 'recurrent']) },
    create: (s, o) => new SSM({ ...stack(s), kind: 's4d', ...o }),
  }),
  model({
    name: 'lru', description: 'LRU (linear recurrent unit): stable complex diagonal recurrence, trained by a parallel scan',
    options: { stateSize: { type: 'int', default: 32, min: 1, help: 'complex modes in total' }, impl: ssmImpl('scan', ['conv', 'fused', 'scan', 'recurrent']) },
    create: (s, o) => new SSM({ ...stack(s), kind: 'lru', ...o }),
  }),
  model({
    name: 'lssl', description: 'LSSL: dense HiPPO-LegT state-space blocks (bilinear), learned step, trained as an FFT convolution',
    options: {
      stateSize: { type: 'int', default: 32, min: 1, help: 'state size N of the HiPPO-LegT matrix per channel' },
      impl: ssmImpl('conv', ['conv', 'recurrent']),
      discretization: { type: 'choice', default: 'bilinear', choices: ['bilinear', 'zoh'], help: 'how A and B are discretised with the learned step' },
      learnA: { type: 'boolean', default: false, help: 'train A and B (default: fixed HiPPO matrices)' },
    },
    create: (s, o) => new SSM({ ...stack(s), kind: 'lssl', ...o }),
  }),
  model({
    name: 'mamba', description: 'Mamba (selective SSM; mamba_ssm names): input-dependent diagonal recurrence in one fused kernel',
    options: {
      stateSize: { type: 'int', default: 16, min: 1, help: 'd_state' },
      convSize: { type: 'int', default: 4, min: 1, help: 'd_conv: width of the causal depthwise convolution' },
      expand: { type: 'int', default: 2, min: 1, help: 'd_inner = expand * d_model' },
      impl: { type: 'choice', default: 'fused', choices: ['fused', 'scan', 'recurrent'], help: 'fused: the linear-recurrence kernel; scan: associative scan; recurrent: the loop (the spec)' },
    },
    create: (s, o) => new Mamba({ ...stack(s), ...o }),
  }),
  model({
    name: 'mamba2', description: 'Mamba-2 (mamba_ssm names): scalar-decay SSM heads; fused recurrence kernel (chunked SSD form available)',
    options: {
      stateSize: { type: 'int', default: 16, min: 1, help: 'd_state N (mamba_ssm: 128)' },
      convSize: { type: 'int', default: 4, min: 1, help: 'd_conv' },
      expand: { type: 'int', default: 2, min: 1, help: 'd_inner = expand * d_model' },
      headDim: { type: 'int', default: 16, min: 1, help: 'headdim P (mamba_ssm: 64); d_inner must divide by it' },
      nGroups: { type: 'int', default: 1, min: 1, help: 'ngroups: B and C shared by nheads / ngroups heads' },
      impl: { type: 'choice', default: 'fused', choices: ['fused', 'chunk', 'recurrent'], help: 'fused: one kernel each way; chunk: chunked SSD; recurrent: the token loop (the spec)' },
      chunk,
      decayScale: { type: 'number', default: 1, min: 0, help: 'inference mitigation (Stuffed Mamba): log-decay dt*A times this, a_t -> a_t^s; > 1 forgets faster (1 = off)' },
      stateNormMax: { type: 'number', default: 0, min: 0, help: "inference mitigation: cap each head's state norm after every token (0 = off)" },
      stateWindow: { type: 'int', default: 0, min: 0, help: 'inference mitigation: read only the state the last r tokens wrote, h_t - (prod a) h_{t-r} (0 = off)' },
    },
    create: (s, o) => new Mamba2({ ...stack(s), ...o }),
  }),
  model({
    name: 'gla', description: 'GLA (fla names): gated linear attention with a per-key-channel decay; fused recurrence kernel',
    options: {
      heads: attnHeads,
      shortConv: { type: 'boolean', default: false, help: "short causal convolutions on q, k, v (fla's use_short_conv)" },
      impl: { type: 'choice', default: 'fused', choices: ['fused', 'chunk', 'recurrent'], help: 'fused: one kernel each way; chunk: chunkwise; recurrent: the token loop (the spec)' },
      chunk,
      ...ngram,
    },
    create: (s, { ngram: _, ...o }) => new GLA({ ...stack(s), ...o }),
  }),
  model({
    name: 'mlstm', description: 'mLSTM (xLSTM Large names): matrix memory with stabilised exponential gates, trained chunkwise',
    options: {
      heads: attnHeads,
      ffn: { type: 'boolean', default: false, help: "xLSTM Large's feed-forward after every mLSTM layer" },
      impl: { type: 'choice', default: 'chunk', choices: ['chunk', 'parallel', 'recurrent'], help: 'chunk: chunkwise; parallel: the quadratic form; recurrent: the token loop (the spec)' },
      chunk,
    },
    create: (s, o) => new MLSTM({ ...stack(s), ...o }),
  }),
  model({ name: 'deltanet', description: 'DeltaNet (fla names): delta-rule linear attention with short convs; fused kernel (chunkwise UT form available)',
    options: delta, create: (s, o) => new DeltaNet({ ...stack(s), ...o }) }),
  model({ name: 'gated-deltanet', description: 'Gated DeltaNet (fla names): delta rule with a Mamba-2-style decay per head and an output gate',
    options: delta, create: (s, o) => new GatedDeltaNet({ ...stack(s), ...o }) }),
  model({
    name: 'deltaproduct', description: 'DeltaProduct (fla GatedDeltaProduct): householder = n_h delta steps per token; allowNegEigval for beta in (0, 2)',
    options: {
      ...delta,
      householder: { type: 'int', default: 2, min: 1, help: 'n_h: Householder (delta-rule) steps per token' },
      forgetGate: { type: 'boolean', default: false, help: "fla's Gated DeltaProduct: a decay per head and token (a_proj, A_log, dt_bias)" },
    },
    create: (s, o) => new DeltaProduct({ ...stack(s), ...o }),
  }),
  model({
    name: 'attention', description: 'causal softmax attention (fla names, RoPE, KV-cache streaming); for hybrids such as deltanet+attention',
    options: { heads: attnHeads, ropeBase: { type: 'number', default: 10000, min: 1, help: 'RoPE base theta' }, ...ngram },
    create: (s, { ngram: _, ...o }) => new Attention({ ...stack(s), ...o }),
  }),
  model({
    name: 'aaren', description: 'Aaren: attention as an RNN (learned query per head, parallel prefix scan, O(1) streaming)',
    options: {
      heads: attnHeads,
      impl: { type: 'choice', default: 'parallel', choices: ['parallel', 'recurrent'], help: 'parallel: prefix scan; recurrent: the recurrence (the spec)' },
    },
    create: (s, o) => new Aaren({ ...stack(s), ...o }),
  }),
];

/** Every model usable as `--model` (hybrids 'a+b' are built on demand by `getModel`). */
export function listModels(): readonly ModelSpec[] {
  return SPECS;
}

/**
 * Looks a model up by name; the error lists the valid names. 'a+b' is a hybrid stack whose layers
 * cycle through the named models (e.g. 'gated-deltanet+lstm' with 4 layers: GDN, LSTM, GDN, LSTM);
 * its options are the union of its parts', each applied to every part that has it.
 */
export function getModel(name: string): ModelSpec {
  if (name.includes('+')) return hybrid(name, name.split('+').map((p) => getModel(p)));
  const spec = SPECS.find((s) => s.name === name);
  if (!spec) throw new ArgumentError('model', `unknown model '${name}'; valid models: ${SPECS.map((s) => s.name).join(', ')} (or hybrids such as 'deltanet+lstm')`);
  return spec;
}

/** Checks options for model `name` (types, ranges, names); returns them typed, without defaults. */
export function checkModelOptions(name: string, given: Readonly<Record<string, unknown>>): Record<string, OptionValue> {
  const spec = getModel(name);
  const out = checkOptions(`model ${name}`, spec.options, given);
  // A hybrid's parts may share a name with different values allowed (impl): each part checks its own.
  for (const part of spec.parts ?? []) checkOptions(`model ${name} (its ${part.name} layers)`, part.options, pick(given, part.options));
  return out;
}

/** The entries of `given` that `specs` declares. */
function pick<V>(given: Readonly<Record<string, V>>, specs: OptionSpecs): Record<string, V> {
  return Object.fromEntries(Object.entries(given).filter(([k]) => Object.hasOwn(specs, k)));
}

/** `recurrent models NAME`: the model's description and one line per option (default, values, help). */
export function describeModel(name: string): string {
  const spec = getModel(name);
  const table = optionTable(spec.options);
  const lines = [`${spec.name}: ${spec.description}`, ''];
  if (!table.length) lines.push('options: none');
  else lines.push('options (--model-opt name=value):', ...table);
  if (spec.bidirectional) lines.push('', 'also reads sequences in both directions (--bidirectional, per-sequence tasks)');
  return lines.join('\n');
}

function hybrid(name: string, parts: ModelSpec[]): ModelSpec {
  // The union of the parts' options; where parts share a name with different defaults, each keeps its own.
  const options: Record<string, OptionSpec> = {};
  for (const p of parts) {
    for (const [k, o] of Object.entries(p.options)) {
      const seen = options[k];
      if (!seen) {
        options[k] = o;
      } else if (seen.default !== o.default || (seen.type === 'choice' && o.type === 'choice' && seen.choices.join() !== o.choices.join())) {
        // Shown once for the hybrid; each part keeps (and checks) its own default and values.
        const owners = parts.filter((q) => Object.hasOwn(q.options, k));
        const choices = [...new Set(owners.flatMap((q) => { const c = q.options[k]!; return c.type === 'choice' ? c.choices : []; }))];
        const merged = seen.type === 'choice' ? { ...seen, choices } : seen;
        options[k] = { ...merged, help: `${seen.help} (per layer: ${owners.map((q) => `${q.name} ${String(q.options[k]!.default)}${q.options[k]!.type === 'choice' ? ` of ${describeOption(q.options[k]!)}` : ''}`).join(', ')})` };
      }
    }
  }
  return {
    name, description: `hybrid: layers cycle through ${parts.map((p) => p.name).join(', ')}`, options, bidirectional: false, parts,
    create: (s, given) => new HybridStack(Array.from({ length: s.numLayers }, (_, l) => {
      const part = parts[l % parts.length]!;
      return part.create({ ...s, inputSize: l === 0 ? s.inputSize : s.hiddenSize, numLayers: 1, dropout: 0 }, pick(given, part.options));
    }), { dropout: s.dropout, rng: s.rng }),
  };
}
