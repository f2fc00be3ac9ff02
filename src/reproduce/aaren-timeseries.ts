import { modelConfigFor, SequenceModel } from '../models/sequence-model.js';
import type { LayerState } from '../nn/sequence-layer.js';
import { randn } from '../ops/creation.js';
import { createTask } from '../tasks/registry.js';
import type { Task } from '../tasks/types.js';
import { trainConfig } from '../train/config.js';
import type { TrainConfig } from '../train/config.js';
import { Rng } from '../tensor/rng.js';
import { dispose, tidy } from '../tensor/scope.js';
import { noGrad } from '../tensor/tape.js';
import { accuracyAt, cellSchedule } from './cells.js';
import type { Budget, Cell, Experiment, MeasureOutput, MetricRef, Results, Verdict } from './types.js';

/** The three models compared, each a stack of `layers` layers of width `hidden`. */
const MODELS = [
  { id: 'aaren', label: 'Aaren (attention as an RNN)' },
  { id: 'attention', label: 'causal softmax attention (KV cache)' },
  { id: 'lstm', label: 'LSTM' },
] as const;
type ModelId = (typeof MODELS)[number]['id'];
const BASELINE = 'baseline: repeat the last input (chance for classification)';

/** The tasks, the column each fills and the length ranges used at every budget. */
const TASKS = [
  { id: 'lorenz', column: 'lorenz', metric: 'mse', lengths: { train: [64, 128], test: [128, 256] } },
  { id: 'sinusoids', column: 'sinusoids', metric: 'mse', lengths: { train: [96, 160], test: [160, 320] } },
  { id: 'shape-in-noise', column: 'accuracy', metric: 'accuracy', lengths: { train: [64, 128], test: [128, 256] } },
] as const;

/** Stream lengths at which the state is measured (the memory columns). */
const STREAM = [64, 256, 1024] as const;

const PLAN: Record<Budget, { hidden: number; layers: number; heads: number; steps: number; batch: number; evalSize: number; short: boolean }> = {
  // smoke: the same code path on short sequences and a tiny model.
  smoke: { hidden: 8, layers: 1, heads: 1, steps: 3, batch: 4, evalSize: 8, short: true },
  // Measured on 2 cores (wasm): about 130 / 85 / 40 ms per step of batch 32 for Aaren / attention
  // / LSTM at these lengths, so 350 steps per task keep the grid near 5 minutes.
  small: { hidden: 32, layers: 2, heads: 2, steps: 350, batch: 32, evalSize: 128, short: false },
  paper: { hidden: 64, layers: 2, heads: 4, steps: 3000, batch: 64, evalSize: 512, short: false },
};

const rowOf = (m: ModelId): string => MODELS.find((x) => x.id === m)!.label;

function lengthsOf(task: (typeof TASKS)[number], short: boolean): { train: [number, number]; test: [number, number] } {
  // Smoke keeps the lengths just above shape-in-noise's minimum (the shape's 16 samples).
  return short ? { train: [16, 24], test: [24, 32] } : { train: [...task.lengths.train], test: [...task.lengths.test] };
}

function config(m: ModelId, task: (typeof TASKS)[number], seed: number, p: (typeof PLAN)[Budget]): TrainConfig {
  const l = lengthsOf(task, p.short);
  return trainConfig({
    task: task.id, model: { name: m, hiddenSize: p.hidden, numLayers: p.layers, ...(m === 'lstm' ? {} : { options: { heads: p.heads } }) }, seed,
    steps: p.steps, batchSize: p.batch, lr: 3e-3, schedule: 'cosine', warmup: Math.min(50, Math.floor(p.steps / 10)), curriculum: 0,
    trainLengths: l.train, testLengths: l.test, evalSize: p.evalSize, ...cellSchedule(p.steps, 3),
  });
}

/** Floats held by every tensor of a streamed state (h, c, KV caches and masks, running sums). */
export function stateFloats(state: LayerState): number {
  return Object.values(state).reduce((n, t) => n + t.size, 0);
}

/**
 * Streams `max(STREAM)` random 1-wide inputs, one token at a time, through an untrained `model`
 * of the experiment's sizes and counts the floats of the returned state after each token. The
 * state's size does not depend on the weights, so no training is needed: what is measured is the
 * memory a deployed model carries from one token to the next.
 */
