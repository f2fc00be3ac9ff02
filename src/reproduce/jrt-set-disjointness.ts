import { ArgumentError } from '../errors.js';
import type { SequenceModel } from '../models/sequence-model.js';
import { setDisjointness } from '../tasks/disjoint.js';
import { Rng } from '../tensor/rng.js';
import { tidy } from '../tensor/scope.js';
import { collate, disposeBatch, sampleExamples } from '../train/batch.js';
import { trainConfig } from '../train/config.js';
import type { TrainConfig } from '../train/config.js';
import { MetricAccumulator } from '../train/metrics.js';
import { accuracyAt, cellSchedule } from './cells.js';
import type { Budget, Cell, Experiment, MeasureOutput, Probe, Results, Verdict } from './types.js';

/**
 * Causal recurrent models at a fixed state: Mamba-2 at two state sizes (the knob of the paper's Fig. 2)
 * and GLA (paper budget only). State in floats per layer: heads × headDim × d_state (GLA: heads × d_k × d_v).
 */
const MODELS = [
  { id: 'mamba2-n8', label: 'Mamba-2, d_state 8, expand 2 (state 8×16×8)', name: 'mamba2' },
  { id: 'mamba2-n4', label: 'Mamba-2, d_state 4, expand 1 (state 4×16×4)', name: 'mamba2' },
  { id: 'mamba2-n2', label: 'Mamba-2, d_state 2, expand 1 (state 4×16×2)', name: 'mamba2' },
  { id: 'gla', label: 'GLA + short convs, 4 heads (state 4×8×16)', name: 'gla' },
] as const;
type ModelId = (typeof MODELS)[number]['id'];

/** The paper's training (short, long) size pairs (Appendix A.5, each in both orders). */
const PAPER_PAIRS: readonly (readonly [number, number])[] = [[4, 16], [8, 32], [16, 64], [4, 128], [16, 256], [4, 256]];

interface Plan {
  /** The (short, long) pair the cells train on, both orders mixed. */
  pair: readonly [number, number];
  vocab: number; steps: number; batch: number; hidden: number; layers: number;
  /** Model options per model (the state size is set here). */
  options: Readonly<Partial<Record<ModelId, Readonly<Record<string, unknown>>>>>;
  models: readonly ModelId[];
  /** Examples per order the probe evaluates. */
  probe: number;
}

const STATES = { 'mamba2-n8': { stateSize: 8, expand: 2 }, 'mamba2-n4': { stateSize: 4, expand: 1 }, 'mamba2-n2': { stateSize: 2, expand: 1 }, gla: { heads: 4, shortConv: true } } as const;

// Measured on 2 cores (wasm), 2 layers of 64, batch 64, pair (4, 16): Mamba-2 d_state 8 runs ~12 steps/s with
// one pass and ~6.6 with two; at 600 steps it names the shared token ~48 % of the time in either order. The probe
// is cheap (forward passes only), so it uses 2048 examples per order: the gap's standard error is then ~1.5 points.
const PLAN: Record<Budget, Plan> = {
  smoke: { pair: [2, 6], vocab: 36, steps: 4, batch: 8, hidden: 16, layers: 1, options: { 'mamba2-n4': { stateSize: 4, expand: 1, headDim: 8 } }, models: ['mamba2-n4'], probe: 16 },
  small: { pair: [4, 16], vocab: 132, steps: 800, batch: 64, hidden: 64, layers: 2, options: STATES, models: ['mamba2-n8', 'mamba2-n4', 'mamba2-n2'], probe: 2048 },
  paper: { pair: [8, 32], vocab: 260, steps: 3000, batch: 64, hidden: 64, layers: 2, options: STATES, models: ['mamba2-n8', 'mamba2-n4', 'mamba2-n2', 'gla'], probe: 2048 },
};

