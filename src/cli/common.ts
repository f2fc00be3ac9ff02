import { readFileSync } from 'node:fs';
import { getBackend, setBackend, setThreads, wasmInfo } from '../index.js';
import { createTask } from '../tasks/registry.js';
import type { TaskOptions } from '../tasks/registry.js';
import type { Task } from '../tasks/types.js';
import { intFlag } from './args.js';
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
