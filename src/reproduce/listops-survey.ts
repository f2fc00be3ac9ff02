import { trainConfig } from '../train/config.js';
import { accuracyAt, cellSchedule } from './cells.js';
import type { Budget, Cell, Experiment, Results, Verdict } from './types.js';

/** The models compared: diagonal SSMs (S4D, LRU), an LSTM and causal softmax attention. */
const MODELS = [
  { id: 's4d', label: 'S4D', name: 's4d', options: {} },
  { id: 'lru', label: 'LRU', name: 'lru', options: {} },
  { id: 'lstm', label: 'LSTM', name: 'lstm', options: {} },
  { id: 'attention', label: 'causal softmax attention (2 heads)', name: 'attention', options: { heads: 2 } },
] as const;

const PLAN: Record<Budget, { steps: number; batch: number; hidden: number; layers: number; train: [number, number]; test: [number, number] }> = {
  smoke: { steps: 4, batch: 8, hidden: 16, layers: 1, train: [8, 32], test: [33, 48] },
  // S4D trains at ~5 steps/s here with one layer (FFT convolutions over 128 tokens): one layer and one seed fit 30 minutes.
  small: { steps: 2000, batch: 32, hidden: 64, layers: 1, train: [8, 128], test: [129, 256] },
  paper: { steps: 6000, batch: 64, hidden: 128, layers: 4, train: [8, 256], test: [257, 512] },
};

/**
 * P22 / P27, the S4 survey and Mamba-360: ListOps as the SSM-vs-RNN-vs-attention comparison.
 * The papers' numbers are the Long Range Arena results (sequences up to 2000 tokens, large models),
 * listed for orientation only: ours are small models on short expressions.
 */
export const listopsSurvey: Experiment = {
  name: 'listops-survey',
  paper: 'A Survey on S4 Models (2025, P22) and Mamba-360 (Patro & Agneeswaran 2024, P27), LRA table',
  figure: 'LRA ListOps column (S4 58.35, LRU 60.20, Transformer 36.37)',
  claim: 'On ListOps, diagonal state-space models (S4, LRU) beat softmax attention by a wide margin.',
  rows: MODELS.map((m) => m.label),
  columns: [
    { key: 'train', label: 'accuracy % at train lengths' },
    { key: 'test', label: 'accuracy % at longer test lengths' },
  ],
  paperNumbers: {
    S4D: { test: 58.35 },
    LRU: { test: 60.2 },
    'causal softmax attention (2 heads)': { test: 36.37 },
    LSTM: { test: 'not in LRA' },
  },
  budgets: {
    smoke: 'one layer of 16, expressions of 8–32 tokens, 4 steps',
    small: 'one layer of 64, expressions of 8–128 tokens (test 129–256), 2000 steps of batch 32 (LRA: up to 2000 tokens, deep models)',
    paper: 'four layers of 128, 8–256 tokens (test 257–512), 6000 steps of batch 64',
  },
  seeds: { smoke: 1, small: 1, paper: 3 },
  cells(budget: Budget, seeds: number): Cell[] {
    const p = PLAN[budget];
    return MODELS.flatMap((m) => Array.from({ length: seeds }, (_, seed) => ({
      kind: 'train' as const, id: `${m.id}-s${seed}`, row: m.label, seed,
      config: trainConfig({
        task: 'listops', model: { name: m.name, hiddenSize: p.hidden, numLayers: p.layers, ...(Object.keys(m.options).length ? { options: m.options } : {}) },
        seed, steps: p.steps, batchSize: p.batch, lr: 2e-3, curriculum: 0, trainLengths: p.train, testLengths: p.test,
        evalSize: 256, ...cellSchedule(p.steps, 6),
      }),
      columns: { train: accuracyAt('train'), test: accuracyAt('test') },
    })));
  },
  verdict(r: Results, budget: Budget): Verdict {
    const get = (label: string): number | undefined => r[label]?.test?.mean;
    const ssm = Math.max(get('S4D') ?? -1, get('LRU') ?? -1), att = get('causal softmax attention (2 heads)');
    if (ssm < 0 || att === undefined) return { reproduced: null, text: 'the SSM or attention rows did not run' };
    const text = `best SSM ${ssm.toFixed(1)} % vs attention ${att.toFixed(1)} % on the longer test lengths (LSTM ${get('LSTM')?.toFixed(1) ?? '—'} %); rule: the better SSM ahead of attention by at least 5 points. Orientation only: LRA's sequences are far longer and its models larger.`;
    if (budget === 'smoke') return { reproduced: null, text: `smoke budget: ${text}` };
    return { reproduced: ssm >= att + 5, text };
  },
};
