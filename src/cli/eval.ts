import { readFileSync } from 'node:fs';
import { Trainer } from '../train/trainer.js';
import { dispose } from '../tensor/scope.js';
import { decodeCheckpoint } from '../train/checkpoint.js';
import { flagHelp, intFlag, parseFlags } from './args.js';
import type { FlagSpec } from './args.js';
import { ENGINE_FLAGS, setupEngine, taskFromOptions } from './common.js';
import { UsageError } from './errors.js';
import { resultTable } from './table.js';

const EVAL_FLAGS: Record<string, FlagSpec> = {
  checkpoint: { type: 'string', help: 'checkpoint file (e.g. runs/parity-lstm-seed0/checkpoint.safetensors)' },
  lengths: { type: 'string', help: 'comma-separated lengths for the curve (default: the run\'s curve)' },
  'eval-size': { type: 'string', help: 'examples per set (default: as trained)' },
  json: { type: 'boolean', help: 'print the metrics as one JSON object' },
  ...ENGINE_FLAGS,
};

/** Usage text of `recurrent eval`. */
export const EVAL_HELP = `recurrent eval --checkpoint FILE [flags]\n\nEvaluates a checkpoint on its task's training and test lengths and a length curve.\n\n${flagHelp(EVAL_FLAGS)}`;

/** Loads a trainer (model, task, config) from a checkpoint file; errors are one line. */
export function loadRun(path: unknown, evalSize?: number): Trainer {
  if (typeof path !== 'string') throw new UsageError('--checkpoint FILE is required');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read checkpoint '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let decoded;
  try {
    decoded = decodeCheckpoint(bytes);
  } catch (e) {
    throw new UsageError(`${path} is not a readable checkpoint (${(e as Error).message})`);
  }
  const { meta, tensors } = decoded;
  try {
    const task = taskFromOptions(meta.config.task, meta.config.taskOptions);
    return new Trainer(evalSize ? { ...meta.config, evalSize } : meta.config, task, { meta, tensors });
  } finally {
    dispose(Object.values(tensors));
  }
}

/** `recurrent eval`. */
export function evalCommand(argv: string[]): number {
  const v = parseFlags('eval', argv, EVAL_FLAGS);
  if (v.help) {
    process.stdout.write(EVAL_HELP + '\n');
    return 0;
  }
  setupEngine(v);
  const evalSize = v['eval-size'] !== undefined ? intFlag('eval-size', v['eval-size'], 256, 1) : undefined;
  const lengths = v.lengths !== undefined ? String(v.lengths).split(',').map((s) => intFlag('lengths', s, 1, 1)) : null;
  const run = loadRun(v.checkpoint, evalSize);
  const result = {
    task: run.task.name, model: run.modelConfig.name, step: run.step,
    train: run.evaluate('train'), test: run.evaluate('test'),
    curve: (lengths ?? run.curveLengths()).map((length) => ({ length, ...run.evaluate(length) })),
  };
  if (v.json) process.stdout.write(JSON.stringify({ event: 'eval', ...result }) + '\n');
  else {
    process.stdout.write(`${result.task} · ${result.model} · step ${result.step}\n`);
    process.stdout.write(resultTable(result, run.task.trainLengths, run.task.testLengths) + '\n');
  }
  return 0;
}
