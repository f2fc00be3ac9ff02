import { beginScope, collectTensors, endScope } from './memory.js';
import { isTensor } from './tensor.js';
import type { Tensor } from './tensor.js';

/**
 * Runs `fn` and disposes every tensor it created except those in its result (found in nested
 * arrays and plain objects), which move to the enclosing scope. The function must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  beginScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(new Set());
    throw e;
  }
  if (result instanceof Promise) {
    endScope(new Set());
    throw new TypeError('tidy: the function must be synchronous (it returned a Promise)');
  }
  const keepSet = new Set<Tensor>();
  collectTensors(result, keepSet, isTensor);
  endScope(keepSet);
  return result;
}

/** Disposes every tensor found in a nested value (arrays, plain objects, maps). */
export function dispose(value: unknown): void {
  const set = new Set<Tensor>();
  collectTensors(value, set, isTensor);
  for (const t of set) t.dispose();
}