function streamMemory(m: ModelId, p: (typeof PLAN)[Budget], seed: number): MeasureOutput {
  const io = createTask('sinusoids');
  const cfg = modelConfigFor(io, { name: m, hiddenSize: p.hidden, numLayers: p.layers, ...(m === 'lstm' ? {} : { options: { heads: p.heads } }) });
  const model = new SequenceModel(cfg, { rng: new Rng(seed) });
  model.eval();
  const rng = new Rng(seed + 1);
  const x: number[] = [], y: number[] = [];
  const values: Record<string, number> = {};
  let state: LayerState | null = null;
  noGrad(() => {
    for (let t = 1; t <= STREAM.at(-1)!; t++) {
      const next: LayerState = tidy(() => {
        const r = model.step(randn([1, 1], { rng }), state);
        r.output.dispose();
        return r.state;
      });
      // A layer may hand an unchanged tensor on: free only what the new state no longer holds.
      if (state) { const live = new Set(Object.values(next)); dispose(Object.values(state).filter((v) => !live.has(v))); }
      state = next;
      const n = stateFloats(state);
      if ((STREAM as readonly number[]).includes(t)) values[`mem${t}`] = n;
      if (t === 1 || t % 16 === 0) { x.push(t); y.push(n); }
    }
  });
  if (state) dispose(Object.values(state));
  model.dispose();
  return { values, series: [{ name: 'state floats carried per streamed token', xLabel: 'tokens streamed', yLabel: 'floats in the state', x, y }] };
}

/** MSE of predicting each target by the current input (per-step regression), over `n` examples. */
function repeatLastMse(task: Task, rng: Rng, n: number, lengths: readonly [number, number]): number {
  let sum = 0, count = 0;
  for (let i = 0; i < n; i++) {
    const len = lengths[0] + rng.int(lengths[1] - lengths[0] + 1);
    const ex = task.example(rng, len);
    const inp = ex.input as number[][], tgt = ex.target as number[][];
    for (let t = 0; t < tgt.length; t++) for (let j = 0; j < tgt[t]!.length; j++) { sum += (tgt[t]![j]! - inp[t]![j]!) ** 2; count++; }
  }
  return sum / count;
}

/** The naive forecasts every model must beat for the comparison to mean anything. */
function baseline(p: (typeof PLAN)[Budget], seed: number): MeasureOutput {
  const rng = new Rng(seed);
  const n = p.evalSize;
  const classes = createTask('shape-in-noise').numClasses!;
  return {
    values: {
      lorenz: repeatLastMse(createTask('lorenz'), rng, n, lengthsOf(TASKS[0], p.short).train),
      sinusoids: repeatLastMse(createTask('sinusoids'), rng, n, lengthsOf(TASKS[1], p.short).train),
      accuracy: 100 / classes,
    },
  };
}

/** Factor by which Aaren's MSE may exceed attention's and still count as comparable. */
const MSE_FACTOR = 1.5;
/** Accuracy points Aaren may fall below attention and still count as comparable. */
const ACC_POINTS = 5;

