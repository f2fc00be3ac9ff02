import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Trainer } from '../train/trainer.js';
import type { TrainResult } from '../train/trainer.js';
import type { History } from '../train/history.js';
import { decodeCheckpoint } from '../train/checkpoint.js';
import { dispose } from '../tensor/scope.js';
import { noGrad } from '../tensor/tape.js';
import { getExperiment, listExperiments } from '../reproduce/registry.js';
import { aggregate, buildTable, renderMarkdown } from '../reproduce/table.js';
import type { CellValues } from '../reproduce/table.js';
import { BUDGETS } from '../reproduce/types.js';
import type { Cell, MeasureCell, MetricRef, Series, TrainCell } from '../reproduce/types.js';
import { choiceFlag, flagHelp, intFlag, parseFlags } from './args.js';
import type { FlagSpec } from './args.js';
import { ENGINE_FLAGS, setupEngine, taskFromOptions } from './common.js';
import { UsageError } from './errors.js';
import { renderReproductionPage } from './reproduce-page.js';
import { RunFiles } from './run-files.js';
import { renderTable } from './table.js';

const FLAGS: Record<string, FlagSpec> = {
  list: { type: 'boolean', help: 'list the experiments' },
  budget: { type: 'string', help: `${BUDGETS.join(', ')} (default small: at most 30 min on 2 cores)` },
  seeds: { type: 'string', help: 'seeds per row (default: the experiment\'s for the budget)' },
  out: { type: 'string', help: 'experiment folder (default runs/reproduce/<name>-<budget>)' },
  json: { type: 'boolean', help: 'print the table as one JSON object' },
  overwrite: { type: 'boolean', help: 'retrain cells whose folder holds a run with other settings (after an edit of the experiment)' },
  ...ENGINE_FLAGS,
};

/** Usage text of `recurrent reproduce`. */
export const REPRODUCE_HELP = `recurrent reproduce NAME [flags]   |   recurrent reproduce --list

Runs a seed paper's experiment: every cell of its grid is a run folder under the experiment folder,
so an interrupted experiment continues where it stopped and a finished cell is never retrained.
Ends with the paper's numbers beside ours and a verdict (table.md, table.json, report.html).

${flagHelp(FLAGS)}`;

/** What a finished cell stores in its folder (result.json). */
interface CellRecord extends CellValues {
  readonly kind: Cell['kind'];
  /** The cell's definition (config or params): a stored cell is reused only when it matches. */
  readonly spec: unknown;
  readonly seconds: number;
  readonly series?: readonly Series[];
  readonly history?: History;
  readonly result?: TrainResult;
  /** Curves a training cell's probe drew (shown after the training curves). */
  readonly probeSeries?: readonly Series[];
}

/** `recurrent reproduce`. */
export function reproduceCommand(argv: string[]): number {
  const name = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined;
  const v = parseFlags('reproduce', name ? argv.slice(1) : argv, FLAGS);
  if (v.help) {
    process.stdout.write(REPRODUCE_HELP + '\n');
    return 0;
  }
  if (v.list) {
    process.stdout.write(renderTable(['experiment', 'paper', 'claim'], listExperiments().map((e) => [e.name, e.paper.split(',')[0]!, e.claim]), 2) + '\n');
    return 0;
  }
  if (!name) throw new UsageError(`reproduce: name an experiment (${listExperiments().map((e) => e.name).join(', ')}) or pass --list`);
  const exp = getExperiment(name);
  const budget = choiceFlag('budget', v.budget, BUDGETS, 'small');
  const seeds = intFlag('seeds', v.seeds, exp.seeds[budget], 1);
  setupEngine(v);
  const dir = String(v.out ?? join('runs', 'reproduce', `${exp.name}-${budget}`));
  mkdirSync(join(dir, 'cells'), { recursive: true });
  const cells = exp.cells(budget, seeds);
  const note = (msg: string): void => void (!v.json && process.stderr.write(msg + '\n'));
  const records: CellRecord[] = [];
  let cellsRun = 0, cellsReused = 0, seconds = 0;
  cells.forEach((cell, i) => {
    const files = new RunFiles(join(dir, 'cells', cell.id));
    const stored = readRecord(files, cell);
    if (stored) {
      records.push(stored);
      cellsReused++;
      note(`[${i + 1}/${cells.length}] ${cell.id}: done before, reused`);
      return;
    }
    note(`[${i + 1}/${cells.length}] ${cell.id} (${cell.row}, seed ${cell.seed})`);
    const rec = cell.kind === 'train' ? runTrainCell(cell, files, note, !!v.overwrite) : runMeasureCell(cell);
    files.ensure();
    files.writeText(files.result, JSON.stringify(rec, null, 1) + '\n');
    records.push(rec);
    cellsRun++;
    seconds += rec.seconds;
    note(`    ${Object.entries(rec.values).map(([k, x]) => `${k} ${x.toFixed(3)}`).join(', ')} (${rec.seconds.toFixed(1)} s)`);
  });
  const table = buildTable(exp, budget, seeds, aggregate(records), { seconds: round(seconds), cellsRun, cellsReused });
  const files = new RunFiles(dir);
  files.writeText(join(dir, 'table.md'), renderMarkdown(table));
  files.writeText(join(dir, 'table.json'), JSON.stringify(table, null, 1) + '\n');
  files.writeText(join(dir, 'report.html'), renderReproductionPage(table, records.map((r) => ({ id: r.id, row: r.row, seed: r.seed, series: seriesOf(r) }))));
  if (v.json) process.stdout.write(JSON.stringify(table) + '\n');
  else process.stdout.write(`\n${renderMarkdown(table)}\n${cellsRun} cells run (${round(seconds)} s), ${cellsReused} reused; ${join(dir, 'table.md')}, report.html\n`);
  return 0;
}

