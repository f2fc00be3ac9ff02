import { performance } from 'node:perf_hooks';
import { trainConfig } from '../train/config.js';
import type { TrainConfig } from '../train/config.js';
import { Trainer } from '../train/trainer.js';
import type { TrainEvent, TrainResult } from '../train/trainer.js';
import { decodeCheckpoint } from '../train/checkpoint.js';
import { dispose } from '../tensor/scope.js';
import { choiceFlag, flagHelp, intFlag, keyValues, numFlag, parseFlags } from './args.js';
import type { FlagSpec } from './args.js';
import { ENGINE_FLAGS, MODEL_FLAGS, modelOptionsFromFlags, setupEngine, taskFromOptions } from './common.js';
import { UsageError } from './errors.js';
import { Progress } from './progress.js';
import type { ProgressMode } from './progress.js';
import { renderReport } from './report.js';
import { RunFiles } from './run-files.js';
import { resultTable } from './table.js';

const TRAIN_FLAGS: Record<string, FlagSpec> = {
  task: { type: 'string', help: 'task (see `recurrent tasks`; default parity)' },
  model: { type: 'string', help: 'model (see `recurrent models`, options: `recurrent models NAME`; default lstm)' },
  steps: { type: 'string', help: 'optimisation steps (default 1000)' },
  seed: { type: 'string', help: 'seed of every random stream (default 0)' },
  'batch-size': { type: 'string', help: 'sequences per step (default 32)' },
  lr: { type: 'string', help: 'peak AdamW learning rate (default 3e-3)' },
  'weight-decay': { type: 'string', help: 'AdamW weight decay (default 0)' },
  clip: { type: 'string', help: 'gradient-norm clip, 0 = off (default 1)' },
  warmup: { type: 'string', help: 'linear warmup steps (default 50)' },
  schedule: { type: 'string', help: 'cosine (to 0.1 lr) or constant (default cosine)' },
  curriculum: { type: 'string', help: 'fraction of steps over which the max training length grows (default 0.5, 0 = off)' },
  'curriculum-gate': { type: 'string', help: 'accuracy-gated curriculum FROM,TO: train at one length N from FROM, next N when its accuracy exceeds --gate-threshold, stop after TO passes' },
  'gate-threshold': { type: 'string', help: 'accuracy (fraction) the gate\'s length must exceed (default 0.98)' },
  'gate-every': { type: 'string', help: 'steps between gate evaluations (default 100)' },
  hidden: { type: 'string', help: 'hidden units per layer (default 64)' },
  layers: { type: 'string', help: 'recurrent layers (default 1)' },
  dropout: { type: 'string', help: 'dropout between layers (default 0)' },
  bidirectional: { type: 'boolean', help: 'second stack reading backwards (per-sequence tasks only)' },
  embed: { type: 'string', help: 'embedding width for token tasks (default = hidden)' },
  norm: { type: 'string', help: 'layer, rms or none before the head (default layer)' },
  ...MODEL_FLAGS,
  'train-lengths': { type: 'string', help: 'training length range LO,HI in place of the task\'s own' },
  'test-lengths': { type: 'string', help: 'test length range LO,HI in place of the task\'s own' },
  'task-opt': { type: 'string', multiple: true, help: 'task option name=value (repeatable), e.g. numPairs=16; `recurrent tasks NAME` lists them' },
  text: { type: 'string', help: 'text file for --task text' },
  'eval-every': { type: 'string', help: 'steps between evaluations (default steps/4)' },
  'eval-size': { type: 'string', help: 'examples per evaluation set (default 256)' },
  'log-every': { type: 'string', help: 'steps per averaged loss record (default 10)' },
  'checkpoint-every': { type: 'string', help: 'steps between checkpoints (default 100, 0 = end only)' },
  patience: { type: 'string', help: 'stop after this many evaluations without improvement (default 0 = off)' },
  out: { type: 'string', help: 'run folder (default runs/<task>-<model>-seed<seed>)' },
  resume: { type: 'boolean', help: 'continue from the run folder\'s checkpoint' },
  overwrite: { type: 'boolean', help: 'replace an unfinished run in the run folder' },
  json: { type: 'boolean', help: 'one JSON object per line; the final metrics last' },
  'no-report': { type: 'boolean', help: 'skip report.html' },
  ...ENGINE_FLAGS,
};

/** Usage text of `recurrent train`. */
export const TRAIN_HELP = `recurrent train [flags]\n\nTrains a sequence model on a task, with checkpoints, exact resume and an HTML report.\n\n${flagHelp(TRAIN_FLAGS)}`;

/**
 * Builds the run config from flags (validated). On `--resume`, `saved` (the checkpoint's config)
 * supplies the defaults that are derived from `--steps` (warmup, eval interval), so a resume with
 * a larger `--steps` and otherwise the same flags is not mistaken for a change of settings.
 */