const label = (m: ModelId): string => MODELS.find((x) => x.id === m)!.label;
const row = (m: ModelId, passes: number): string => `${label(m)} · ${passes === 1 ? 'one pass' : 'read twice (JRT)'}`;

/**
 * Accuracy (fraction of examples whose shared token is named) of a trained set-disjointness model on
 * `n` fresh examples of one order, the (short, long) sizes fixed, with `numPasses` copies of the lists.
 */
export function orderAccuracy(model: SequenceModel, opts: { vocabSize: number; shortSize: number; longSize: number; numPasses: number; order: 'short-first' | 'long-first'; n: number; seed: number }): number {
  if (!Number.isInteger(opts.n) || opts.n < 1) throw new ArgumentError('orderAccuracy', `n must be an integer >= 1, got ${opts.n}`);
  const task = setDisjointness({ vocabSize: opts.vocabSize, order: opts.order, shortSize: opts.shortSize, longSize: opts.longSize, numPasses: opts.numPasses });
  const length = opts.shortSize + opts.longSize;
  const acc = new MetricAccumulator(model.config);
  // One stream per order, so both orders see examples drawn the same way.
  const rng = new Rng(opts.seed * 2 + (opts.order === 'short-first' ? 0 : 1) + 1000);
  for (let done = 0; done < opts.n; done += 64) {
    const batch = collate(task, sampleExamples(task, rng, Math.min(64, opts.n - done), [length, length]));
    tidy(() => acc.add(model.forward(batch.x, batch.lengths), batch));
    disposeBatch(batch);
  }
  return acc.result().accuracy!;
}

// Evaluates the trained model on each order separately (it was trained on both mixed): the same
// weights judged on short-first and long-first inputs, so the gap is the order's alone.
function orderProbe(p: Plan, passes: number, seed: number): Probe {
  const [shortSize, longSize] = p.pair;
  return {
    params: { pair: p.pair, vocab: p.vocab, passes, n: p.probe },
    run: ({ model }): MeasureOutput => {
      const at = (order: 'short-first' | 'long-first') => 100 * orderAccuracy(model, { vocabSize: p.vocab, shortSize, longSize, numPasses: passes, order, n: p.probe, seed });
      const sf = at('short-first'), lf = at('long-first');
      return { values: { shortFirst: sf, longFirst: lf, gap: sf - lf } };
    },
  };
}

function config(m: ModelId, passes: number, seed: number, p: Plan): TrainConfig {
  const model = MODELS.find((x) => x.id === m)!;
  const length = p.pair[0] + p.pair[1];
  return trainConfig({
    // order 'mixed' with both sizes fixed: each example puts the short or the long list first, half the time each.
    task: 'set-disjointness', taskOptions: { vocabSize: p.vocab, order: 'mixed', shortSize: p.pair[0], longSize: p.pair[1], numPasses: passes },
    model: { name: model.name, hiddenSize: p.hidden, numLayers: p.layers, options: { ...p.options[m]! } }, seed,
    steps: p.steps, batchSize: p.batch, lr: 3e-3, curriculum: 0, warmup: Math.min(100, Math.floor(p.steps / 10)),
    trainLengths: [length, length], testLengths: [length, length], evalSize: 256, ...cellSchedule(p.steps, 4),
  });
}

const pairText = (p: Plan) => `(${p.pair[0]}, ${p.pair[1]})`;

