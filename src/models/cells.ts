import { ArgumentError } from '../errors.js';
import { GRU, LSTM, LeakyRNN, RNN, SLSTM } from '../nn/rnn/layers.js';
import type { RecurrentOptions } from '../nn/rnn/layer.js';
import { Aaren } from '../nn/aaren/layer.js';
import { ParaGRU, ParaLSTM } from '../nn/pararnn/layer.js';
import { SSM } from '../nn/ssm/stack.js';
import { Mamba } from '../nn/mamba/mamba.js';
import { DeltaNet, DeltaProduct, GatedDeltaNet } from '../nn/delta/deltanet.js';
import { GLA } from '../nn/gla/gla.js';
import { Mamba2 } from '../nn/mamba2/mamba2.js';
import { MLSTM } from '../nn/mlstm/mlstm.js';
import { Attention } from '../nn/attention/attention.js';
import { HybridStack } from './hybrid.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

/** A state with the per-layer last output h [layers * directions, B, H] (plus anything else). */
export type LayerState = { h: Tensor } & Record<string, Tensor>;

/** What a sequence model needs from its recurrent stack (RNN layers and Aaren both fit). */
export interface SequenceLayer extends Module {
  forward(x: Tensor, state?: LayerState | null, opts?: { lengths?: readonly number[] }): { output: Tensor; state: LayerState };
  step(x: Tensor, state?: LayerState | null): { output: Tensor; state: LayerState };
}

/** What a cell is built from: the recurrent-layer options plus the linear-RNN switches. */
export interface CellOptions extends RecurrentOptions {
  /** DeltaProduct: Householder steps per token (default 2). */
  householder?: number;
  /** Delta-rule layers: β ∈ (0, 2), eigenvalues down to -1 (default false). */
  negEigval?: boolean;
  /** Short convolutions on q, k, v (GLA: default false; delta-rule layers: default true). */
  shortConv?: boolean;
}

/** A recurrent stack a sequence model can be built on, by its CLI name. */
export interface CellSpec {
  readonly name: string;
  /** One line for `recurrent models`. */
  readonly description: string;
  create(opts: CellOptions): SequenceLayer;
}

/** The options every residual stack takes, from the cell options. */
function stackOpts(o: CellOptions): { inputSize: number; hiddenSize: number; numLayers: number; dropout: number } & Pick<CellOptions, 'rng' | 'dtype'> {
  return { inputSize: o.inputSize, hiddenSize: o.hiddenSize, numLayers: o.numLayers ?? 1, dropout: o.dropout ?? 0,
    ...(o.rng ? { rng: o.rng } : {}), ...(o.dtype ? { dtype: o.dtype } : {}) };
}

/** Rejects options a causal, head-agnostic stack cannot honour. */
function causalOnly(name: string, o: CellOptions, headsOk: boolean): void {
  if (o.bidirectional) throw new ArgumentError(`model ${name}`, 'is causal: bidirectional is not supported');
  if (!headsOk && (o.heads ?? 1) > 1) throw new ArgumentError(`model ${name}`, 'does not take heads');
}