function configFromFlags(v: Record<string, unknown>, saved?: TrainConfig): TrainConfig {
  const taskOptions: Record<string, string | number | boolean> = { ...keyValues('task-opt', v['task-opt']) };
  if (v.text !== undefined) taskOptions.path = String(v.text);
  const steps = intFlag('steps', v.steps, 1000, 1);
  const name = String(v.model ?? 'lstm');
  const model: TrainConfig['model'] = { name };
  if (v.hidden !== undefined) model.hiddenSize = intFlag('hidden', v.hidden, 64, 1);
  if (v.layers !== undefined) model.numLayers = intFlag('layers', v.layers, 1, 1);
  if (v.dropout !== undefined) model.dropout = numFlag('dropout', v.dropout, 0, 0);
  if (v.bidirectional) model.bidirectional = true;
  if (v.embed !== undefined) model.embedDim = intFlag('embed', v.embed, 64, 1);
  if (v.norm !== undefined) model.norm = choiceFlag('norm', v.norm, ['layer', 'rms', 'none'] as const, 'layer');
  const options = modelOptionsFromFlags(name, v);
  if (Object.keys(options).length) model.options = options;
  return trainConfig({
    task: String(v.task ?? 'parity'), taskOptions, model, steps,
    seed: intFlag('seed', v.seed, 0, 0),
    batchSize: intFlag('batch-size', v['batch-size'], 32, 1),
    lr: numFlag('lr', v.lr, 3e-3, 0),
    weightDecay: numFlag('weight-decay', v['weight-decay'], 0, 0),
    clip: numFlag('clip', v.clip, 1, 0),
    warmup: intFlag('warmup', v.warmup, saved?.warmup ?? Math.min(50, Math.floor(steps / 10)), 0),
    schedule: choiceFlag('schedule', v.schedule, ['cosine', 'constant'] as const, 'cosine'),
    curriculum: numFlag('curriculum', v.curriculum, 0.5, 0),
    evalEvery: intFlag('eval-every', v['eval-every'], saved?.evalEvery ?? Math.max(1, Math.floor(steps / 4)), 0),
    evalSize: intFlag('eval-size', v['eval-size'], 256, 1),
    logEvery: intFlag('log-every', v['log-every'], 10, 1),
    checkpointEvery: intFlag('checkpoint-every', v['checkpoint-every'], 100, 0),
    patience: intFlag('patience', v.patience, 0, 0),
    ...(v['train-lengths'] !== undefined ? { trainLengths: rangeFlag('train-lengths', v['train-lengths']) } : {}),
    ...(v['test-lengths'] !== undefined ? { testLengths: rangeFlag('test-lengths', v['test-lengths']) } : {}),
    ...gateFlags(v),
  });
}

