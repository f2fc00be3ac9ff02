import type { Backend } from './types.js';
import { createRefBackend } from './ref/index.js';
import { ArgumentError } from '../errors.js';

const backends = new Map<string, () => Backend>([['ref', createRefBackend]]);
const instances = new Map<string, Backend>();
let current: Backend | null = null;

/** Makes a backend available to `setBackend` under its name (wasm registers itself this way). */
export function registerBackend(name: string, factory: () => Backend): void {
  backends.set(name, factory);
}

/** Names of the registered backends. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/**
 * Selects the backend new tensors are created on. Tensors already created stay on their backend;
 * mixing backends in one op is an error.
 */
export function setBackend(name: string): Backend {
  const factory = backends.get(name);
  if (!factory) throw new ArgumentError('setBackend', `unknown backend '${name}'; available: ${listBackends().join(', ')}`);
  let b = instances.get(name);
  if (!b) {
    b = factory();
    instances.set(name, b);
  }
  current = b;
  return b;
}

/** The active backend (ref until another is selected). */
export function getBackend(): Backend {
  return current ?? setBackend('ref');
}
