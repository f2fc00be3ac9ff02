import { valueAndGrad } from '../autodiff/grad.js';
import { tensor } from '../ops/creation.js';
import { narrow, reshape } from '../ops/movement.js';
import { crossEntropy } from '../ops/loss.js';
import { AdamW } from '../optim/adam.js';
import { clipGradNorm } from '../optim/clip.js';
import { constantLr, linearWarmup } from '../optim/schedule.js';
import { SequenceModel, modelConfigFor } from '../models/sequence-model.js';
import type { ModelOptions } from '../models/sequence-model.js';
import { nDms, nDmsLabel, nParity, nParityLabel } from '../tasks/nparity.js';
import type { Example, Task } from '../tasks/types.js';
import { collate, disposeBatch, sampleExamples } from '../train/batch.js';
import { trainConfig } from '../train/config.js';
import type { TrainConfig } from '../train/config.js';
import type { GatePass } from '../train/history.js';
import { Rng } from '../tensor/rng.js';
import { dispose, tidy } from '../tensor/scope.js';
import { noGrad } from '../tensor/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { HostArray, TypedArray } from '../tensor/dtype.js';
import type { Budget, Cell, Experiment, MeasureOutput, Probe, Results, Series, Verdict } from './types.js';

/*
 * P35 (Khajehabdollahi, Zeraati et al., ICLR 2024): N-parity and N-DMS with a leaky RNN whose time
 * constant tau is trained per neuron, under three training regimes:
 * - no curriculum: one run per fixed N (TrainCell);
 * - single-head curriculum: one readout, N grows by one whenever its accuracy exceeds 98 % (a
 *   TrainCell: the trainer's `curriculumGate`, so it checkpoints and resumes at the same N);
 * - multi-head curriculum: one readout head per N = 2..current, all trained together; N grows when
 *   the mean accuracy over the heads and the newest head both exceed 98 %. The trainer has one head
 *   and one label per sequence, so this is a MeasureCell with a compact loop of library parts (the
 *   same SequenceModel with 2 logits per head, AdamW, clipping, the task generators); it reruns from
 *   scratch if the experiment is killed while it trains.
 * Every trained model is then measured: its trained tau (mean, median), the network timescale
 * tau_net (below), accuracy at its N, and accuracy after ablating 10 % of the neurons.
 */

type Kind = 'parity' | 'dms';
const KINDS: readonly Kind[] = ['parity', 'dms'];
/** First N of both curricula (the paper's N = 2; N-DMS needs N >= 2). */
const FROM = 2;
/** The gate: accuracy must exceed 98 % (the paper's advance rule). */
const THRESHOLD = 0.98;

interface Plan {
  /** Leaky-RNN neurons. */
  hidden: number;
  batch: number;
  lr: number;
  /** N of the no-curriculum cells. */
  fixedN: number[];
  /** Steps of each no-curriculum cell. */
  fixedSteps: number;
  /** Step budget of each curriculum run, and its last N. */
  curriculumSteps: number;
  to: number;
  /** Steps between gate evaluations. */
  every: number;
  /** Examples per accuracy measurement (gate sets are half of evalSize in the trainer: the same count here). */
  evalCount: number;
  /** tau_net: trials, steps (after a burn-in) and the largest lag of the fit. */
  acTrials: number;
  acSteps: number;
  acBurn: number;
  fitLag: number;
  /** Random ablations averaged. */
  ablations: number;
}

const PLAN: Record<Budget, Plan> = {
  smoke: {
    hidden: 8, batch: 8, lr: 3e-3, fixedN: [5, 10], fixedSteps: 4, curriculumSteps: 6, to: 4, every: 3, evalCount: 16,
    acTrials: 2, acSteps: 60, acBurn: 10, fitLag: 10, ablations: 1,
  },
  small: {
    hidden: 128, batch: 32, lr: 3e-3, fixedN: [5, 10, 15, 20], fixedSteps: 600, curriculumSteps: 2000, to: 30, every: 50, evalCount: 128,
    acTrials: 16, acSteps: 500, acBurn: 100, fitLag: 30, ablations: 3,
  },
  paper: {
    hidden: 500, batch: 256, lr: 3e-3, fixedN: [5, 10, 15, 20], fixedSteps: 6000, curriculumSteps: 60000, to: 100, every: 600, evalCount: 512,
    acTrials: 10, acSteps: 5000, acBurn: 500, fitLag: 30, ablations: 10,
  },
};

