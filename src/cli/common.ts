import { readFileSync } from 'node:fs';
import { getBackend, setBackend, setThreads, wasmInfo } from '../index.js';
import { createTask } from '../tasks/registry.js';
import type { TaskOptions } from '../tasks/registry.js';
import type { Task } from '../tasks/types.js';
import { checkModelOptions } from '../models/registry.js';
import type { OptionValue } from '../options.js';
import { intFlag, keyValues } from './args.js';
import type { FlagSpec } from './args.js';
import { UsageError } from './errors.js';

/** Flags every compute command accepts. */
export const ENGINE_FLAGS: Record<string, FlagSpec> = {
  backend: { type: 'string', help: 'kernels: wasm (default where it loads) or ref' },
  threads: { type: 'string', help: 'wasm worker threads (default: all cores; results do not depend on it)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** Applies --backend and --threads; returns a description for reports. */
export function setupEngine(values: Record<string, unknown>): { backend: string; threads: number } {
  if (values.backend !== undefined) {
    const name = String(values.backend);
    if (name !== 'wasm' && name !== 'ref') throw new UsageError(`--backend must be wasm or ref, got '${name}'`);
    setBackend(name);
  }
  const info = getBackend().name === 'wasm' ? wasmInfo() : null;
  if (values.threads !== undefined) {
    const n = intFlag('threads', values.threads, 1, 1);
    if (info) setThreads(n);
  }
  return { backend: getBackend().name, threads: getBackend().name === 'wasm' ? wasmInfo()?.threads ?? 1 : 1 };
}

/** Creates a task, reading `path` (the text task's file) from disk. */
export function taskFromOptions(name: string, opts: TaskOptions): Task {
  const o = { ...opts };
  if (typeof o.path === 'string') {
    try {
      o.text = readFileSync(o.path, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read text file '${o.path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    delete o.path;
  }
  return createTask(name, o);
}

/** Flags of every command that builds a model: its options, and the older flags kept as aliases. */
export const MODEL_FLAGS: Record<string, FlagSpec> = {
  'model-opt': { type: 'string', multiple: true, help: 'model option name=value (repeatable); `recurrent models NAME` lists them' },
  heads: { type: 'string', help: 'alias of --model-opt heads=N' },
  householder: { type: 'string', help: 'alias of --model-opt householder=N (deltaproduct)' },
  'neg-eigval': { type: 'boolean', help: 'alias of --model-opt allowNegEigval=true (delta-rule models)' },
  'short-conv': { type: 'string', help: 'alias of --model-opt shortConv=on|off (gla, delta-rule models)' },
};

// Each alias flag and the option it sets.
const ALIASES: readonly [flag: string, option: string][] = [['heads', 'heads'], ['householder', 'householder'], ['neg-eigval', 'allowNegEigval'], ['short-conv', 'shortConv']];

/**
 * The model options from `--model-opt k=v` and the alias flags, checked against model `name`'s
 * options (an unknown name or a bad value is a one-line error listing the valid ones).
 */
export function modelOptionsFromFlags(name: string, v: Record<string, unknown>): Record<string, OptionValue> {
  const given: Record<string, unknown> = { ...keyValues('model-opt', v['model-opt']) };
  for (const [flag, option] of ALIASES) {
    if (v[flag] === undefined || v[flag] === false) continue;
    const value = v[flag] === true ? 'true' : String(v[flag]);
    if (given[option] !== undefined && String(given[option]) !== value) {
      throw new UsageError(`--${flag} ${value} contradicts --model-opt ${option}=${String(given[option])}`);
    }
    given[option] = value;
  }
  return checkModelOptions(name, given);
}