/** `recurrent train`: returns the process exit code. */
export function trainCommand(argv: string[]): number {
  const v = parseFlags('train', argv, TRAIN_FLAGS);
  if (v.help) {
    process.stdout.write(TRAIN_HELP + '\n');
    return 0;
  }
  const wall0 = performance.now();
  const engine = setupEngine(v);
  let config = configFromFlags(v);
  const task = taskFromOptions(config.task, config.taskOptions);
  const files = new RunFiles(String(v.out ?? `runs/${config.task}-${config.model.name}-seed${config.seed}`));
  const existing = files.readCheckpoint();
  const json = !!v.json;
  const note = (msg: string): void => void process.stderr.write(msg + '\n');

  let trainer: Trainer;
  if (v.resume && existing) {
    config = configFromFlags(v, existing.meta.config);
    const differs = diffConfig(existing.meta.config, config);
    if (differs.length) {
      throw new UsageError(`the checkpoint in ${files.dir} was trained with different settings (${differs.join('; ')}); give the same flags, or a new --out`);
    }
    const { meta, tensors } = decodeCheckpoint(existing.bytes);
    try {
      trainer = new Trainer({ ...meta.config, steps: config.steps }, task, { meta, tensors });
    } finally {
      dispose(Object.values(tensors));
    }
    if (!json) note(`resuming ${files.dir} from step ${trainer.step}`);
  } else {
    if (existing && !v.resume && !v.overwrite) {
      const m = existing.meta;
      const finished = m.step >= m.config.steps || m.counters.stoppedEarly;
      if (!finished) {
        throw new UsageError(`${files.dir} holds an unfinished run (step ${m.step} of ${m.config.steps}); pass --resume to continue it or --overwrite to start over`);
      }
    }
    if (v.resume && !json) note(`no checkpoint in ${files.dir} yet: starting from step 0`);
    trainer = new Trainer(config, task);
  }
  files.ensure();
  // The log restarts from what the checkpoint remembers, so a killed run leaves no stray lines.
  files.resetLog([...trainer.history.steps.map((s) => ({ event: 'step', ...s })), ...trainer.history.evals.map((e) => ({ event: 'eval', ...e }))]);

  const mode: ProgressMode = json ? 'json' : process.stderr.isTTY ? 'bar' : 'lines';
  const progress = new Progress(mode, trainer.config.steps, trainer.step);
  let result: TrainResult;
  try {
    result = trainer.run({
      onEvent: (e: TrainEvent) => {
        progress.event(e);
        if (e.event !== 'checkpoint') files.appendLog(e);
      },
      onCheckpoint: (bytes) => files.writeCheckpoint(bytes),
    });
  } finally {
    progress.stop();
  }
  const timings = {
    trainSeconds: round(trainer.trainSeconds, 3), tokensPerSec: Math.round(trainer.tokensPerSec),
    wallSeconds: round((performance.now() - wall0) / 1000, 3), backend: engine.backend, threads: engine.threads,
  };
  files.writeText(files.result, JSON.stringify({ ...result, timings }, null, 2) + '\n');
  if (!v['no-report']) {
    files.writeText(files.report, renderReport({
      result, config: trainer.config, modelConfig: trainer.modelConfig, history: trainer.history, timings,
      trainLengths: task.trainLengths, testLengths: task.testLengths,
    }));
  }
  files.appendLog({ event: 'final', ...result });
  if (json) {
    process.stdout.write(JSON.stringify({ event: 'timing', ...timings, out: files.dir }) + '\n');
    process.stdout.write(JSON.stringify({ event: 'final', ...result }) + '\n');
  } else {
    process.stdout.write(`\n${result.task} · ${result.model} · ${result.parameters.toLocaleString('en')} parameters · ${result.steps} steps${result.stoppedEarly ? ' (stopped early)' : ''} · seed ${result.seed}\n`);
    process.stdout.write(resultTable(result, task.trainLengths, task.testLengths) + '\n');
    if (result.gate) process.stdout.write(`\ncurriculum gate: ${gateSummary(result.gate)}\n`);
    process.stdout.write(`\ntrained in ${timings.trainSeconds.toFixed(1)} s (${timings.tokensPerSec.toLocaleString('en')} tokens/s, ${engine.backend}, ${engine.threads} thread${engine.threads > 1 ? 's' : ''}); run folder ${files.dir}${v['no-report'] ? '' : ` (report.html)`}\n`);
  }
  return 0;
}

/** `N 4 passed at step 300, ...; now at N 6` (or `finished at N 8`). */
function gateSummary(g: NonNullable<TrainResult['gate']>): string {
  const passes = g.passed.map((p) => `N ${p.length} at step ${p.step}`).join(', ');
  return `${passes ? `passed ${passes}; ` : 'nothing passed; '}${g.done ? `finished at N ${g.length}` : `training at N ${g.length} when the run ended`}`;
}

/** `--curriculum-gate FROM,TO` with `--gate-threshold` and `--gate-every` (which need it). */
function gateFlags(v: Record<string, unknown>): Pick<TrainConfig, 'curriculumGate'> {
  if (v['curriculum-gate'] === undefined) {
    for (const k of ['gate-threshold', 'gate-every']) if (v[k] !== undefined) throw new UsageError(`--${k} needs --curriculum-gate FROM,TO`);
    return {};
  }
  const [from, to] = rangeFlag('curriculum-gate', v['curriculum-gate']);
  const threshold = numFlag('gate-threshold', v['gate-threshold'], 0.98, 0);
  if (!(threshold > 0 && threshold < 1)) throw new UsageError(`--gate-threshold must be a fraction in (0, 1), got '${String(v['gate-threshold'])}'`);
  return { curriculumGate: { from, to, threshold, every: intFlag('gate-every', v['gate-every'], 100, 1) } };
}

/** A LO,HI length range flag. */
function rangeFlag(name: string, v: unknown): [number, number] {
  const parts = String(v).split(',');
  if (parts.length !== 2) throw new UsageError(`--${name} expects LO,HI, got '${String(v)}'`);
  const [lo, hi] = parts.map((p) => intFlag(name, p, 1, 1)) as [number, number];
  if (lo > hi) throw new UsageError(`--${name} expects LO <= HI, got '${String(v)}'`);
  return [lo, hi];
}

/** Settings that differ between a checkpoint's config and the flags (steps may grow). */
function diffConfig(saved: TrainConfig, now: TrainConfig): string[] {
  const out: string[] = [];
  const a = { ...saved, steps: 0, model: JSON.stringify(saved.model), taskOptions: JSON.stringify(saved.taskOptions) };
  const b = { ...now, steps: 0, model: JSON.stringify(now.model), taskOptions: JSON.stringify(now.taskOptions) };
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof typeof b>;
  const show = (x: unknown): string => (x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x));
  for (const k of keys) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${k}: ${show(a[k])} vs ${show(b[k])}`);
  return out;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