function makeTask(kind: Kind): Task {
  return kind === 'parity' ? nParity() : nDms();
}
const taskName = (kind: Kind): string => `n-${kind}`;
const labelOf = (kind: Kind, bits: readonly number[], n: number): number => (kind === 'parity' ? nParityLabel(bits, n) : nDmsLabel(bits, n));

/** The network of every row: one leaky tau-RNN layer, tau initialised as the paper (1 + U(0, 1)), linear readout (no norm). */
function modelOptions(p: Plan): ModelOptions {
  return { name: 'leaky', hiddenSize: p.hidden, norm: 'none', options: { tauInit: 'paper' } };
}

function baseConfig(kind: Kind, p: Plan, seed: number, steps: number, lengths: [number, number], over: Partial<TrainConfig>): TrainConfig {
  return trainConfig({
    task: taskName(kind), model: modelOptions(p), seed, steps, batchSize: p.batch, lr: p.lr, schedule: 'constant',
    warmup: Math.min(50, Math.floor(steps / 10)), curriculum: 0, trainLengths: lengths, testLengths: lengths,
    evalSize: 2 * p.evalCount, logEvery: 10, checkpointEvery: Math.max(1, Math.floor(steps / 10)), ...over,
  });
}

// ---------------------------------------------------------------------------------------------
// Measurements of a trained model

/** Accuracy of readout head `head` (logits 2·head, 2·head + 1) at N, on a fixed set per (seed, N). */
function accuracyAtN(model: SequenceModel, kind: Kind, n: number, head: number, count: number, seed: number): number {
  return headAccuracies(model, kind, n, [{ n, head }], count, seed)[0]!;
}

/** Accuracies of several heads on one fixed set of sequences drawn at N = `n` (each head labels its own N). */
function headAccuracies(model: SequenceModel, kind: Kind, n: number, heads: readonly { n: number; head: number }[], count: number, seed: number): number[] {
  const task = makeTask(kind);
  const examples = sampleExamples(task, new Rng(seed * 7919 + n * 104729 + 17), count, [n, n]);
  const logits = forwardLogits(model, task, examples);
  const O = model.config.outputs;
  return heads.map(({ n: hn, head }) => {
    let ok = 0;
    examples.forEach((e, b) => {
      const pred = logits[b * O + 2 * head + 1]! > logits[b * O + 2 * head]! ? 1 : 0;
      if (pred === labelOf(kind, e.input as number[], hn)) ok++;
    });
    return ok / count;
  });
}

function forwardLogits(model: SequenceModel, task: Task, examples: Example[]): TypedArray {
  const batch = collate(task, examples);
  try {
    const wasTraining = model.training;
    model.eval();
    const out = noGrad(() => tidy(() => model.forward(batch.x, batch.lengths).data()));
    model.train(wasTraining);
    return out;
  } finally {
    disposeBatch(batch);
  }
}

/** Trained time constants tau = 1 + exp(log_tau), one per neuron. */
function trainedTaus(model: SequenceModel): number[] {
  const t = model.stateDict()['rnn.log_tau_l0']!;
  return Array.from(t.data(), (v) => 1 + Math.exp(v));
}

/**
 * The network-mediated timescale as the paper's `compute_taus.py` estimates it: drive the network
 * with `trials` Bernoulli(p) bit streams (p ~ U(0, 1) per trial), drop a burn-in, take each
 * neuron's autocorrelation (mean-subtracted per trial, normalised by the overlap, averaged over
 * trials, divided by its lag-0 value) and fit a·exp(−k/τ) over lags 0..fitLag (a ∈ [0, 1],
 * τ ∈ (0, 100], the paper's bounds). The paper also fits a double exponential and keeps the slower
 * timescale when AIC prefers it; here the single exponential only. Silent neurons are skipped.
 */