/** P18, Just Read Twice (part a): set disjointness needs more state when the long list comes first; reading twice closes it. */
export const jrtSetDisjointness: Experiment = {
  name: 'jrt-set-disjointness',
  paper: 'Arora et al., Just read twice: closing the recall gap for recurrent language models, 2024 (P18)',
  figure: 'Fig. 2 (set disjointness, causal vs non-causal; size pairs of Appendix A.5), with JRT-Prompt (two passes) as the non-causal reading',
  claim: 'A causal recurrent model at a fixed state size solves set disjointness less often when the long list comes first (it must store the long list); reading the input twice lets it store the short one and closes most of the gap.',
  rows: MODELS.flatMap((m) => [row(m.id, 1), row(m.id, 2)]),
  columns: [
    { key: 'train', label: 'accuracy % both orders mixed' },
    { key: 'shortFirst', label: 'accuracy % short list first' },
    { key: 'longFirst', label: 'accuracy % long list first' },
    { key: 'gap', label: 'gap (short − long first), points' },
  ],
  paperNumbers: Object.fromEntries(MODELS.flatMap((m) => [
    [row(m.id, 1), { gap: '> 0: long-first needs more state (Fig. 2, qualitative)' }],
    [row(m.id, 2), { gap: '≈ 0: non-causal reading removes the order effect' }],
  ])),
  budgets: {
    smoke: `pair ${pairText(PLAN.smoke)}, vocabulary 36, one Mamba-2 layer of 16, 4 steps`,
    small: `pair ${pairText(PLAN.small)} in both orders (the paper's first pair), vocabulary ${PLAN.small.vocab}; Mamba-2 at d_state 8, 4 and 2 (the last two with expand 1), `
      + `${PLAN.small.layers} layers of ${PLAN.small.hidden}, ${PLAN.small.steps} steps of batch ${PLAN.small.batch}; one pass vs two; ${PLAN.small.probe} probe examples per order`,
    paper: `pair ${pairText(PLAN.paper)}, vocabulary ${PLAN.paper.vocab}, the three Mamba-2 sizes and GLA, ${PLAN.paper.steps} steps, 3 seeds (the paper trains on all pairs ${PAPER_PAIRS.map(([a, b]) => `(${a},${b})`).join(' ')} with vocabulary 2048)`,
  },
  seeds: { smoke: 1, small: 1, paper: 3 },
  cells(budget: Budget, seeds: number): Cell[] {
    const p = PLAN[budget];
    const columns = { train: accuracyAt('train') };
    return MODELS.filter((m) => p.models.includes(m.id)).flatMap((m) => [1, 2].flatMap((passes) => Array.from({ length: seeds }, (_, seed) => ({
      kind: 'train' as const, id: `${m.id}-p${passes}-s${seed}`, row: row(m.id, passes), seed,
      config: config(m.id, passes, seed, p), columns, probe: orderProbe(p, passes, seed),
    }))));
  },
  verdict(r: Results, budget: Budget): Verdict {
    const rule = 'Rule (fixed before the runs): reproduced when some state size shows long-first at least 5 points below short-first with one pass, '
      + 'two passes at least halve every such gap without short-first dropping by more than 5 points, and no state size shows long-first 5 or more points above short-first with one pass.';
    const found = MODELS.flatMap((m) => {
      const one = r[row(m.id, 1)], two = r[row(m.id, 2)];
      return one?.gap && two?.gap ? [{ m, one, two }] : [];
    });
    if (!found.length) return { reproduced: null, text: 'no model ran with both one and two passes' };
    const f = (x: number) => x.toFixed(1);
    const text = found.map(({ m, one, two }) => `${m.label}: one pass ${f(one.shortFirst!.mean)} / ${f(one.longFirst!.mean)} % (gap ${f(one.gap!.mean)}), `
      + `two passes ${f(two.shortFirst!.mean)} / ${f(two.longFirst!.mean)} % (gap ${f(two.gap!.mean)})`).join('; ') + ` (short-first / long-first). ${rule}`;
    if (budget === 'smoke') return { reproduced: null, text: `smoke budget: ${text}` };
    const gapped = found.filter(({ one }) => one.gap!.mean >= 5);
    const closes = gapped.every(({ one, two }) => two.gap!.mean <= one.gap!.mean / 2 && two.shortFirst!.mean >= one.shortFirst!.mean - 5);
    const reversed = found.some(({ one }) => one.gap!.mean <= -5);
    return { reproduced: gapped.length > 0 && closes && !reversed, text };
  },
};