/** P5, Aaren: attention computed as an RNN matches a causal Transformer on time series in constant memory. */
export const aarenTimeseries: Experiment = {
  name: 'aaren-timeseries',
  paper: 'Feng et al., Attention as an RNN, arXiv 2405.13956, 2024 (P5)',
  figure: 'Sec. 4 (time-series forecasting and classification; memory per token), on synthetic stand-ins',
  claim: 'Aaren (softmax attention of a learned query, computed as a prefix-scan RNN) performs comparably to a causal Transformer on time-series forecasting and classification, while streaming in constant memory per token where attention\'s KV cache grows with the sequence.',
  rows: [...MODELS.map((m) => m.label), BASELINE],
  columns: [
    { key: 'lorenz', label: 'Lorenz-63 next-step MSE', digits: 4 },
    { key: 'sinusoids', label: 'regime-switching sinusoids next-value MSE', digits: 4 },
    { key: 'accuracy', label: 'shape-in-noise accuracy %', digits: 1 },
    ...STREAM.map((t) => ({ key: `mem${t}`, label: `state floats after ${t} tokens`, digits: 0 })),
  ],
  paperNumbers: {
    [rowOf('aaren')]: { lorenz: 'comparable to Transformer', sinusoids: 'comparable to Transformer', accuracy: 'comparable to Transformer', mem64: 'constant', mem256: 'constant', mem1024: 'constant' },
    [rowOf('attention')]: { mem64: 'grows linearly', mem256: 'grows linearly', mem1024: 'grows linearly' },
  },
  budgets: {
    smoke: 'hidden 8, one layer, 3 steps of batch 4 on lengths 16-24; the state streamed to 1024 tokens',
    small: `hidden 32, 2 layers (2 heads), ${PLAN.small.steps} AdamW steps of batch 32 (cosine lr 3e-3) per task; Lorenz and shape-in-noise on lengths 64-128, sinusoids on 96-160; MSE and accuracy on 128 held-out series of the training lengths; the state streamed to 1024 tokens`,
    paper: 'hidden 64, 2 layers (4 heads), 3000 steps of batch 64 per task, 512 held-out series (the paper\'s 38 real data sets are not available offline)',
  },
  seeds: { smoke: 1, small: 1, paper: 3 },
  cells(budget: Budget, seeds: number): Cell[] {
    const p = PLAN[budget];
    const cells: Cell[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      for (const m of MODELS) {
        for (const task of TASKS) {
          const ref: MetricRef = task.metric === 'accuracy' ? accuracyAt('train') : { at: 'train', metric: 'mse' };
          cells.push({ kind: 'train', id: `${m.id}-${task.id}-s${seed}`, row: m.label, seed, config: config(m.id, task, seed, p), columns: { [task.column]: ref } });
        }
        cells.push({
          kind: 'measure', id: `${m.id}-memory-s${seed}`, row: m.label, seed,
          params: { model: m.id, hidden: p.hidden, layers: p.layers, heads: p.heads, stream: [...STREAM] },
          measure: () => streamMemory(m.id, p, seed),
        });
      }
      cells.push({
        kind: 'measure', id: `baseline-s${seed}`, row: BASELINE, seed,
        params: { evalSize: p.evalSize, short: p.short, tasks: TASKS.map((t) => lengthsOf(t, p.short).train) },
        measure: () => baseline(p, seed),
      });
    }
    return cells;
  },
  verdict(r: Results, budget: Budget): Verdict {
    const a = r[rowOf('aaren')], t = r[rowOf('attention')], b = r[BASELINE];
    const rule = `Rule (fixed before the run): a task is informative when Aaren or attention beats the repeat-last forecast (MSE) or chance by 5 points (accuracy); `
      + `on every informative task (at least two of three) Aaren's MSE is at most ${MSE_FACTOR}× attention's and its accuracy at most ${ACC_POINTS} points below; `
      + `and Aaren's state has the same size at ${STREAM.join(', ')} tokens while attention's grows.`;
    if (!a || !t || !b) return { reproduced: null, text: `Aaren, attention or the baseline did not run. ${rule}` };
    const v = (row: typeof a, k: string): number => row[k]?.mean ?? NaN;
    const judged = TASKS.map((task) => {
      const k = task.column, acc = task.metric === 'accuracy';
      const [x, y, base] = [v(a, k), v(t, k), v(b, k)];
      const informative = acc ? Math.max(x, y) > base + 5 : Math.min(x, y) < base;
      const ok = acc ? x >= y - ACC_POINTS : x <= MSE_FACTOR * y;
      const d = acc ? 1 : 4, unit = acc ? ' %' : '';
      const text = `${task.id} ${x.toFixed(d)}${unit} vs ${y.toFixed(d)}${unit} (${acc ? 'chance' : 'repeat-last'} ${base.toFixed(d)}${unit}; `
        + `${informative ? (ok ? 'comparable' : 'not comparable') : 'uninformative: neither beats it'})`;
      return { informative, ok, text };
    });
    const mems = STREAM.map((n) => [v(a, `mem${n}`), v(t, `mem${n}`)] as const);
    const constant = mems.every(([x]) => x === mems[0]![0]);
    const grows = mems.every(([, y], i) => i === 0 || y > mems[i - 1]![1]);
    const text = `Aaren vs attention: ${judged.map((j) => j.text).join('; ')}; state floats Aaren ${mems.map(([x]) => x).join(' / ')} `
      + `(${constant ? 'constant' : 'not constant'}) vs attention ${mems.map(([, y]) => y).join(' / ')} (${grows ? 'growing' : 'not growing'}) at ${STREAM.join(' / ')} tokens. ${rule}`;
    if (budget === 'smoke') return { reproduced: null, text: `smoke budget: ${text}` };
    const informative = judged.filter((j) => j.informative);
    if (informative.length < 2) return { reproduced: null, text: `${text} Fewer than two tasks were learned at this budget, so it cannot judge "comparable".` };
    return { reproduced: informative.every((j) => j.ok) && constant && grows, text };
  },
};