function networkTaus(model: SequenceModel, p: Plan, seed: number): { taus: number[]; ac: number[] } {
  const rng = new Rng(seed * 31 + 5);
  const T = p.acBurn + p.acSteps;
  const B = p.acTrials;
  const ids = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const prob = rng.uniform();
    for (let t = 0; t < T; t++) ids[b * T + t] = rng.uniform() < prob ? 1 : 0;
  }
  const H = model.config.hiddenSize;
  const act = noGrad(() => tidy(() => {
    const x = tensor(ids, [B, T], { dtype: 'int32' });
    return model.rnn.forward(model.embed!.forward(x), null).output.data();
  }));
  const n = p.acSteps, K = p.fitLag;
  const taus: number[] = [];
  const popAc = new Float64Array(K + 1);
  let counted = 0;
  const series = new Float64Array(n);
  for (let j = 0; j < H; j++) {
    const ac = new Float64Array(K + 1);
    for (let b = 0; b < B; b++) {
      let mean = 0;
      for (let t = 0; t < n; t++) mean += series[t] = act[(b * T + p.acBurn + t) * H + j]!;
      mean /= n;
      for (let t = 0; t < n; t++) series[t]! -= mean;
      for (let k = 0; k <= K; k++) {
        let s = 0;
        for (let t = 0; t + k < n; t++) s += series[t]! * series[t + k]!;
        ac[k]! += s / (n - k) / B;
      }
    }
    if (!(ac[0]! > 1e-12)) continue;
    const y = Array.from(ac, (v) => v / ac[0]!);
    taus.push(fitExp(y));
    y.forEach((v, k) => (popAc[k]! += v));
    counted++;
  }
  return { taus, ac: Array.from(popAc, (v) => (counted ? v / counted : NaN)) };
}

/** Least-squares fit of a·exp(−k/τ) to y[k], k = 0..K (a ∈ [0, 1] closed-form per τ; τ by grid then golden section on (0.01, 100]). */
export function fitExp(y: readonly number[]): number {
  const rss = (tau: number): number => {
    let se = 0, ee = 0;
    for (let k = 0; k < y.length; k++) { const e = Math.exp(-k / tau); se += y[k]! * e; ee += e * e; }
    const a = Math.min(1, Math.max(0, se / ee));
    let r = 0;
    for (let k = 0; k < y.length; k++) { const d = y[k]! - a * Math.exp(-k / tau); r += d * d; }
    return r;
  };
  const grid = Array.from({ length: 120 }, (_, i) => 0.01 * Math.pow(1e4, i / 119));
  let best = 0;
  for (let i = 1; i < grid.length; i++) if (rss(grid[i]!) < rss(grid[best]!)) best = i;
  let lo = grid[Math.max(0, best - 1)]!, hi = grid[Math.min(grid.length - 1, best + 1)]!;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 40; it++) {
    const a = hi - g * (hi - lo), b = lo + g * (hi - lo);
    if (rss(a) < rss(b)) hi = b; else lo = a;
  }
  return (lo + hi) / 2;
}

/**
 * Accuracy at N after silencing `frac` of the neurons (the paper's ablation: a neuron's input and
 * recurrent weights, its outgoing recurrent and readout weights zeroed; with h0 = 0 it stays at 0),
 * averaged over `draws` random sets; the weights are restored afterwards.
 */