/** A finished cell's record, when its folder holds one for the same definition. */
function readRecord(files: RunFiles, cell: Cell): CellRecord | null {
  if (!existsSync(files.result)) return null;
  let rec: CellRecord;
  try {
    rec = JSON.parse(readFileSync(files.result, 'utf8')) as CellRecord;
  } catch {
    return null; // a torn or foreign file: the cell runs again (its checkpoint, if any, is still used)
  }
  return JSON.stringify(rec.spec) === JSON.stringify(specOf(cell)) && rec.values ? rec : null;
}

function specOf(cell: Cell): unknown {
  if (cell.kind === 'measure') return cell.params;
  // A cell without a probe keeps the bare config as its spec (cells stored before probes existed stay reusable).
  return cell.probe ? { config: cell.config, probe: cell.probe.params } : cell.config;
}

/** Trains a cell in its run folder, resuming from its checkpoint when one with the same settings is there. */
function runTrainCell(cell: TrainCell, files: RunFiles, note: (m: string) => void, overwrite: boolean): CellRecord {
  const t0 = performance.now();
  const task = taskFromOptions(cell.config.task, cell.config.taskOptions);
  let existing = files.readCheckpoint();
  if (existing && JSON.stringify(existing.meta.config) !== JSON.stringify(cell.config)) {
    if (!overwrite) throw new UsageError(`${files.dir} holds a checkpoint trained with other settings; pass --overwrite to retrain it, or choose another --out`);
    note('    its folder held a run with other settings: retraining (--overwrite)');
    existing = null; // the first checkpoint of the new run replaces the old one
  }
  let trainer: Trainer;
  if (existing) {
    const { meta, tensors } = decodeCheckpoint(existing.bytes);
    try {
      trainer = new Trainer(meta.config, task, { meta, tensors });
    } finally {
      dispose(Object.values(tensors));
    }
    note(`    resuming from step ${trainer.step}`);
  } else {
    trainer = new Trainer(cell.config, task);
  }
  files.ensure();
  files.resetLog([...trainer.history.steps.map((s) => ({ event: 'step', ...s })), ...trainer.history.evals.map((e) => ({ event: 'eval', ...e }))]);
  const result = trainer.run({
    onEvent: (e) => {
      if (e.event !== 'checkpoint') files.appendLog(e);
      if (e.event === 'eval') note(`    eval @${e.step}: train ${fmtMetric(e.train)}, test ${fmtMetric(e.test)}`);
    },
    onCheckpoint: (bytes) => files.writeCheckpoint(bytes),
  });
  let values: Record<string, number> = Object.fromEntries(Object.entries(cell.columns).map(([k, ref]) => [k, pick(result, ref)]));
  let probeSeries: readonly Series[] | undefined;
  try {
    if (cell.probe) {
      const wasTraining = trainer.model.training;
      trainer.model.train(false);
      const out = noGrad(() => cell.probe!.run({ model: trainer.model, task, config: cell.config, result }));
      trainer.model.train(wasTraining);
      values = { ...values, ...out.values };
      probeSeries = out.series;
    }
  } finally {
    trainer.model.dispose();
    trainer.optimizer.dispose();
  }
  return {
    kind: 'train', id: cell.id, row: cell.row, seed: cell.seed, spec: specOf(cell), values,
    seconds: round((performance.now() - t0) / 1000), history: trainer.history, result, ...(probeSeries ? { probeSeries } : {}),
  };
}

function runMeasureCell(cell: MeasureCell): CellRecord {
  const t0 = performance.now();
  const out = cell.measure();
  return {
    kind: 'measure', id: cell.id, row: cell.row, seed: cell.seed, spec: cell.params, values: out.values,
    seconds: round((performance.now() - t0) / 1000), ...(out.series ? { series: out.series } : {}),
  };
}

/** A metric of a finished run, by reference. */
function pick(r: TrainResult, ref: MetricRef): number {
  const m = ref.at === 'train' ? r.train : ref.at === 'test' ? r.test : r.curve.find((p) => p.length === ref.at);
  const v = (m as Record<string, unknown> | undefined)?.[ref.metric];
  if (typeof v !== 'number') throw new UsageError(`experiment cell: no metric '${ref.metric}' at ${String(ref.at)}`);
  return v * (ref.scale ?? 1);
}

/** The curves of a cell for the page: a measure cell's own, or a training run's evaluations. */
function seriesOf(r: CellRecord): readonly Series[] {
  if (r.series) return r.series;
  if (!r.history?.evals.length) return r.probeSeries ?? [];
  const metric = r.history.evals[0]!.test.accuracy !== undefined ? 'accuracy' : 'loss';
  const at = r.history.evals.map((e) => e.step);
  return [
    { name: `${metric} at test lengths`, xLabel: 'step', yLabel: metric, x: at, y: r.history.evals.map((e) => (e.test as unknown as Record<string, number>)[metric]!) },
    { name: `${metric} at train lengths`, xLabel: 'step', yLabel: metric, x: at, y: r.history.evals.map((e) => (e.train as unknown as Record<string, number>)[metric]!) },
    ...(r.probeSeries ?? []),
  ];
}

function fmtMetric(m: object): string {
  const r = m as Record<string, number>;
  return r.accuracy !== undefined ? `acc ${r.accuracy.toFixed(3)}` : `loss ${r.loss!.toFixed(4)}`;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