const SPECS: CellSpec[] = [
  { name: 'lstm', description: 'LSTM (PyTorch gates i,f,g,o), fused whole-sequence kernels', create: (o) => new LSTM(o) },
  { name: 'gru', description: 'GRU in PyTorch convention (b_hn inside the reset gate), fused kernels', create: (o) => new GRU(o) },
  { name: 'rnn', description: 'Elman RNN with tanh, fused kernels', create: (o) => new RNN(o) },
  { name: 'rnn-relu', description: 'Elman RNN with ReLU, fused kernels', create: (o) => new RNN({ ...o, nonlinearity: 'relu' }) },
  { name: 'slstm', description: 'sLSTM (xLSTM): exponential input gate with stabiliser and normaliser states', create: (o) => new SLSTM(o) },
  { name: 'leaky', description: 'leaky tau-RNN with a trainable time constant per neuron', create: (o) => new LeakyRNN(o) },
  {
    name: 'paragru', description: 'ParaGRU (ParaRNN): diagonal-recurrence GRU trained parallel in time by 3 Newton iterations',
    create: (o) => {
      if (o.bidirectional || (o.heads ?? 1) > 1) throw new ArgumentError('model paragru', 'supports neither bidirectional nor heads (its recurrence is diagonal)');
      return new ParaGRU(stackOpts(o));
    },
  },
  {
    name: 'paralstm', description: 'ParaLSTM (ParaRNN): CIFG LSTM with diagonal recurrences and peepholes, Newton-parallel in time',
    create: (o) => {
      if (o.bidirectional || (o.heads ?? 1) > 1) throw new ArgumentError('model paralstm', 'supports neither bidirectional nor heads (its recurrence is diagonal)');
      return new ParaLSTM(stackOpts(o));
    },
  },
  {
    name: 's4d', description: 'S4D / diagonal linear RNN: complex diagonal state-space blocks, trained as an FFT convolution',
    create: (o) => ssm('s4d', o),
  },
  {
    name: 'lru', description: 'LRU (linear recurrent unit): stable complex diagonal recurrence, trained by a parallel scan',
    create: (o) => ssm('lru', o),
  },
  {
    name: 'lssl', description: 'LSSL: dense HiPPO-LegT state-space blocks (bilinear), learned step, trained as an FFT convolution',
    create: (o) => ssm('lssl', o),
  },
  {
    name: 'mamba', description: 'Mamba (selective SSM; mamba_ssm names): input-dependent diagonal recurrence in one fused kernel',
    create: (o) => {
      if (o.bidirectional || (o.heads ?? 1) > 1) throw new ArgumentError('model mamba', 'supports neither bidirectional nor heads');
      return new Mamba(stackOpts(o));
    },
  },
  {
    name: 'mamba2', description: 'Mamba-2 (mamba_ssm names): scalar-decay SSM heads; fused recurrence kernel (chunked SSD form available)',
    create: (o) => {
      causalOnly('mamba2', o, false);
      return new Mamba2(stackOpts(o));
    },
  },
  {
    name: 'gla', description: 'GLA (fla names): gated linear attention with a per-key-channel decay; fused recurrence kernel',
    create: (o) => {
      causalOnly('gla', o, true);
      return new GLA({ ...stackOpts(o), heads: o.heads ?? 1, shortConv: !!o.shortConv });
    },
  },
  {
    name: 'mlstm', description: 'mLSTM (xLSTM Large names): matrix memory with stabilised exponential gates, trained chunkwise',
    create: (o) => {
      causalOnly('mlstm', o, true);
      return new MLSTM({ ...stackOpts(o), heads: o.heads ?? 1 });
    },
  },
  {
    name: 'deltanet', description: 'DeltaNet (fla names): delta-rule linear attention with short convs; fused kernel (chunkwise UT form available)',
    create: (o) => {
      causalOnly('deltanet', o, true);
      return new DeltaNet({ ...stackOpts(o), heads: o.heads ?? 1, allowNegEigval: !!o.negEigval, shortConv: o.shortConv ?? true });
    },
  },
  {
    name: 'gated-deltanet', description: 'Gated DeltaNet (fla names): delta rule with a Mamba-2-style decay per head and an output gate',
    create: (o) => {
      causalOnly('gated-deltanet', o, true);
      return new GatedDeltaNet({ ...stackOpts(o), heads: o.heads ?? 1, allowNegEigval: !!o.negEigval, shortConv: o.shortConv ?? true });
    },
  },
  {
    name: 'deltaproduct', description: 'DeltaProduct (fla GatedDeltaProduct): --householder n_h delta steps per token; --neg-eigval for β in (0, 2)',
    create: (o) => {
      causalOnly('deltaproduct', o, true);
      return new DeltaProduct({ ...stackOpts(o), heads: o.heads ?? 1, householder: o.householder ?? 2, allowNegEigval: !!o.negEigval, shortConv: o.shortConv ?? true });
    },
  },
  {
    name: 'attention', description: 'causal softmax attention (fla names, RoPE, KV-cache streaming); for hybrids such as deltanet+attention',
    create: (o) => {
      causalOnly('attention', o, true);
      return new Attention({ ...stackOpts(o), heads: o.heads ?? 1 });
    },
  },
  {
    name: 'aaren', description: 'Aaren: attention as an RNN (learned query per head, parallel prefix scan, O(1) streaming)',
    create: (o) => {
      if (o.bidirectional) throw new ArgumentError('model aaren', 'is causal: bidirectional is not supported');
      return new Aaren({ ...stackOpts(o), heads: o.heads ?? 1 });
    },
  },
];

function ssm(kind: 's4d' | 'lru' | 'lssl', o: RecurrentOptions): SequenceLayer {
  if (o.bidirectional || (o.heads ?? 1) > 1) throw new ArgumentError(`model ${kind}`, 'supports neither bidirectional nor heads');
  return new SSM({ kind, ...stackOpts(o) });
}

/** Every recurrent cell usable as `--model`. */
export function listCells(): readonly CellSpec[] {
  return SPECS;
}

/**
 * Looks a cell up by name; the error lists the valid names. 'a+b' is a hybrid stack whose layers
 * cycle through the named cells (e.g. 'gated-deltanet+lstm' with 4 layers: GDN, LSTM, GDN, LSTM).
 */
export function getCell(name: string): CellSpec {
  if (name.includes('+')) {
    const parts = name.split('+').map((p) => getCell(p));
    return {
      name, description: `hybrid: layers cycle through ${parts.map((p) => p.name).join(', ')}`,
      create: (o) => {
        if (o.bidirectional) throw new ArgumentError(`model ${name}`, 'hybrid stacks are causal: bidirectional is not supported');
        const n = o.numLayers ?? 1;
        return new HybridStack(Array.from({ length: n }, (_, l) => parts[l % parts.length]!.create({
          ...o, inputSize: l === 0 ? o.inputSize : o.hiddenSize, numLayers: 1, dropout: 0,
        })), { dropout: o.dropout ?? 0, ...(o.rng ? { rng: o.rng } : {}) });
      },
    };
  }
  const spec = SPECS.find((s) => s.name === name);
  if (!spec) throw new ArgumentError('model', `unknown model '${name}'; valid models: ${SPECS.map((s) => s.name).join(', ')} (or hybrids such as 'deltanet+lstm')`);
  return spec;
}