function ablatedAccuracy(model: SequenceModel, kind: Kind, n: number, head: number, p: Plan, seed: number, frac = 0.1): number {
  const H = model.config.hiddenSize;
  const sd = model.stateDict();
  const keys = ['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'head.weight'].filter((k) => sd[k]);
  const saved: Record<string, HostArray> = Object.fromEntries(keys.map((k) => [k, { data: sd[k]!.data().slice(), shape: [...sd[k]!.shape], dtype: sd[k]!.dtype }]));
  const rng = new Rng(seed * 131 + 3);
  const m = Math.max(1, Math.round(frac * H));
  let total = 0;
  try {
    for (let d = 0; d < p.ablations; d++) {
      const order = Array.from({ length: H }, (_, i) => i);
      for (let i = 0; i < m; i++) { const j = i + rng.int(H - i); [order[i], order[j]] = [order[j]!, order[i]!]; }
      const cut = order.slice(0, m);
      const next: Record<string, HostArray> = {};
      for (const k of keys) {
        const s = saved[k]!;
        const data = s.data.slice();
        const cols = s.shape[1] ?? 1;
        for (const j of cut) {
          if (k === 'head.weight') { for (let r = 0; r < s.shape[0]!; r++) data[r * cols + j] = 0; }
          else if (s.shape.length === 1) data[j] = 0;
          else {
            for (let c = 0; c < cols; c++) data[j * cols + c] = 0; // the neuron's incoming weights
            if (k === 'rnn.weight_hh_l0') for (let r = 0; r < s.shape[0]!; r++) data[r * cols + j] = 0; // its outgoing ones
          }
        }
        next[k] = { data, shape: s.shape, dtype: s.dtype };
      }
      model.loadStateDict(next, { strict: false });
      total += accuracyAtN(model, kind, n, head, p.evalCount, seed);
    }
  } finally {
    model.loadStateDict(saved, { strict: false });
  }
  return total / p.ablations;
}

const median = (xs: readonly number[]): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/**
 * Everything measured on a trained model: accuracy at N (head `headOf(N)`), mean accuracy at the
 * earlier N of a curriculum (forgetting), trained tau, tau_net and accuracy after ablating 10 %.
 */
function measureModel(model: SequenceModel, kind: Kind, n: number, earlier: number[], headOf: (n: number) => number, p: Plan, seed: number): MeasureOutput {
  const taus = trainedTaus(model);
  const net = networkTaus(model, p, seed);
  const values: Record<string, number> = {
    // (NaN entries, e.g. tau_net when every neuron is silent, are dropped below)
    acc: 100 * accuracyAtN(model, kind, n, headOf(n), p.evalCount, seed),
    tauMean: mean(taus), tauMedian: median(taus), tauNet: median(net.taus), tauNetMean: mean(net.taus),
    ablated: 100 * ablatedAccuracy(model, kind, n, headOf(n), p, seed),
  };
  if (earlier.length) values.earlier = 100 * mean(earlier.map((m) => accuracyAtN(model, kind, m, headOf(m), p.evalCount, seed)));
  for (const [k, v] of Object.entries(values)) if (!Number.isFinite(v)) delete values[k];
  const sorted = [...taus].sort((a, b) => a - b);
  const series: Series[] = [
    { name: 'trained tau per neuron (sorted)', xLabel: 'neuron rank', yLabel: 'tau', x: sorted.map((_, i) => i), y: sorted },
    { name: 'mean single-neuron autocorrelation', xLabel: 'lag', yLabel: 'AC / AC(0)', x: net.ac.map((_, i) => i), y: net.ac },
  ];
  return { values, series };
}

/** N reached (the last length that passed the gate; FROM − 1 when none did) and the steps it took (absent then). */
function reached(passed: readonly GatePass[]): { nmax: number; steps?: number } {
  const last = passed.at(-1);
  return last ? { nmax: last.length, steps: last.step } : { nmax: FROM - 1 };
}

function passSeries(passed: readonly GatePass[]): Series {
  return { name: 'N passed (accuracy > 98 %) vs step', xLabel: 'step', yLabel: 'N', x: passed.map((q) => q.step), y: passed.map((q) => q.length) };
}

// ---------------------------------------------------------------------------------------------
// Cells

function fixedProbe(kind: Kind, n: number, p: Plan, seed: number): Probe {
  return {
    params: { measure: 'timescales', n, evalCount: p.evalCount, ac: [p.acTrials, p.acSteps, p.acBurn, p.fitLag], ablations: p.ablations },
    run: ({ model }) => measureModel(model, kind, n, [], () => 0, p, seed),
  };
}

function singleHeadProbe(kind: Kind, p: Plan, seed: number): Probe {
  return {
    params: { measure: 'timescales', evalCount: p.evalCount, ac: [p.acTrials, p.acSteps, p.acBurn, p.fitLag], ablations: p.ablations },
    run: ({ model, result }) => {
      const passed = result.gate?.passed ?? [];
      const { nmax, steps } = reached(passed);
      const n = Math.max(FROM, nmax);
      const earlier = Array.from({ length: Math.max(0, nmax - FROM) }, (_, i) => FROM + i);
      const out = measureModel(model, kind, n, earlier, () => 0, p, seed);
      return { values: { ...out.values, nmax, ...(steps !== undefined ? { steps } : {}) }, series: [passSeries(passed), ...(out.series ?? [])] };
    },
  };
}

/** The multi-head curriculum: heads for N = FROM..current on one leaky RNN, trained together, gated as the paper. */
function multiHead(kind: Kind, p: Plan, seed: number): MeasureOutput {
  const task = makeTask(kind);
  const K = p.to - FROM + 1;
  const cfg = modelConfigFor({ ...task, numClasses: 2 * K }, modelOptions(p));
  // The trainer's stream layout (model, data, ...), so both curricula start from the same recurrent weights.
  const root = new Rng(seed);
  const modelRng = root.split();
  const dataRng = root.split();
  const model = new SequenceModel(cfg, { rng: modelRng });
  const warmup = Math.min(50, Math.floor(p.curriculumSteps / 10));
  const opt = new AdamW(model.parameterRecord(), { lr: warmup > 0 ? linearWarmup(p.lr, warmup, constantLr(p.lr)) : constantLr(p.lr), weightDecay: 0 });
  let n = FROM;
  const passed: GatePass[] = [];
  const losses: number[] = [], lossAt: number[] = [];
  let cur: { x: Tensor; lengths: number[]; y: Tensor; heads: number } | null = null;
  const lossAndGrads = valueAndGrad(() => {
    const b = cur!;
    const logits = model.forward(b.x, b.lengths);
    // One softmax per head over its own 2 logits; the mean over heads and sequences.
    return crossEntropy(reshape(narrow(logits, 1, 0, 2 * b.heads), [b.lengths.length, b.heads, 2]), b.y);
  }) as unknown as (params: Record<string, Tensor>) => { value: Tensor; grads: Record<string, Tensor> };
  let lossSum = 0, lossCount = 0;
  try {
    for (let step = 1; step <= p.curriculumSteps; step++) {
      const examples = sampleExamples(task, dataRng, p.batch, [n, n]);
      const heads = n - FROM + 1;
      const labels = new Int32Array(p.batch * heads);
      examples.forEach((e, b) => { for (let h = 0; h < heads; h++) labels[b * heads + h] = labelOf(kind, e.input as number[], FROM + h); });
      const batch = collate(task, examples);
      const y = tensor(labels, [p.batch, heads], { dtype: 'int32' });
      cur = { x: batch.x, lengths: batch.lengths, y, heads };
      tidy(() => {
        const { value, grads } = lossAndGrads(model.parameterRecord());
        lossSum += value.item();
        lossCount++;
        clipGradNorm(grads, 1);
        opt.step(grads);
        dispose([value, grads]);
      });
      cur = null;
      disposeBatch(batch);
      y.dispose();
      if (step % 10 === 0) { losses.push(lossSum / lossCount); lossAt.push(step); lossSum = 0; lossCount = 0; }
      if (step % p.every === 0) {
        const accs = headAccuracies(model, kind, n, Array.from({ length: heads }, (_, h) => ({ n: FROM + h, head: h })), p.evalCount, seed);
        if (mean(accs) > THRESHOLD && accs.at(-1)! > THRESHOLD) {
          passed.push({ length: n, step, accuracy: accs.at(-1)! });
          if (n < p.to) n++;
          else break;
        }
      }
    }
    const { nmax, steps } = reached(passed);
    const at = Math.max(FROM, nmax);
    const earlier = Array.from({ length: Math.max(0, nmax - FROM) }, (_, i) => FROM + i);
    const out = measureModel(model, kind, at, earlier, (m) => m - FROM, p, seed);
    return {
      values: { ...out.values, nmax, ...(steps !== undefined ? { steps } : {}) },
      series: [passSeries(passed), { name: 'training loss (mean over heads)', xLabel: 'step', yLabel: 'cross-entropy', x: lossAt, y: losses }, ...(out.series ?? [])],
    };
  } finally {
    model.dispose();
    opt.dispose();
  }
}

const ROW = {
  fixed: (kind: Kind, n: number): string => `N-${kind.toUpperCase()} · no curriculum · N = ${n}`,
  single: (kind: Kind): string => `N-${kind.toUpperCase()} · single-head curriculum`,
  multi: (kind: Kind): string => `N-${kind.toUpperCase()} · multi-head curriculum`,
};
const ALL_N = [5, 10, 15, 20];

/** P35, timescale curricula: N-parity / N-DMS with a trainable-tau leaky RNN, without and with curricula. */
export const timescales: Experiment = {
  name: 'timescales',
  paper: 'Khajehabdollahi, Zeraati et al., Emergent mechanisms for long timescales depend on training curriculum and affect performance in memory tasks, ICLR 2024 (P35)',
  figure: 'Fig. 2 (N reached, trained tau vs N per curriculum), Fig. 5 (ablations), OpenReview discussion (no curriculum)',
  claim: 'Without a curriculum a leaky RNN with trainable per-neuron tau fails to learn N-parity / N-DMS beyond N ≈ 10; with a curriculum it reaches larger N, and a multi-head curriculum (all N so far trained together) keeps tau ≈ 1 (timescales from recurrent connectivity), reaches larger N faster and is more robust to ablation than a single-head one, which grows tau and forgets earlier N.',
  rows: KINDS.flatMap((k) => [...ALL_N.map((n) => ROW.fixed(k, n)), ROW.single(k), ROW.multi(k)]),
  columns: [
    { key: 'acc', label: 'accuracy % at N (curricula: at N_max)' },
    { key: 'nmax', label: 'N_max passed (> 98 %)', digits: 0 },
    { key: 'steps', label: 'steps to N_max', digits: 0 },
    { key: 'earlier', label: 'mean accuracy % at N < N_max', digits: 1 },
    { key: 'tauMean', label: 'trained tau mean', digits: 2 },
    { key: 'tauMedian', label: 'trained tau median', digits: 2 },
    { key: 'tauNet', label: 'tau_net median (AC fit)', digits: 2 },
    { key: 'ablated', label: 'accuracy % at N, 10 % neurons ablated', digits: 1 },
  ],
  paperNumbers: Object.fromEntries(KINDS.flatMap((k) => [
    ...ALL_N.map((n) => [ROW.fixed(k, n), { acc: n <= 10 ? 'learns' : 'fails (beyond N ≈ 10)' }]),
    [ROW.single(k), { nmax: 'large N, slower than multi-head', earlier: 'forgets earlier N', tauMean: 'grows with N', ablated: 'less robust' }],
    [ROW.multi(k), { nmax: 'larger N, faster', earlier: 'keeps all N', tauMean: '≈ 1', tauMedian: '≈ 1', tauNet: 'grows with N (network-mediated)', ablated: 'more robust' }],
  ])),
  budgets: {
    smoke: 'hidden 8; no curriculum at N 5 and 10 for 4 steps; curricula to N 4 for 6 steps',
    small: 'leaky RNN of 128 neurons (tau init 1 + U(0, 1)), AdamW 3e-3 constant, batch 32; no curriculum at N 5, 10, 15, 20 for 600 steps each; single- and multi-head curricula from N 2 with a 2000-step budget, gate every 50 steps on 128 sequences; both tasks, 1 seed',
    paper: 'leaky RNN of 500 neurons, batch 256; no curriculum at N 5–20 for 6000 steps; curricula to N 100 within 60000 steps (the paper trains SGD-Nesterov for many epochs of 600 steps)',
  },
  seeds: { smoke: 1, small: 1, paper: 3 },
  cells(budget: Budget, seeds: number): Cell[] {
    const p = PLAN[budget];
    const out: Cell[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      for (const kind of KINDS) {
        for (const n of p.fixedN) {
          out.push({
            kind: 'train', id: `${kind}-fixed-n${n}-s${seed}`, row: ROW.fixed(kind, n), seed,
            config: baseConfig(kind, p, seed, p.fixedSteps, [n, n], { evalEvery: Math.max(1, Math.floor(p.fixedSteps / 4)) }),
            columns: {}, probe: fixedProbe(kind, n, p, seed),
          });
        }
        out.push({
          kind: 'train', id: `${kind}-single-head-s${seed}`, row: ROW.single(kind), seed,
          config: baseConfig(kind, p, seed, p.curriculumSteps, [FROM, p.to], {
            evalEvery: 0, curriculumGate: { from: FROM, to: p.to, threshold: THRESHOLD, every: p.every },
          }),
          columns: {}, probe: singleHeadProbe(kind, p, seed),
        });
        out.push({
          kind: 'measure', id: `${kind}-multi-head-s${seed}`, row: ROW.multi(kind), seed,
          params: { curriculum: 'multi-head', kind, from: FROM, threshold: THRESHOLD, ...p },
          measure: () => multiHead(kind, p, seed),
        });
      }
    }
    return out;
  },
  verdict(r: Results, budget: Budget): Verdict {
    const p = PLAN[budget];
    const small = Math.min(...p.fixedN), big = p.fixedN.filter((n) => n > 10);
    const parts: string[] = [];
    let noCurr = true;
    for (const k of KINDS) {
      const acc = (n: number): number | undefined => r[ROW.fixed(k, n)]?.acc?.mean;
      const a0 = acc(small);
      const bigAcc = big.map(acc);
      if (a0 === undefined || bigAcc.some((a) => a === undefined) || !big.length) { noCurr = false; parts.push(`N-${k}: the no-curriculum rows did not run`); continue; }
      const learns = a0 > 100 * THRESHOLD;
      const fails = bigAcc.every((a) => a! <= 100 * THRESHOLD);
      noCurr &&= learns && fails;
      parts.push(`N-${k} without curriculum: ${p.fixedN.map((n) => `N ${n} ${acc(n)!.toFixed(1)} %`).join(', ')} (${learns && fails ? 'learns small N, fails beyond 10' : learns ? 'also learns N > 10' : `does not learn N ${small}`})`);
      const s = r[ROW.single(k)], m = r[ROW.multi(k)];
      const f = (x: { mean: number } | undefined, d: number): string => (x ? x.mean.toFixed(d) : '—');
      if (s && m) {
        parts.push(`curricula: N_max single ${f(s.nmax, 0)} vs multi ${f(m.nmax, 0)}; trained tau mean ${f(s.tauMean, 2)} vs ${f(m.tauMean, 2)}; `
          + `ablated accuracy ${f(s.ablated, 1)} vs ${f(m.ablated, 1)} %`);
      }
    }
    const text = `${parts.join('; ')}. Judged on the no-curriculum claim (> 98 % at N ${small}, ≤ 98 % at N ${big.join(' and ')}, both tasks); the curriculum comparisons are reported beside it.`;
    if (budget === 'smoke') return { reproduced: null, text: `smoke budget (a few steps): ${text}` };
    return { reproduced: noCurr, text };
  },
};
